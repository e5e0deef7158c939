// What makes a process impossible to replace in place, refused before anything changes:
// other threads, memory shared with the parent (vfork, CLONE_VM), and the C library's rseq
// registration, which must be undone before the memory it points into goes (spec E9).
#pragma once

#include "error.h"

#include <cstdint>

namespace ulexec {

[[nodiscard]] bool CheckSingleThreaded(Error& error);
[[nodiscard]] bool CheckOwnMemory(Error& error);

// Unregisters glibc's rseq area if it has one; `*area` is it (0: none), for Rollback.
[[nodiscard]] bool UnregisterRseq(uint64_t* area, Error& error);
// Registers it again (Rollback).
void RegisterRseq(uint64_t area);

}  // namespace ulexec
