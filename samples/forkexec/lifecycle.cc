// One narrated child (lifecycle.h). The parent blocks SIGCHLD and waits for it with a timeout
// (rt_sigtimedwait), so one loop serves both the child's reports and the --signal plan. A report
// is first peeked at with waitid(WNOWAIT), so that the state letter is read while the child is
// still a zombie, then collected with wait4 for its resource usage.
#include "lifecycle.h"

#include "child.h"
#include "narrate.h"
#include "proc-status.h"
#include "signal-effect.h"
#include "wait-report.h"

#include <crt/errno-names.h>
#include <crt/names.h>
#include <crt/signal.h>
#include <crt/sys.h>

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

namespace forkexec {
namespace {

constexpr uint64_t kPollNs = 2000000;         // while a signal is pending: re-read /proc every 2 ms
constexpr uint64_t kAutoContinueMs = 100;     // a child left stopped is continued this much later

struct NamedSignal {
  int sig;
};
crt::Writer& operator<<(crt::Writer& w, NamedSignal s) {
  const std::string_view name = crt::SignalName(s.sig);
  return name.empty() ? w << "signal " << s.sig : w << name;
}

struct State {
  char letter;
};
crt::Writer& operator<<(crt::Writer& w, State s) {
  if (s.letter) w << s.letter << ' ';
  return w << '(' << StateMeaning(s.letter) << ')';
}

class Watch {
 public:
  Watch(const Options& options, int pid, uint64_t fork_ns) : pid_(pid), fork_ns_(fork_ns) {
    for (size_t i = 0; i < options.signal_count; ++i) plan_[i] = options.signals[i];
    planned_ = options.signal_count;
  }
  // Runs until the child is reaped; returns its wait status.
  int Run();

 private:
  uint64_t SinceFork() const { return ElapsedNs() - fork_ns_; }
  void Send(int sig);
  void CheckPending();
  bool CollectReport();  // true once the child is reaped
  void Plan(int sig, uint64_t at_ms) { plan_[planned_++] = {sig, at_ms}; }

