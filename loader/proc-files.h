// One reader for /proc files (maps, auxv, timers, status): the whole file into a caller's buffer,
// and the directory listing of /proc/self/{fd,task}.
#pragma once

#include "error.h"

#include <crt/string.h>
#include <crt/sys.h>

#include <cstddef>
#include <string_view>

namespace ulexec {

// Opens one of the process's own /proc/self files. A process that is not dumpable (the kernel
// makes one started with a file capability so, as the capability-carrying ulexec is:
// docs/execve.md#E11) finds its mem and auxv owned by root, mode 0400/0600, which an ordinary user
// cannot open. With `dumpable_window` (ExecPlan::own_mem_in_dumpable_window: capabilities the
// user's other processes lack) it becomes dumpable for the open alone: that opens it to no one
// meanwhile, as ptrace and those files' access check also want the other side to hold every
// capability it holds. Any other process is left as it is.
crt::Result<int> OpenOwnProcFile(const char* path, int flags, bool dumpable_window);

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
