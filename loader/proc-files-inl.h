// Template part of proc-files.h.
#pragma once

#include "static-buffers.h"

#include <crt/errno-names.h>
#include <crt/sys.h>

#include <fcntl.h>

#include <cstdint>

namespace ulexec {

template <typename F>
bool ForEachDirEntry(const char* path, Error& error, F&& f) {
  auto dir = crt::sys::Open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (!dir) return error.Fail(dir.error(), "cannot open ", path, ": ", crt::ErrnoMessage(dir.error()));
  // Static, off the loader's small stack (single-threaded by contract; no listing nests).
  char* const buf = Buffers().dirents;
  for (;;) {
    auto r = crt::sys::Getdents64(dir.value(), buf, sizeof Buffers().dirents);
    if (!r || r.value() == 0) break;
    for (size_t at = 0; at < r.value();) {
      const char* d = buf + at;  // struct linux_dirent64: reclen at 16, name at 19
      at += *reinterpret_cast<const uint16_t*>(d + 16);
      const std::string_view name(d + 19);
      if (name != "." && name != "..") f(name, dir.value());
    }
  }
  (void)crt::sys::Close(dir.value());
  return true;
}

}  // namespace ulexec