  int pid_;
  uint64_t fork_ns_;
  PlannedSignal plan_[Options::kMaxSignals + 1] = {};
  size_t planned_ = 0, sent_ = 0;
  int watched_ = 0;  // a signal seen pending, not yet delivered
  int status_ = 0;
};

void Watch::Send(int sig) {
  const char before = ReadState(pid_);
  if (auto r = crt::sys::Kill(pid_, sig); !r) {
    Say("parent: kill(", pid_, ", ", NamedSignal{sig}, ") failed: ", crt::ErrnoName(r.error()));
    return;
  }
  Say("parent: ", NamedSignal{sig}, " generated: kill(", pid_, ", ", sig, ") ", Millis{SinceFork()},
      " ms after the fork; the child was ", State{before});
  SignalSets sets;
  if (!ReadSignalSets(pid_, &sets)) return;  // already gone: the wait report says how
  const uint64_t bit = crt::SignalBit(sig);
  if ((sets.pending | sets.shared_pending) & bit) {
    // A stopped child takes no signal but SIGKILL until continued (a stop signal itself may
    // still show here while it is stopping the child).
    const Effect effect = EffectOf(sig, sets);
    const bool waits_for_cont = ReadState(pid_) == 'T' && effect != Effect::kStop && effect != Effect::kJobControlStop;
    Say("parent: ", NamedSignal{sig}, " pending: /proc/", pid_, "/status has it in ",
        (sets.shared_pending & bit) ? "ShdPnd" : "SigPnd",
        (sets.blocked & bit) ? "; SigBlk has it too: the child blocks it, so it waits"
        : waits_for_cont     ? "; the child is stopped: it waits for SIGCONT"
                             : "; not blocked: delivery is under way");
    watched_ = sig;
    return;
  }
  Say("parent: ", NamedSignal{sig}, " delivered at once (not pending: not blocked); effect: ",
      Describe(EffectOf(sig, sets)));
}

void Watch::CheckPending() {
  SignalSets sets;
  if (!ReadSignalSets(pid_, &sets)) {
    watched_ = 0;
    return;
  }
  if ((sets.pending | sets.shared_pending) & crt::SignalBit(watched_)) return;
  Say("parent: ", NamedSignal{watched_}, " delivered: no longer pending in /proc/", pid_,
      "/status (SigBlk ", crt::Hex{sets.blocked}, "); effect: ", Describe(EffectOf(watched_, sets)));
  watched_ = 0;
}

bool Watch::CollectReport() {
  siginfo_t info{};
  const int kinds = WEXITED | WSTOPPED | WCONTINUED | WNOHANG;
  if (!crt::sys::Waitid(P_PID, pid_, &info, kinds | WNOWAIT) || info.si_pid == 0) return false;
  Say("parent: the child changed state (waitid with WNOWAIT); /proc/", pid_, "/stat: ", State{ReadState(pid_)});
  struct rusage ru {};
  if (!crt::sys::Wait4(pid_, &status_, WUNTRACED | WCONTINUED | WNOHANG, &ru)) return false;
  char buf[256];
  crt::Writer w(buf, sizeof buf);
  DescribeStatus(w, status_);
  if (WIFSTOPPED(status_) || WIFCONTINUED(status_)) {
    Say("parent: wait4(", pid_, ", ", WIFSTOPPED(status_) ? "WUNTRACED" : "WCONTINUED", "): ", w.view());
    if (WIFSTOPPED(status_) && sent_ == planned_ && planned_ < Options::kMaxSignals + 1) {
      Say("parent: no --signal left to continue it: sending SIGCONT in ", kAutoContinueMs, " ms");
      Plan(SIGCONT, SinceFork() / 1000000 + kAutoContinueMs);
    }
    return false;
  }
  Say("parent: wait4(", pid_, ") reaped it: ", w.view());
  char usage[128];
  crt::Writer u(usage, sizeof usage);
  DescribeUsage(u, ru);
  Say("parent: its resource usage (wait4's rusage): ", u.view());
  return true;
}

int Watch::Run() {
  const uint64_t chld = crt::SignalBit(SIGCHLD);
  while (true) {
    while (sent_ < planned_ && plan_[sent_].at_ms * 1000000 <= SinceFork()) Send(plan_[sent_++].signal);
    if (watched_) CheckPending();
    if (CollectReport()) {
      for (size_t i = sent_; i < planned_; ++i) {
        Say("parent: ", NamedSignal{plan_[i].signal}, "@", plan_[i].at_ms, " not sent: the child ended before it was due");
      }
      return status_;
    }
    uint64_t wait_ns = ~uint64_t{0};
    if (sent_ < planned_) wait_ns = plan_[sent_].at_ms * 1000000 - SinceFork();
    if (watched_ && wait_ns > kPollNs) wait_ns = kPollNs;
    const struct timespec timeout {static_cast<time_t>(wait_ns / 1000000000), static_cast<long>(wait_ns % 1000000000)};
    (void)crt::sys::RtSigtimedwait(&chld, nullptr, wait_ns == ~uint64_t{0} ? nullptr : &timeout);
  }
}

}  // namespace

int RunOne(const Options& options, char** envp) {
  Say("parent: pid ", crt::sys::Getpid().value(), "; blocking SIGCHLD (waited for with rt_sigtimedwait), forking");
  const uint64_t chld = crt::SignalBit(SIGCHLD);
  uint64_t old_mask = 0;
  int sync[2];
  if (!crt::sys::RtSigprocmask(SIG_BLOCK, &chld, &old_mask) || !crt::sys::Pipe2(sync, O_CLOEXEC)) {
    Say("parent: cannot set up (sigprocmask, pipe2)");
    return 125;
  }
  const uint64_t fork_ns = ElapsedNs();
  auto pid = crt::sys::Fork();
  if (!pid) {
    Say("parent: fork failed: ", crt::ErrnoName(pid.error()));
    return 125;
  }
  if (pid.value() == 0) {
    (void)crt::sys::Close(sync[0]);
    RunChild({options.program, envp, old_mask, sync[1], true, options.explain_stack});
  }
  (void)crt::sys::Close(sync[1]);
  Say("parent: forked child ", pid.value(), "; /proc/", pid.value(), "/stat: ", State{ReadState(pid.value())});
  int err = 0;
  auto n = crt::sys::Read(sync[0], &err, sizeof err);
  (void)crt::sys::Close(sync[0]);
  if (n && n.value() == sizeof err) {
    Say("parent: the child's exec failed (it wrote ", crt::ErrnoName(err), " to the close-on-exec pipe); it exits ",
        ExecFailureStatus(err));
  } else {
    Say("parent: the child's exec succeeded (the library closed its close-on-exec pipe); /proc/", pid.value(),
        "/stat: ", State{ReadState(pid.value())});
  }
  Watch watch(options, pid.value(), fork_ns);
  const int status = watch.Run();
  Say("parent: /proc/", pid.value(), "/stat now: ", State{ReadState(pid.value())});
  return ShellStatus(status);
}

}  // namespace forkexec
