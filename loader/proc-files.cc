// One reader for /proc files: the whole file into a caller's buffer.
#include "proc-files.h"

#include <crt/errno-names.h>
#include <crt/sys.h>

#include <errno.h>
#include <fcntl.h>

namespace ulexec {

bool ReadProcFile(const char* path, char* buf, size_t cap, bool must_fit, std::string_view* out, Error& error) {
  auto fd = crt::sys::Open(path, O_RDONLY | O_CLOEXEC);
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
