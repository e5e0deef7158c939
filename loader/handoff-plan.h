// Stage's last part: the plan's hand-off steps written into the hand-off area as the system
// calls they are, with their data (the stack image, the prctl maps, names) in its payload.
#pragma once

#include "error.h"
#include "exec-plan.h"
#include "handoff.h"

namespace ulexec {

// `vdso_now`: where the vDSO block is after Stage (moved early or not). `maps_seen`: the
// /proc/self/maps text Observe read, when nothing but Stage has mapped anything since (the gaps
// that held no mapping are left alone), or empty (every gap is unmapped). `handoff`: the area as
// mapped. Builds the stack image into the payload; `*stack_copy` points to it.
[[nodiscard]] bool WriteHandoffSteps(const ExecPlan& plan, const Range& vdso_now, std::string_view maps_seen,
                                     Handoff& handoff, const std::byte** stack_copy, Error& error);

}  // namespace ulexec
