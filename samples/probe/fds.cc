// Section `fds`: the open descriptors (spec E4), each with FD_CLOEXEC, the access mode and status
// flags, the file offset and what /proc/self/fd/N links to. Pipe and socket inode numbers change
// on every run, so they are shown as pipe:[*] and socket:[*].
#include "probe.h"

#include <crt/string.h>
#include <crt/sys.h>

#include <fcntl.h>

namespace probe {
namespace {

constexpr size_t kMaxFds = 1024;
int g_fds[kMaxFds];
alignas(8) char g_dirents[8192];

struct FlagName {
  unsigned bit;
  std::string_view name;
};

// Kernel values (x86-64), independent of any C library's spelling.
constexpr FlagName kStatusFlags[] = {
    {00002000, "O_APPEND"},   {00004000, "O_NONBLOCK"}, {00010000, "O_DSYNC"},    {00020000, "O_ASYNC"},
    {00040000, "O_DIRECT"},   {00100000, "O_LARGEFILE"}, {00200000, "O_DIRECTORY"}, {00400000, "O_NOFOLLOW"},
    {01000000, "O_NOATIME"},  {02000000, "O_CLOEXEC"},  {04000000, "__O_SYNC"},   {010000000, "O_PATH"},
    {020000000, "__O_TMPFILE"},
};

void OpenFlags(crt::Writer& w, unsigned flags) {
  constexpr std::string_view kAccess[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
  w << kAccess[flags & 3];
  flags &= ~3u;
  for (const auto& f : kStatusFlags) {
    if (!(flags & f.bit)) continue;
    w << '|' << f.name;
    flags &= ~f.bit;
  }
  if (flags) w << '|' << crt::Hex{flags};
}

size_t ListFds() {
  auto dir = crt::sys::Open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (!dir) return 0;
  size_t n = 0;
  for (;;) {
    auto got = crt::sys::Getdents64(dir.value(), g_dirents, sizeof g_dirents);
    if (!got || got.value() == 0) break;
    for (size_t off = 0; off < got.value();) {
      const char* ent = g_dirents + off;
      uint16_t reclen;
      memcpy(&reclen, ent + 16, sizeof reclen);
      unsigned long fd;
      if (crt::ParseUnsigned(crt::View(ent + 19), &fd) && static_cast<int>(fd) != dir.value() && n < kMaxFds) {
        g_fds[n++] = static_cast<int>(fd);
      }
      off += reclen;
    }
  }
  (void)crt::sys::Close(dir.value());
  for (size_t i = 1; i < n; ++i) {  // insertion sort: the list is short and nearly sorted
    for (size_t j = i; j > 0 && g_fds[j - 1] > g_fds[j]; --j) {
      const int t = g_fds[j];
      g_fds[j] = g_fds[j - 1];
      g_fds[j - 1] = t;
    }
  }
  return n;
}

}  // namespace

void ReportFds(const Context&, crt::Writer& w) {
  const size_t n = ListFds();
  w << "fd.list: ";
  for (size_t i = 0; i < n; ++i) w << (i ? "," : "") << g_fds[i];
  w << (n ? "\n" : "none\n");
  for (size_t i = 0; i < n; ++i) {
    const int fd = g_fds[i];
    auto fdflags = crt::sys::Fcntl(fd, F_GETFD);
    auto flflags = crt::sys::Fcntl(fd, F_GETFL);
    w << "fd." << fd << ".cloexec: ";
    if (fdflags) w << ((fdflags.value() & FD_CLOEXEC) ? "yes" : "no") << '\n';
    else w << Errno{fdflags.error()} << '\n';
    w << "fd." << fd << ".flags: ";
    if (flflags) OpenFlags(w, static_cast<unsigned>(flflags.value()));
    else w << Errno{flflags.error()};
    w << '\n';
    auto pos = crt::sys::Lseek(fd, 0, SEEK_CUR);
    w << "fd." << fd << ".offset: ";
    if (pos) w << pos.value() << '\n';
    else w << Errno{pos.error()} << '\n';

    char path[32];
    crt::FormatTo(path, sizeof path, "/proc/self/fd/", fd);
    char target[4096];
    auto len = crt::sys::Readlinkat(AT_FDCWD, path, target, sizeof target);
    w << "fd." << fd << ".target: ";
    if (!len) {
      w << Errno{len.error()} << '\n';
      continue;
    }
    std::string_view t(target, len.value());
    if (StartsWith(t, "pipe:[")) t = "pipe:[*]";
    else if (StartsWith(t, "socket:[")) t = "socket:[*]";
    w << Quoted{t} << '\n';
  }
}

}  // namespace probe
