// One reader for /proc files (maps, auxv, timers, status): the whole file into a caller's buffer,
// and the directory listing of /proc/self/{fd,task}.
#pragma once

#include "error.h"

#include <crt/string.h>

#include <cstddef>
#include <string_view>

namespace ulexec {

// Reads the whole of `path` into `buf`. A file that fills `buf` is ENOMEM when `must_fit`, else
// cut there. The result views `buf`.
[[nodiscard]] bool ReadProcFile(const char* path, char* buf, size_t cap, bool must_fit, std::string_view* out,
                                Error& error);

// Calls f(name, dirfd) for each entry of the folder but "." and "..".
template <typename F>
bool ForEachDirEntry(const char* path, Error& error, F&& f);

// Calls f(id) for each timer of /proc/self/timers' text.
template <typename F>
void ForEachTimer(std::string_view text, F&& f) {
  (void)crt::ForEachLine(text, [&](std::string_view line) {
    unsigned long id;
    if (line.starts_with("ID: ") && crt::ParseUnsigned(crt::Slice(line, 4), &id)) f(id);
    return true;
  });
}

}  // namespace ulexec

#include "proc-files-inl.h"
