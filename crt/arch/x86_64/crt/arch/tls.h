// x86-64 TLS (variant II): the thread pointer points at the TCB, whose first word is its own
// address; the TLS block sits just below it; the stack-protector canary lives at %fs:0x28.
#pragma once

#include <crt/sys.h>


namespace crt::arch {

constexpr unsigned long kCanaryOffset = 0x28;
constexpr int kArchSetFs = 0x1002;  // ARCH_SET_FS (musl has no <asm/prctl.h>)

inline bool SetThreadPointer(void* tp) {
  return sys::ArchPrctl(kArchSetFs, reinterpret_cast<unsigned long>(tp)).ok();
}

}  // namespace crt::arch
