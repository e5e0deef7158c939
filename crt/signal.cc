#include <crt/signal.h>

#include <signal.h>

namespace crt {

Result<int> Sigaction(int sig, void* handler, unsigned long flags, uint64_t mask, KernelSigaction* old) {
  KernelSigaction act{handler, flags | SA_RESTORER, __restore_rt, mask};
  return sys::RtSigaction(sig, &act, old);
}

Result<int> Raise(int sig) {
  auto pid = sys::Getpid();
  auto tid = sys::Gettid();
  return sys::Tgkill(pid.value(), tid.value(), sig);
}

}  // namespace crt
