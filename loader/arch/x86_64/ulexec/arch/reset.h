// Architecture state execve resets that the hand-off must reset too (spec B4), as a table of
// system calls the hand-off runs.
#pragma once

#include <cstdint>

#include <sys/syscall.h>

namespace ulexec::arch {

struct ResetCall {
  long nr;
  uint64_t a1, a2;
};

// FS base 0: the loader's (or its host's) thread pointer must not leak into the program.
constexpr int kArchSetFs = 0x1002;
constexpr ResetCall kResetCalls[] = {{SYS_arch_prctl, kArchSetFs, 0}};

}  // namespace ulexec::arch
