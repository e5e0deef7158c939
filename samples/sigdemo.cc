// sigdemo: signal handling on crt/ alone. Each step prints what happened, in a fixed order, and the
// program exits 0 only when every step behaved (1 otherwise):
//   1. a SIGUSR1 handler returns (through crt's __restore_rt) and the program resumes;
//   2. nesting: the SIGINT handler raises SIGUSR1, which is not blocked there, so the SIGUSR1
//      handler runs on top of it at depth 2;
//   3. a load from an unmapped page faults; the SIGSEGV handler moves RIP to a fix-up label (as a
//      kernel exception table does) and the load "returns" a marker instead;
//   4. runaway recursion overflows the stack; SIGSEGV is delivered on the sigaltstack and the
//      handler resumes the program in OverflowRecovered on a fresh stack, which finishes the run.
//   sigdemo
#include <crt/format.h>
#include <crt/signal.h>
#include <crt/sys.h>

// musl's: siginfo_t, ucontext_t and the REG_* indices (g++ always defines _GNU_SOURCE).
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <ucontext.h>

#include <cstdint>

// ProbeLoad(p) returns *p. The load is at .Lsigdemo_fault_insn; .Lsigdemo_fault_fixup is where
// the SIGSEGV handler sends a faulting load. .L labels stay out of the symbol table, so gdb
// attributes the faulting pc to ProbeLoad. x86-64 only: the per-arch part of this sample.
__asm__(R"(
	.text
	.type ProbeLoad, @function
ProbeLoad:
	.cfi_startproc
	xor %eax, %eax
.Lsigdemo_fault_insn:
	mov (%rdi), %rax
.Lsigdemo_fault_fixup:
	ret
	.cfi_endproc
	.size ProbeLoad, . - ProbeLoad
)");
extern "C" long ProbeLoad(const volatile long* p);
extern "C" const char kFaultInsn[] __asm__(".Lsigdemo_fault_insn");
extern "C" const char kFaultFixup[] __asm__(".Lsigdemo_fault_fixup");

