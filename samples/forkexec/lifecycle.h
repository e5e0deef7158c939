// One child narrated from the fork to its reaping, with the --signal plan; and -n N children
// reaped in the order they finish.
#pragma once

#include "options.h"

namespace forkexec {

// Both return forkexec's exit status (options.h, kUsage).
int RunOne(const Options& options, char** envp);
int RunMany(const Options& options, char** envp);

}  // namespace forkexec
