// Section `signals`: the disposition of signals 1-64, the blocked and pending masks and the
// alternate signal stack (spec E1-E3). Read with raw rt_sigaction, so the kernel's view is shown
// (flags include SA_RESTORER when a C library installed the handler).
#include "probe.h"

#include <crt/sys.h>

#include <signal.h>

namespace probe {
namespace {

struct FlagName {
  unsigned long bit;
  std::string_view name;
};

constexpr FlagName kSaFlags[] = {
    {0x00000001, "SA_NOCLDSTOP"}, {0x00000002, "SA_NOCLDWAIT"}, {0x00000004, "SA_SIGINFO"},
    {0x04000000, "SA_RESTORER"},  {0x08000000, "SA_ONSTACK"},   {0x10000000, "SA_RESTART"},
    {0x40000000, "SA_NODEFER"},   {0x80000000, "SA_RESETHAND"},
};

void SaFlags(crt::Writer& w, unsigned long flags) {
  if (flags == 0) {
    w << "0";
    return;
  }
  bool first = true;
  for (const auto& f : kSaFlags) {
    if (!(flags & f.bit)) continue;
    w << (first ? "" : "|") << f.name;
    flags &= ~f.bit;
    first = false;
  }
  if (flags) w << (first ? "" : "|") << crt::Hex{flags};
}

constexpr uintptr_t kSigDfl = 0;
constexpr uintptr_t kSigIgn = 1;

}  // namespace

void ReportSignals(const Context& ctx, crt::Writer& w) {
  for (int sig = 1; sig <= 64; ++sig) {
    char name[8];
    const std::string_view sig_name = SignalName(sig, name);
    crt::KernelSigaction old{};
    auto r = crt::sys::RtSigaction(sig, nullptr, &old);
    w << "signal." << sig_name << ": ";
    if (!r) {
      w << Errno{r.error()} << '\n';
      continue;
    }
    const auto handler = reinterpret_cast<uintptr_t>(old.handler);
    const bool has_handler = handler != kSigDfl && handler != kSigIgn;
    if (handler == kSigDfl) w << "default";
    else if (handler == kSigIgn) w << "ignore";
    else w << "handler";
    w << " flags=";
    SaFlags(w, old.flags);
    w << " mask=" << SignalSet{old.mask} << '\n';
    if (has_handler) {
      w << "signal." << sig_name << ".handler: ";
      ctx.Describe(w, handler);
      w << '\n' << "addr.signal." << sig_name << ".handler: " << crt::Hex{handler} << '\n';
    }
  }

  uint64_t blocked = 0;
  if (auto r = crt::sys::RtSigprocmask(SIG_BLOCK, nullptr, &blocked); r) {
    w << "signal.blocked: " << SignalSet{blocked} << '\n';
  } else {
    w << "signal.blocked: " << Errno{r.error()} << '\n';
  }
  uint64_t pending = 0;
  if (auto r = crt::Result<int>::FromRaw(crt::Syscall(SYS_rt_sigpending, &pending, sizeof pending)); r) {
    w << "signal.pending: " << SignalSet{pending} << '\n';
  } else {
    w << "signal.pending: " << Errno{r.error()} << '\n';
  }

  crt::KernelSigaltstack ss{};
  if (auto r = crt::sys::Sigaltstack(nullptr, &ss); !r) {
    w << "signal.altstack: " << Errno{r.error()} << '\n';
  } else if (ss.flags & SS_DISABLE) {
    w << "signal.altstack: disabled size=" << ss.size << " sp=" << (ss.sp ? "nonzero" : "0") << '\n';
  } else {
    w << "signal.altstack: enabled size=" << ss.size << " flags=" << crt::Hex{static_cast<unsigned>(ss.flags)}
      << " sp=";
    ctx.Describe(w, reinterpret_cast<uintptr_t>(ss.sp));
    w << '\n';
  }
  if (ss.sp) w << "addr.signal.altstack.sp: " << crt::Hex{reinterpret_cast<uintptr_t>(ss.sp)} << '\n';
}

}  // namespace probe
