// The child's side of forkexec: from the fork to the program, through the ulexec library.
#pragma once

#include <cstdint>

namespace forkexec {

struct ChildPlan {
  char** argv;            // PROGRAM ARG... NULL
  char** envp;
  uint64_t signal_mask;   // restored before the exec (the parent blocks SIGCHLD)
  int report_fd;          // close-on-exec: closed by a successful exec, sent the errno otherwise; or -1
  bool narrate;
  bool explain_stack;
};

// Runs argv[0] (searched for in PATH when it has no slash) in this process. On failure it says
// why and exits 127 (not found) or 126 (cannot run), as a shell does.
[[noreturn]] void RunChild(const ChildPlan& plan);

// The exit status a shell gives a command that could not be run: 127 not found, else 126.
int ExecFailureStatus(int err);

}  // namespace forkexec