namespace {

constexpr long kFaultMarker = 0x5eed;
constexpr size_t kAltStackSize = 64 * 1024;
constexpr unsigned long kStackLimit = 1024 * 1024;  // the same overflow whatever the caller's limit
constexpr long kMinFrames = 100;  // even a 128 KiB stack holds more

enum class Phase { kSignals, kFault, kOverflow };

volatile Phase g_phase = Phase::kSignals;
volatile int g_depth = 0;
volatile int g_usr1_runs = 0;
volatile int g_failures = 0;
volatile long g_fault_addr = 0;
volatile bool g_recurse = true;
volatile long g_frames = 0;
char* g_altstack = nullptr;
alignas(16) char g_recovery_stack[16 * 1024];

// One write a line, so lines from handlers and from main never interleave.
template <typename... Args>
void Say(const Args&... args) {
  crt::Writer w(1);
  (w << ... << args);
  w << '\n';
}

void Expect(bool ok, const char* what) {
  if (ok) return;
  g_failures = g_failures + 1;
  Say("FAILED: ", what);
}

const char* CodeName(int code) {
  switch (code) {
    case SI_USER: return "SI_USER";
    case SI_TKILL: return "SI_TKILL";
    case SEGV_MAPERR: return "SEGV_MAPERR";
    case SEGV_ACCERR: return "SEGV_ACCERR";
    default: return "other";
  }
}

uint64_t BlockedMask() {
  uint64_t mask = 0;
  (void)crt::sys::RtSigprocmask(SIG_BLOCK, nullptr, &mask);
  return mask;
}

const char* Blocked(uint64_t mask, int sig) { return (mask & crt::SignalBit(sig)) ? "blocked" : "not blocked"; }

bool FromThisProcess(const siginfo_t* info) {
  return info->si_code == SI_TKILL && info->si_pid == crt::sys::Getpid().value();
}

bool OnAltstack(const void* p) {
  const auto a = reinterpret_cast<uintptr_t>(p);
  const auto base = reinterpret_cast<uintptr_t>(g_altstack);
  return g_altstack != nullptr && a >= base && a < base + kAltStackSize;
}

void OnUsr1(int sig, siginfo_t* info, void*) {
  g_depth = g_depth + 1;
  const int depth = g_depth;
  g_usr1_runs = g_usr1_runs + 1;
  const uint64_t mask = BlockedMask();
  Say("  SIGUSR1 handler: depth ", depth, ", ", CodeName(info->si_code),
      FromThisProcess(info) ? " from this process" : " from elsewhere", ", SIGUSR1 ", Blocked(mask, SIGUSR1),
      ", SIGINT ", Blocked(mask, SIGINT));
  Expect(sig == SIGUSR1 && FromThisProcess(info), "SIGUSR1 siginfo");
  g_depth = g_depth - 1;
}

void OnInt(int sig, siginfo_t* info, void*) {
  g_depth = g_depth + 1;
  const int depth = g_depth;
  const uint64_t mask = BlockedMask();
  Say("  SIGINT handler: depth ", depth, ", ", CodeName(info->si_code),
      FromThisProcess(info) ? " from this process" : " from elsewhere", ", SIGINT ", Blocked(mask, SIGINT),
      ", SIGUSR1 ", Blocked(mask, SIGUSR1), "; raising SIGUSR1");
  Expect(sig == SIGINT && FromThisProcess(info), "SIGINT siginfo");
  const int before = g_usr1_runs;
  Expect(crt::Raise(SIGUSR1).ok(), "raise SIGUSR1 in the SIGINT handler");
  Say("  SIGINT handler: back at depth ", static_cast<int>(g_depth), ", SIGUSR1 handler ran ",
      g_usr1_runs - before, " time(s) inside it");
  Expect(g_depth == depth && g_usr1_runs == before + 1, "SIGUSR1 nested in SIGINT");
  g_depth = g_depth - 1;
}

[[noreturn]] void Finish() {
  if (g_failures == 0) {
    Say("sigdemo: all steps behaved");
    crt::sys::ExitGroup(0);
  }
  Say("sigdemo: ", static_cast<int>(g_failures), " check(s) failed");
  crt::sys::ExitGroup(1);
}

// Where the overflow handler sends the program: on g_recovery_stack, with no caller to return to.
[[noreturn]] void OverflowRecovered() {
  char here;
  crt::KernelSigaltstack ss{};
  (void)crt::sys::Sigaltstack(nullptr, &ss);
  const auto top = reinterpret_cast<uintptr_t>(g_recovery_stack + sizeof g_recovery_stack);
  const auto p = reinterpret_cast<uintptr_t>(&here);
  const bool on_recovery_stack = p < top && p >= reinterpret_cast<uintptr_t>(g_recovery_stack);
  Say("  OverflowRecovered: ", on_recovery_stack ? "on the recovery stack" : "NOT on the recovery stack",
      ", alternate stack ", (ss.flags & SS_ONSTACK) ? "still in use" : "no longer in use", ", SIGSEGV ",
      Blocked(BlockedMask(), SIGSEGV));
  Expect(on_recovery_stack && !(ss.flags & SS_ONSTACK) && !(BlockedMask() & crt::SignalBit(SIGSEGV)),
         "state after the overflow recovery");
  Finish();
}

void OnSegv(int sig, siginfo_t* info, void* context) {
  // x86-64: the interrupted registers are uc_mcontext.gregs[REG_*] (musl <bits/signal.h>).
  auto* uc = static_cast<ucontext_t*>(context);
  greg_t* regs = uc->uc_mcontext.gregs;
  char here;
  const bool on_altstack = OnAltstack(&here);
  crt::KernelSigaltstack ss{};
  (void)crt::sys::Sigaltstack(nullptr, &ss);
  Expect(sig == SIGSEGV, "SIGSEGV signal number");

  if (g_phase == Phase::kFault) {
    const bool at_load = regs[REG_RIP] == reinterpret_cast<greg_t>(kFaultInsn);
    const bool at_addr = reinterpret_cast<long>(info->si_addr) == g_fault_addr;
    Say("  SIGSEGV handler: ", CodeName(info->si_code), at_addr ? " at the unmapped page" : " at another address",
        at_load ? ", RIP at the faulting load" : ", RIP elsewhere",
        on_altstack ? ", on the alternate stack" : ", on the main stack");
    Expect(info->si_code == SEGV_MAPERR && at_addr && at_load && !on_altstack, "fault siginfo and context");
    if (!at_load) Finish();  // nowhere safe to resume
    regs[REG_RAX] = kFaultMarker;
    regs[REG_RIP] = reinterpret_cast<greg_t>(kFaultFixup);
    Say("  SIGSEGV handler: RIP moved to the fix-up label, RAX set to the marker");
    return;
  }

  if (g_phase == Phase::kOverflow) {
    const bool rsp_outside = !OnAltstack(reinterpret_cast<const void*>(regs[REG_RSP]));
    Say("  SIGSEGV handler: ", on_altstack ? "on the alternate stack" : "NOT on the alternate stack",
        (ss.flags & SS_ONSTACK) ? " (SS_ONSTACK)" : " (no SS_ONSTACK)",
        rsp_outside ? ", interrupted on the main stack" : ", interrupted on the alternate stack",
        g_frames > kMinFrames ? ", after more than 100 frames" : ", too few frames");
    Expect(on_altstack && (ss.flags & SS_ONSTACK) && rsp_outside && g_frames > kMinFrames, "overflow context");
    // Resume in OverflowRecovered as if it had just been called: rsp % 16 == 8 at entry, and a
    // zero return address so that nothing unwinds past it.
    auto* top = reinterpret_cast<uint64_t*>(g_recovery_stack + sizeof g_recovery_stack);
    top[-1] = 0;
    regs[REG_RSP] = reinterpret_cast<greg_t>(&top[-1]);
    regs[REG_RIP] = reinterpret_cast<greg_t>(&OverflowRecovered);
    Say("  SIGSEGV handler: resuming in OverflowRecovered on a fresh stack");
    return;
  }

  Say("  SIGSEGV handler: unexpected fault");
  Expect(false, "unexpected SIGSEGV");
  Finish();
}

[[gnu::noinline]] long Recurse(long n) {
  volatile char pad[256];
  pad[0] = static_cast<char>(n);
  g_frames = n;
  if (g_recurse) return Recurse(n + 1) + pad[0];
  return pad[0];
}

}  // namespace

