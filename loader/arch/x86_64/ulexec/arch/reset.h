// Architecture state execve resets that the hand-off must reset too (spec B4).
#pragma once

namespace ulexec {
class Handoff;
}

namespace ulexec::arch {

// FS base 0: the loader's (or its host's) thread pointer must not leak into the program.
void AddResetOps(Handoff& handoff);

}  // namespace ulexec::arch
