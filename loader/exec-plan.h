// Plan (pure, no system call): Target + ProcessState + random bytes -> the whole exec as one
// value: every image's final address, the vDSO's place, brk, the new stack and its auxv, the
// PR_SET_MM_MAP fields, what to close and reset, and the hand-off's steps in order. Every
// E2BIG, ENOMEM and placement refusal is decided here (docs/execve.md#D2, #C3-C7, #G2).
#pragma once

#include "auxv.h"
#include "credentials.h"
#include "error.h"
#include "image-plan.h"
#include "personality.h"
#include "placement.h"
#include "process-state.h"
#include "stack-layout.h"
#include "target.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace ulexec {

// The random bytes an exec uses, drawn once (getrandom) so that the plan is a pure function.
struct Randomness {
  unsigned char at_random[16];  // AT_RANDOM (spec A3)
  uint64_t pie = 0;             // a PIE's load offset (spec C4)
  uint64_t brk = 0;             // the brk offset (spec C11)
  uint64_t pad = 0;             // the stack's random padding (spec A4)
};

// The kernel's struct prctl_mm_map (104 bytes).
struct PrctlMmMap {
  uint64_t start_code, end_code, start_data, end_data;
  uint64_t start_brk, brk, start_stack;
  uint64_t arg_start, arg_end, env_start, env_end;
  uint64_t auxv;
  uint32_t auxv_size;
  uint32_t exe_fd;
};
static_assert(sizeof(PrctlMmMap) == 104);

struct PlannedImage {
  const ProgramFile* file = nullptr;
  Placement place;
  bool aside = false;   // its place is taken now (the host's image, the old vDSO): mapped at
  uint64_t map_at = 0;  // map_at, moved into place by the hand-off; else map_at == place.range.start
};

struct VdsoPlan {
  VdsoBlock block;     // as found
  Range final;         // where it goes (== block.range when it stays)
  bool early = false;  // its new place is free now: Stage moves it, reversibly
  uint64_t aside = 0;  // a free place to move through when old and new overlap (0: none needed)
  bool moves() const { return final.start != block.range.start; }
};

struct StackPlan {
  StackRequest request;     // what BuildStack writes
  StackLayout layout;       // the addresses it writes them at (sp, strings, auxv)
  uint64_t copy_low = 0;    // the bytes copied by the hand-off are [copy_low, stack_top)
  uint64_t low = 0;         // the new [stack] mapping is [low, stack_top) (spec A13)
  bool grows = false;       // the current [stack] starts above `low`: a write grows it
  bool executable = false;  // PT_GNU_STACK asks for PF_X (spec C8)
  uint64_t entry_frame = 0;  // the entry frame's place when entering through a restorer (B6); 0: none
  uint64_t copy_bytes() const { return request.stack_top - copy_low; }
};

// binfmt_misc's O flag (docs/execve.md#D3): the file passed on as AT_EXECFD, installed at
// `number` without close-on-exec by the hand-off, before it closes the others. `number` is never
// free before then: Resolve's own descriptors (close-on-exec) take the lowest free numbers, and
// each it closes it opens again for the next file, so the number is one of them (the source
// itself, say) or a caller's close-on-exec descriptor below them.
struct ExecFdPlan {
  int number = -1;  // AT_EXECFD; -1: none
  int source = -1;  // Target::execfd_file
};

enum class SignalReset : uint8_t { kKeep, kDefault, kIgnore };

