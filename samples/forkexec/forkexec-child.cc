// forkexec-child: the programs the forkexec tests and examples run, one fate each.
//   forkexec-child exit N          exit with status N
//   forkexec-child segv            store to address 0 (SIGSEGV, default action: core)
//   forkexec-child sleep MS        sleep MS milliseconds, exit 0
//   forkexec-child block SIG MS    block SIG, sleep MS, unblock it (then it is delivered), exit 0
//   forkexec-child handle SIG MS   catch SIG; exit 0 once the handler ran, 1 if MS pass without it
//   forkexec-child reverse N MS    sleep (N - 1 - $FORKEXEC_CHILD) * MS: children finish in reverse
#include <crt/format.h>
#include <crt/names.h>
#include <crt/process.h>
#include <crt/signal.h>
#include <crt/string.h>
#include <crt/sys.h>

#include <errno.h>
#include <signal.h>
#include <time.h>

namespace {

volatile int g_handled = 0;

template <typename... Parts>
void Say(const Parts&... parts) {
  crt::Writer w(1);
  (w << ... << parts);
  w << '\n';
}

void OnSignal(int sig) {
  g_handled = sig;
  Say("forkexec-child: handler: got ", crt::SignalName(sig));
}

// Sleeps `ms`, or less when a handled signal interrupts it.
void SleepMs(unsigned long ms, bool stop_on_signal) {
  struct timespec left {static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000};
  while (crt::sys::Nanosleep(&left, &left).error() == EINTR) {
    if (stop_on_signal && g_handled) return;
  }
}

unsigned long Number(const char* s) {
  unsigned long v = 0;
  if (s == nullptr || !crt::ParseUnsigned(s, &v)) {
    crt::PrintError("forkexec-child", "expected a number");
    crt::sys::ExitGroup(2);
  }
  return v;
}

int Signal(const char* s) {
  const int sig = s ? crt::ParseSignal(s) : 0;
  if (sig == 0) {
    crt::PrintError("forkexec-child", "expected a signal name");
    crt::sys::ExitGroup(2);
  }
  return sig;
}

}  // namespace

int main(int argc, char** argv, char**) {
  const std::string_view mode = argc > 1 ? argv[1] : "";
  if (mode == "exit") return static_cast<int>(Number(argv[2]) & 255);
  if (mode == "segv") {
    *static_cast<volatile int*>(nullptr) = 1;
    return 1;
  }
  if (mode == "sleep") return SleepMs(Number(argv[2]), false), 0;
  if (mode == "block" && argc > 3) {
    const uint64_t set = crt::SignalBit(Signal(argv[2]));
    (void)crt::sys::RtSigprocmask(SIG_BLOCK, &set, nullptr);
    Say("forkexec-child: ", crt::SignalName(Signal(argv[2])), " blocked for ", Number(argv[3]), " ms");
    SleepMs(Number(argv[3]), false);
    Say("forkexec-child: unblocking it");
    (void)crt::sys::RtSigprocmask(SIG_UNBLOCK, &set, nullptr);
    return 0;
  }
  if (mode == "handle" && argc > 3) {
    (void)crt::Signal(Signal(argv[2]), OnSignal);
    SleepMs(Number(argv[3]), true);
    return g_handled ? 0 : 1;
  }
  if (mode == "reverse" && argc > 3) {
    const unsigned long n = Number(argv[2]), index = Number(crt::ThisProcess().Getenv("FORKEXEC_CHILD"));
    SleepMs(index < n ? (n - 1 - index) * Number(argv[3]) : 0, false);
    return 0;
  }
  crt::PrintError("forkexec-child", "usage: exit N | segv | sleep MS | block SIG MS | handle SIG MS | reverse N MS");
  return 2;
}
