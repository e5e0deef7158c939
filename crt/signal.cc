// Signals without a libc: Sigaction with the runtime's restorer, and Raise (crt/signal.h).
#include <crt/signal.h>

#include <signal.h>

namespace crt {

Result<int> Sigaction(int sig, void* handler, unsigned long flags, uint64_t mask, KernelSigaction* old) {
  KernelSigaction act{handler, flags | SA_RESTORER, __restore_rt, mask};
  return sys::RtSigaction(sig, &act, old);
}

Result<int> Raise(int sig) {
  // getpid and gettid cannot fail.
  return sys::Tgkill(sys::Getpid().value(), sys::Gettid().value(), sig);
}

}  // namespace crt
