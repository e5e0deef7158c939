// What a signal does to the child once delivered: its handler, nothing (ignored), or the default
// action of signal(7). Pure.
#pragma once

#include "proc-status.h"

#include <string_view>

namespace forkexec {

enum class Effect { kHandled, kIgnored, kTerminate, kCore, kStop, kJobControlStop, kContinue, kNothing };

// From the child's dispositions as /proc/PID/status shows them (SigCgt, SigIgn).
Effect EffectOf(int sig, const SignalSets& sets);
// "handled by the child's handler (SigCgt has it)", "default action: stop"...
std::string_view Describe(Effect effect);

}  // namespace forkexec
