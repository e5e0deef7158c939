// The exec as five steps of values, top to bottom:
//
//   Resolve  (open, read)   program, #! chain, interpreter        -> Target         target.h
//   Observe  (read)         the calling process                    -> ProcessState   process-state.h
//   Plan     (pure)         Target + ProcessState + random bytes   -> ExecPlan       exec-plan.h
//   Stage    (undoable)     map the images, move the vDSO, write the hand-off area; Rollback owns it
//   Commit   the point of no return: the hand-off runs the plan's steps and enters the program
//
// Observe reads the memory map before Resolve opens a file, so that a program with 1 free
// descriptor (2 with an interpreter) still runs; the rest of it after.
// PlanOnly stops after Plan: a dry run for --explain, with no effect on the process but reads.
#pragma once

#include "error.h"
#include "exec-plan.h"
#include "process-state.h"
#include "target.h"

#include <ulexec/ulexec.h>

#include <span>

namespace ulexec {

// One exec; returns only on failure (with everything it did undone).
[[nodiscard]] bool Exec(const Source& source, const char* const argv[], const char* const envp[],
                        const Options& options, Error& error);

// What an exec would do. `random` holds the random choices the plan used (the load bias of a
// PIE, AT_RANDOM, brk, the stack padding): each is marked random in the plan (Placement::random,
// ExecPlan::brk_random, StackRequest::pad) when the process randomizes.
struct DryRun {
  Target target;  // its ProgramFiles point into Buffers() (valid until the next exec or dry run)
  ProcessState state;
  Randomness random;
  ExecPlan plan;
};

// Resolve, Observe and Plan for `path` (or, when it is nullptr, descriptor `fd`), as ExecPath or
// ExecFd would run them. Returns 0, or a negative errno with `out` filled as the exec would.
// Descriptors it opened are closed again; `dry_run` stays valid (it names files by path).
int PlanOnly(const char* path, int fd, const char* const argv[], const char* const envp[], const Options& options,
             DryRun* dry_run, ulexec_error* out);

}  // namespace ulexec
