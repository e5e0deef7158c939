// Performs a command's redirections on this process's descriptors: in a child before the
// exec, or around a built-in in the shell itself (saving what it replaces, to put it back).
#pragma once

#include "expand.h"

#include <cstddef>

namespace minish {

struct SavedFds {
  static constexpr size_t kMax = 32;
  int fd[kMax];
  int copy[kMax];  // a close-on-exec duplicate of the original, or -1 when fd was closed
  size_t count = 0;
};

// The status of a command whose redirection failed: 2, as dash gives (bash gives 1).
constexpr int kRedirectFailed = 2;

// Applies them in order; on failure reports "minish: TARGET: reason" and returns false (the
// ones already done stay done: Restore undoes them).
bool ApplyRedirects(const ExpandedCommand& command, SavedFds* saved);
void RestoreRedirects(SavedFds* saved);

}  // namespace minish
