// Observe: what the calling process already is, as one value. Read once per exec (from
// /proc/self/{maps,status,auxv,fd,timers}, getrlimit, personality, sigaction); everything after it is
// planned from this value alone.
#pragma once

#include "credentials.h"
#include "error.h"
#include "layout.h"
#include "personality.h"
#include "proc-maps.h"

#include <crt/process.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ulexec {

// The vDSO block: [vvar], [vvar_vclock], [vdso], moved as one piece (spec C7).
struct VdsoBlock {
  Range vmas[4];  // the mappings, as found
  size_t count = 0;
  Range range;  // from the lowest start to the highest end; empty without a vDSO
};

// A signal's disposition, as far as execve cares (spec E1).
struct SignalAction {
  uint64_t handler = 0;  // SIG_DFL 0, SIG_IGN 1, or a function
  bool clean = true;     // no flags, no mask, no restorer
};

constexpr int kMaxSignal = 64;

struct ProcessState {
  std::span<const crt::AuxEntry> auxv;  // without AT_NULL
  Range stack;                          // the [stack] mapping
  VdsoBlock vdso;
  uint64_t vdso_start = 0;    // the [vdso] mapping itself (AT_SYSINFO_EHDR)
  uint64_t highest_end = 0;   // over all mappings but [stack] and [vsyscall]
  uint64_t lowest_legacy = 0; // the lowest start at or above TASK_UNMAPPED_BASE (spec C16), or 0
  uint64_t rlimit_stack = 0;  // RLIMIT_STACK soft limit
  uint64_t rlimit_data = 0;
  unsigned long personality = 0;
  PageZeroNow page_zero = PageZeroNow::kNone;  // what is at address 0 (MMAP_PAGE_ZERO, spec C13)
  Creds creds;                                 // ids and capability sets (spec E13)
  unsigned long suid_dumpable = 0;             // fs.suid_dumpable, read where it counts (spec E11)
  unsigned long dumpable = 1;                  // PR_GET_DUMPABLE now: 0, 1 or 2 (spec E11)
  AddressSpace space;
  std::string_view maps;  // the text of /proc/self/maps
  std::string_view status;  // the text of /proc/self/status (credentials, signal masks)

  // What an exec resets. With Options::fresh_process only the loader's own descriptors are
  // looked at, and signals, timers and keepcaps are taken as a fresh process has them.
  bool fresh = false;
  std::span<const int> cloexec_fds;      // descriptors with FD_CLOEXEC (spec E4)
  SignalAction signals[kMaxSignal + 1];  // [1..64]; SIGKILL and SIGSTOP left default
  std::string_view timers;               // the text of /proc/self/timers (spec E8), or empty
  bool keepcaps = false;                 // PR_GET_KEEPCAPS (spec E12)
  bool thp = false;                      // transparent huge pages are built in (placement.h)
  // AT_EXECFD's number (binfmt_misc's O flag, docs/execve.md#D3): the lowest one free once the
  // close-on-exec descriptors are closed, as get_unused_fd_flags(0) finds it at the end of
  // begin_new_exec; -1 when none is below RLIMIT_NOFILE. Read only when an O entry asks.
  int execfd_number = -1;
};

// Reads the process's memory map, auxv, limits, personality and credentials (the part every exec
// needs).
// `auxv`: the caller's vector, or nullptr to read /proc/self/auxv. `own_image`: the caller's
// image when it is not in the mmap area (ignored for mmap_base), or an empty range. `plain_exec`:
// the process has done nothing since its exec, whose auxv may then give the credentials
// (CredsOfPlainExec: ids only, ProcessState::status left empty).
[[nodiscard]] bool ReadProcessState(const crt::AuxEntry* auxv, const Range& own_image, bool plain_exec,
                                    ProcessState* state, Error& error);

// Reads the credentials (and the signal masks' text) from /proc/self/status into `state`.
[[nodiscard]] bool ReadStatusCreds(ProcessState* state, Error& error);

// Reads what an exec resets into `state`: close-on-exec descriptors, signal dispositions, POSIX
// timers, keepcaps. With `fresh`, the close-on-exec descriptors are `own_fds` (the loader's, -1
// for none), nothing else is looked at.
[[nodiscard]] bool ReadResettableState(bool fresh, std::span<const int> own_fds, ProcessState* state, Error& error);

// ProcessState::execfd_number: one F_GETFD per number from 0 up to the first free or
// close-on-exec one (the loader's own descriptors are close-on-exec).
int LowestFdFreeAfterExec();

}  // namespace ulexec