// What the hand-off does past the point of no return, in this order (handoff-plan.h writes each
// as system calls). Steps that have nothing to do are left out of ExecPlan::steps.
enum class HandoffStep : uint8_t {
  kResetArch,          // the arch's registers the program must not inherit (FS base)
  kUnmapAllBut,        // everything but the stack, vDSO, hand-off area and images
  kMoveVdso,           // the vDSO block, when Stage did not move it
  kMoveImages,         // images mapped aside, into place
  kGrowStack,          // a write below the old [stack], which grows it to its new size
  kClearOldFrames,     // madvise(DONTNEED) of the old stack below the copied part
  kCopyStack,          // the new stack (argc, argv, envp, auxv, strings)
  kMapPageZero,        // page 0 read+exec, sealed, for MMAP_PAGE_ZERO (spec C13)
  kSetMmMap,           // PR_SET_MM_MAP with exe_fd, else without (spec G2, G4)
  kPassExecFd,         // AT_EXECFD's descriptor, over a close-on-exec one (ExecFdPlan)
  kCloseDescriptors,   // close-on-exec descriptors (spec E4)
  kResetSignals,       // caught signals to SIG_DFL, ignored ones cleaned (E1), no altstack (E3)
  kDeleteTimers,       // POSIX timers (spec E8)
  kForgetThreadLists,  // set_robust_list(0), set_tid_address(0)
  kClearKeepCaps,      // PR_SET_KEEPCAPS 0 (spec E12), only when set
  kSetDumpable,        // PR_SET_DUMPABLE, 1 or 0 (spec E11)
  kSetName,            // PR_SET_NAME comm (spec E6)
  kExecStack,          // mprotect of the stack with PROT_EXEC (spec C8)
  // Last, after everything that needs privilege: a set-id exec's new credentials (spec E13).
  kSetIds,              // setresgid, then setresuid (which may drop CAP_SETGID)
  kClearAmbient,        // PR_CAP_AMBIENT_CLEAR_ALL
  kSetCapabilities,     // capset
  kClearDeathSignal,    // PR_SET_PDEATHSIG 0, for a secure exec
};
constexpr size_t kMaxHandoffSteps = 22;

const char* HandoffStepName(HandoffStep step);

struct ExecPlan {
  PlannedImage images[2];  // the program, then its interpreter
  size_t image_count = 0;
  uint64_t entry = 0;  // the first instruction: the interpreter's entry, or the program's
  VdsoPlan vdso;
  uint64_t brk = 0;  // start_brk == brk (spec C11)
  bool brk_random = false;
  crt::AuxEntry auxv[kMaxAuxv];  // AT_NULL included; AT_RANDOM/EXECFN/PLATFORM filled by the stack
  size_t auxv_count = 0;
  StackPlan stack;
  PrctlMmMap mm{};                       // exe_fd: the program's descriptor; the fallback without it has -1
  ExecFdPlan execfd;                     // binfmt_misc's O flag (docs/execve.md#D3)
  unsigned long dumpable = 1;            // as PR_GET_DUMPABLE would give it; 2 is set as 0 (spec E11)
  bool exe_required = false;             // Options::require_exe: no fallback without exe_fd
  // The kernel made this process non-dumpable at a secure exec that gave it capabilities (none
  // ambient), which its user's other processes lack: its own /proc/self/mem, root's now, is
  // opened in a dumpable window (OpenOwnProcFile; ptrace's capability check keeps them out).
  bool own_mem_in_dumpable_window = false;
  PageZeroPlan page_zero;                // MMAP_PAGE_ZERO: keep page 0, or map it in the hand-off
  unsigned long personality = 0;         // the new program's (spec C13), set before the first mapping
  CredPlan creds;                        // the credentials after the exec (spec E13)

  std::span<const int> close_fds;            // descriptors the hand-off closes
  SignalReset signals[kMaxSignal + 1] = {};  // [1..64]
  std::string_view timers;                   // /proc/self/timers text: the ids to delete
  char comm[16] = {};                        // PR_SET_NAME, 15 bytes and a NUL

  HandoffStep steps[kMaxHandoffSteps] = {};
  size_t step_count = 0;
  // The hand-off area: its table and payload bounds, and where it is asked to go.
  size_t handoff_max_ops = 0;
  size_t handoff_payload = 0;
  uint64_t handoff_hint = 0;

  std::span<const PlannedImage> image_list() const { return {images, image_count}; }
  std::span<const crt::AuxEntry> auxv_list() const { return {auxv, auxv_count}; }
  std::span<const HandoffStep> step_list() const { return {steps, step_count}; }
};

// execve's E2BIG (spec D2): the strings (the file name, the environment and argv as #! lines
// made it) and a pointer for each entry of the caller's argv (at least one) and environment
// must fit in a quarter of RLIMIT_STACK, at most 6 MiB; no string may exceed MAX_ARG_STRLEN.
// Resolve checks the caller's argv as soon as the file is open (the kernel's order); PlanExec
// checks again when #! lines rewrote it.
[[nodiscard]] bool CheckArgumentSpace(std::string_view filename, std::span<const char* const> head,
                                      std::span<const char* const> tail, size_t caller_argc,
                                      std::span<const char* const> envp, uint64_t rlimit_stack, Error& error);

// The plan, or the errno execve would give (E2BIG, ENOMEM, EINVAL) and why.
[[nodiscard]] bool PlanExec(const Target& target, const ProcessState& state, const Randomness& random, ExecPlan* plan,
                            Error& error);

}  // namespace ulexec
