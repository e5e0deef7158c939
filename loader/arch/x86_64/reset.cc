#include <ulexec/arch/reset.h>

#include "../../handoff.h"

#include <sys/syscall.h>

namespace ulexec::arch {

void AddResetOps(Handoff& handoff) {
  constexpr int kArchSetFs = 0x1002;
  handoff.Syscall(SYS_arch_prctl, kArchSetFs, 0);
}

}  // namespace ulexec::arch
