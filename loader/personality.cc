// The personality across an exec (spec C13), as pure functions: see personality.h.
#include "personality.h"

namespace ulexec {

unsigned long PersonalityAfterExec(unsigned long current, bool secure_exec) {
  unsigned long p = current & ~static_cast<unsigned long>(READ_IMPLIES_EXEC);
  if (secure_exec) p &= ~kPerClearOnSetid;
  return p;
}

PageZeroPlan PlanPageZero(unsigned long new_personality, PageZeroNow now) {
  const bool wanted = (new_personality & MMAP_PAGE_ZERO) != 0;
  PageZeroPlan plan;
  plan.keep = now == PageZeroNow::kSealed;
  plan.map = wanted && now != PageZeroNow::kSealed;
  plan.refuse = !wanted && now == PageZeroNow::kSealed;
  return plan;
}

}  // namespace ulexec
