// < > >> <& >& with the descriptor numbers of the syntax; files are opened close-on-exec and
// moved into place with dup2, which clears the flag on the copy.
#include "redirect.h"

#include <crt/errno-names.h>
#include <crt/format.h>
#include <crt/string.h>
#include <crt/sys.h>

#include <errno.h>
#include <fcntl.h>

namespace minish {
namespace {

constexpr int kSaveFloor = 10;  // saved copies go above the descriptors scripts use
constexpr int kMaxFd = 1024;

bool Fail(std::string_view what, int err) {
  crt::Writer w(2);
  w << "minish: " << what << ": " << crt::ErrnoMessage(err) << '\n';
  return false;
}

void Save(int fd, SavedFds* saved) {
  if (!saved || saved->count == SavedFds::kMax) return;
  for (size_t i = 0; i < saved->count; ++i) {
    if (saved->fd[i] == fd) return;  // the first original is the one to restore
  }
  auto copy = crt::sys::Fcntl(fd, F_DUPFD_CLOEXEC, kSaveFloor);
  saved->fd[saved->count] = fd;
  saved->copy[saved->count++] = copy ? copy.value() : -1;
}

// The file a <, > or >> names, opened and moved to `fd`.
bool OpenOnto(const char* path, int flags, int fd) {
  auto opened = crt::sys::Open(path, flags | O_CLOEXEC, 0666);
  while (!opened && opened.error() == EINTR) opened = crt::sys::Open(path, flags | O_CLOEXEC, 0666);
  if (!opened) return Fail(path, opened.error());
  if (opened.value() == fd) return crt::sys::Fcntl(fd, F_SETFD, 0).ok();
  const bool ok = crt::sys::Dup2(opened.value(), fd).ok();
  (void)crt::sys::Close(opened.value());
  return ok || Fail(path, EBADF);
}

// <&N, >&N, or <&- and >&- to close.
bool DuplicateOnto(const char* target, int fd) {
  if (crt::View(target) == "-") {
    (void)crt::sys::Close(fd);
    return true;
  }
  unsigned long from;
  if (!crt::ParseUnsigned(target, &from) || from >= kMaxFd) return Fail(target, EBADF);
  if (static_cast<int>(from) == fd) return crt::sys::Fcntl(fd, F_GETFD).ok() || Fail(target, EBADF);
  auto r = crt::sys::Dup2(static_cast<int>(from), fd);
  return r.ok() || Fail(target, r.error());
}

}  // namespace

bool ApplyRedirects(const ExpandedCommand& command, SavedFds* saved) {
  for (size_t i = 0; i < command.command->redirect_count; ++i) {
    const Redirect& r = command.command->redirects[i];
    const char* target = command.targets[i];
    if (r.fd >= kMaxFd) {
      char name[16];
      return Fail(crt::FormatTo(name, sizeof name, r.fd), EBADF);
    }
    Save(r.fd, saved);
    bool ok;
    switch (r.kind) {
      case RedirectKind::kIn: ok = OpenOnto(target, O_RDONLY, r.fd); break;
      case RedirectKind::kOut: ok = OpenOnto(target, O_WRONLY | O_CREAT | O_TRUNC, r.fd); break;
      case RedirectKind::kAppend: ok = OpenOnto(target, O_WRONLY | O_CREAT | O_APPEND, r.fd); break;
      default: ok = DuplicateOnto(target, r.fd); break;
    }
    if (!ok) return false;
  }
  return true;
}

void RestoreRedirects(SavedFds* saved) {
  while (saved->count > 0) {
    --saved->count;
    const int fd = saved->fd[saved->count], copy = saved->copy[saved->count];
    if (copy < 0) {
      (void)crt::sys::Close(fd);
    } else {
      (void)crt::sys::Dup2(copy, fd);
      (void)crt::sys::Close(copy);
    }
  }
}

}  // namespace minish
