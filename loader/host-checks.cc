// What makes a process impossible to replace in place: threads, shared memory, rseq (host-checks.h).
#include "host-checks.h"

#include "proc-files.h"

#include <crt/sys.h>
#include <ulexec/arch/constants.h>

#include <errno.h>
#include <sys/syscall.h>

// glibc's rseq registration (2.35+); absent (null) in programs without glibc.
extern "C" {
extern const long __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));
}

namespace ulexec {
namespace {

constexpr int kRseqFlagUnregister = 1;
constexpr uint32_t kRseqAreaSize = 32;

}  // namespace

bool CheckSingleThreaded(Error& error) {
  size_t threads = 0;
  if (!ForEachDirEntry("/proc/self/task", error, [&](std::string_view, int) { ++threads; })) return false;
  if (threads > 1) {
    return error.Fail(EBUSY, "the process has ", threads,
                      " threads; ulexec replaces only a single-threaded process (execve would kill the others)");
  }
  return true;
}

// A vfork()ed or CLONE_VM child shares its parent's memory: replacing it would destroy the
// parent's. (kcmp needs CONFIG_KCMP; without it this cannot be told and is not refused.)
bool CheckOwnMemory(Error& error) {
  constexpr int kKcmpVm = 1;
  const long pid = crt::Syscall(SYS_getpid), parent = crt::Syscall(SYS_getppid);
  if (crt::Syscall(SYS_kcmp, pid, parent, kKcmpVm, 0, 0) == 0) {
    return error.Fail(EBUSY,
                      "the process shares its memory with its parent (vfork or CLONE_VM); replacing it "
                      "would destroy the parent's");
  }
  return true;
}

// The host's registration points into memory that is about to go (spec E9). A registration
// left behind would make the kernel write into unmapped memory and kill the program at its
// first preemption: unregister, or refuse.
bool UnregisterRseq(uint64_t* area, Error& error) {
  *area = 0;
  if (&__rseq_size == nullptr || __rseq_size == 0) return true;
  const uint64_t at = reinterpret_cast<uint64_t>(crt::arch::ThreadPointer()) + __rseq_offset;
  const long r = crt::Syscall(SYS_rseq, at, kRseqAreaSize, kRseqFlagUnregister, arch::kRseqSignature);
  if (r != 0) return error.Fail(static_cast<int>(-r), "cannot unregister the C library's rseq area");
  *area = at;
  return true;
}

void RegisterRseq(uint64_t area) { (void)crt::Syscall(SYS_rseq, area, kRseqAreaSize, 0, arch::kRseqSignature); }

}  // namespace ulexec
