// Stage: entering through the program's own signal restorer (docs/execve.md#B6). Plants the stub
// before the restorer of the interpreter or the program, and adds the entry frame's copy below
// the new stack pointer to the hand-off, so that nothing of the hand-off stays.
#pragma once

#include "exec-plan.h"
#include "handoff.h"
#include "mapper.h"

#include <cstdint>

namespace ulexec {

// `mapped`: the plan's images as Stage mapped them (where they are now). Returns the address the
// restorer will have in the program, or 0 when the hand-off page stays: no restorer with room for
// the stub, /proc/self/mem refused, or no room for the frame. The hand-off must already hold every
// step of the plan (the frame's copy comes last); `sigmask` is the mask the program starts with.
uint64_t PlantRestorerStub(const ExecPlan& plan, const Mapping (&mapped)[2], uint64_t sigmask, Handoff& handoff);

}  // namespace ulexec
