// One reader for /proc files: the whole file into a caller's buffer.
#include "proc-files.h"

#include <crt/errno-names.h>
#include <crt/sys.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>

namespace ulexec {

crt::Result<int> OpenOwnProcFile(const char* path, int flags, bool dumpable_window) {
  auto fd = crt::sys::Open(path, flags | O_CLOEXEC);
  if (fd || fd.error() != EACCES || !dumpable_window) return fd;
  auto dumpable = crt::sys::Prctl(PR_GET_DUMPABLE);
  if (!dumpable || dumpable.value() == 1 || !crt::sys::Prctl(PR_SET_DUMPABLE, 1)) return fd;  // 0, or 2 (suid_dumpable)
  fd = crt::sys::Open(path, flags | O_CLOEXEC);
  (void)crt::sys::Prctl(PR_SET_DUMPABLE, 0);  // the hand-off sets what execve would (exec-plan.cc)
  return fd;
}

bool ReadProcFile(const char* path, char* buf, size_t cap, bool must_fit, std::string_view* out, Error& error) {
  auto fd = OpenOwnProcFile(path, O_RDONLY, false);
  if (!fd) return error.Fail(fd.error(), "cannot open ", path, ": ", crt::ErrnoMessage(fd.error()));
  size_t n = 0;
  bool ok = true;
  while (n < cap) {
    auto r = crt::sys::Read(fd.value(), buf + n, cap - n);
    if (!r && r.error() == EINTR) continue;
    if (!r) ok = error.Fail(r.error(), "cannot read ", path, ": ", crt::ErrnoMessage(r.error()));
    if (!r || r.value() == 0) break;
    n += r.value();
  }
  (void)crt::sys::Close(fd.value());
  if (ok && n == cap && must_fit) ok = error.Fail(ENOMEM, path, " is larger than ", cap, " bytes");
  *out = std::string_view(buf, n);
  return ok;
}

}  // namespace ulexec
