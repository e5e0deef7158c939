// Signals without a libc. Sigaction always installs the runtime's restorer, __restore_rt, whose
// bytes are `mov $15,%rax; syscall` (48 c7 c0 0f 00 00 00 0f 05): gdb and libgcc's unwinder
// recognise a signal frame by exactly this pattern (and gdb also by the name).
#pragma once

#include <crt/sys.h>

#include <cstdint>

#include <signal.h>

extern "C" void __restore_rt();

namespace crt {

using SignalHandler = void (*)(int);
using SigactionHandler = void (*)(int, siginfo_t*, void*);

constexpr uint64_t SignalBit(int sig) { return uint64_t{1} << (sig - 1); }

// rt_sigaction with SA_RESTORER and __restore_rt. `handler` may also be SIG_DFL or SIG_IGN.
Result<int> Sigaction(int sig, void* handler, unsigned long flags, uint64_t mask = 0,
                      KernelSigaction* old = nullptr);
inline Result<int> Signal(int sig, SignalHandler handler, unsigned long flags = 0) {
  return Sigaction(sig, reinterpret_cast<void*>(handler), flags);
}
inline Result<int> SignalInfo(int sig, SigactionHandler handler, unsigned long flags = 0) {
  return Sigaction(sig, reinterpret_cast<void*>(handler), flags | 4 /* SA_SIGINFO */);
}
// Sends `sig` to the calling thread.
Result<int> Raise(int sig);

}  // namespace crt
