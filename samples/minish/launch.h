// The child's side of starting a command: redirections, assignments, then a built-in or the
// program found as execvp finds it, started with ulexec. Never returns.
#pragma once

#include "expand.h"
#include "shell.h"

namespace minish {

// In a forked child of the shell: runs `command` and exits with its status (127 not found,
// 126 found but not runnable, the reasons on stderr as a shell reports them).
[[noreturn]] void RunInChild(Shell& shell, const ExpandedCommand& command);

}  // namespace minish