int main(int, char**, char**) {
  // A blocked mask survives execve: start from these three unblocked, whatever the parent did.
  const uint64_t ours = crt::SignalBit(SIGUSR1) | crt::SignalBit(SIGINT) | crt::SignalBit(SIGSEGV);
  Expect(crt::sys::RtSigprocmask(SIG_UNBLOCK, &ours, nullptr).ok(), "unblock SIGUSR1, SIGINT and SIGSEGV");
  const uint64_t initial_mask = BlockedMask();
  Expect(crt::SignalInfo(SIGUSR1, OnUsr1).ok(), "install the SIGUSR1 handler");
  Expect(crt::SignalInfo(SIGINT, OnInt).ok(), "install the SIGINT handler");
  Expect(crt::SignalInfo(SIGSEGV, OnSegv, SA_ONSTACK).ok(), "install the SIGSEGV handler");
  Say("sigdemo: handlers for SIGUSR1, SIGINT and SIGSEGV installed (SA_SIGINFO)");

  Say("1. a handler returns");
  Expect(crt::Raise(SIGUSR1).ok(), "raise SIGUSR1");
  Say("  main: resumed, SIGUSR1 handler ran ", static_cast<int>(g_usr1_runs), " time(s), depth ",
      static_cast<int>(g_depth));
  Expect(g_usr1_runs == 1 && g_depth == 0, "SIGUSR1 handler ran once and returned");

  Say("2. a nested signal");
  Expect(crt::Raise(SIGINT).ok(), "raise SIGINT");
  Say("  main: resumed, SIGUSR1 handler ran ", static_cast<int>(g_usr1_runs), " time(s), depth ",
      static_cast<int>(g_depth), ", SIGINT ", Blocked(BlockedMask(), SIGINT), ", SIGUSR1 ",
      Blocked(BlockedMask(), SIGUSR1));
  Expect(g_usr1_runs == 2 && g_depth == 0 && BlockedMask() == initial_mask, "state after the nested signals");

  Say("3. recovery from a fault");
  // An address that is certainly unmapped: a page mapped and unmapped again.
  auto page = crt::sys::Mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  Expect(page.ok() && crt::sys::Munmap(page.value(), 4096).ok(), "mmap and munmap a page");
  g_fault_addr = reinterpret_cast<long>(page.value());
  g_phase = Phase::kFault;
  const long loaded = ProbeLoad(static_cast<const volatile long*>(page.value()));
  g_phase = Phase::kSignals;
  Say("  main: the load returned ", loaded == kFaultMarker ? "the marker" : "something else");
  Expect(loaded == kFaultMarker, "faulting load returns the marker");

  Say("4. stack overflow on a sigaltstack");
  auto alt = crt::sys::Mmap(nullptr, kAltStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  Expect(alt.ok(), "mmap the alternate stack");
  g_altstack = static_cast<char*>(alt.value());
  const crt::KernelSigaltstack ss{g_altstack, 0, kAltStackSize};
  Expect(crt::sys::Sigaltstack(&ss, nullptr).ok(), "sigaltstack");
  struct rlimit limit {};
  Expect(crt::sys::Prlimit(0, RLIMIT_STACK, nullptr, &limit).ok(), "read RLIMIT_STACK");
  if (limit.rlim_cur != kStackLimit && limit.rlim_max >= kStackLimit) {
    limit.rlim_cur = kStackLimit;
    Expect(crt::sys::Prlimit(0, RLIMIT_STACK, &limit, nullptr).ok(), "lower RLIMIT_STACK");
  }
  Say("  main: alternate stack of ", kAltStackSize, " bytes, recursing");
  g_phase = Phase::kOverflow;
  Recurse(0);
  Say("  main: the recursion returned");  // OnSegv never lets it
  Expect(false, "the recursion ended without a fault");
  Finish();
}
