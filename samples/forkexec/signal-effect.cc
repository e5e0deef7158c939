// Signal effects (signal-effect.h): the default actions are signal(7)'s table.
#include "signal-effect.h"

#include <crt/signal.h>

#include <signal.h>

namespace forkexec {
namespace {

Effect DefaultAction(int sig) {
  switch (sig) {
    case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE: case SIGSEGV:
    case SIGXCPU: case SIGXFSZ: case SIGSYS:
      return Effect::kCore;
    case SIGSTOP:
      return Effect::kStop;
    case SIGTSTP: case SIGTTIN: case SIGTTOU:
      return Effect::kJobControlStop;
    case SIGCONT:
      return Effect::kContinue;
    case SIGCHLD: case SIGURG: case SIGWINCH:
      return Effect::kNothing;
    default:
      return Effect::kTerminate;
  }
}

}  // namespace

Effect EffectOf(int sig, const SignalSets& sets) {
  // SIGKILL and SIGSTOP can be neither caught nor ignored.
  if (sig != SIGKILL && sig != SIGSTOP) {
    if (sets.caught & crt::SignalBit(sig)) return Effect::kHandled;
    if (sets.ignored & crt::SignalBit(sig)) return sig == SIGCONT ? Effect::kContinue : Effect::kIgnored;
  }
  return DefaultAction(sig);
}

std::string_view Describe(Effect effect) {
  switch (effect) {
    case Effect::kHandled: return "handled: the child's handler runs (SigCgt has it)";
    case Effect::kIgnored: return "none: the child ignores it (SigIgn has it)";
    case Effect::kTerminate: return "default action: terminate (the wait report follows)";
    case Effect::kCore: return "default action: terminate with a core dump (the wait report follows)";
    case Effect::kStop: return "default action: stop (state T, and a WUNTRACED report)";
    case Effect::kJobControlStop:
      return "default action: stop (state T, and a WUNTRACED report), unless the child's process group is "
             "orphaned: then the kernel discards it";
    case Effect::kContinue: return "default action: continue if stopped (a WCONTINUED report)";
    case Effect::kNothing: return "none: its default action is to ignore it";
  }
  return "";
}

}  // namespace forkexec
