// Sections `brk`, `task`, `personality`, `canary` and `rseq`: the smaller per-process state an
// exec sets or resets (spec C11, C13, E5, E8-E12).
#include "probe.h"

#include <crt/string.h>
#include <crt/sys.h>

#include <elf.h>
#include <sys/time.h>

namespace probe {
namespace {

// prctl options (linux/prctl.h; musl's headers may lack the newer ones).
constexpr int kPrGetPdeathsig = 2;
constexpr int kPrGetDumpable = 3;
constexpr int kPrGetKeepcaps = 7;
constexpr int kPrGetTimerslack = 30;
constexpr int kPrGetChildSubreaper = 37;
constexpr int kPrGetNoNewPrivs = 39;
constexpr int kPrGetTidAddress = 40;

void PrctlValue(crt::Writer& w, std::string_view key, int option) {
  auto r = crt::sys::Prctl(option);
  w << "task." << key << ": ";
  if (r) w << r.value() << '\n';
  else w << Errno{r.error()} << '\n';
}

void PrctlOut(crt::Writer& w, std::string_view key, int option) {
  int value = 0;
  auto r = crt::sys::Prctl(option, reinterpret_cast<unsigned long>(&value));
  w << "task." << key << ": ";
  if (r) w << value << '\n';
  else w << Errno{r.error()} << '\n';
}

void Pointer(const Context& ctx, crt::Writer& w, std::string_view key, long rc, uintptr_t v) {
  w << "task." << key << ": ";
  if (rc < 0 && rc > -4096) {
    w << Errno{static_cast<int>(-rc)} << '\n';
    return;
  }
  ctx.Describe(w, v);
  w << '\n';
  if (v != 0) w << "addr.task." << key << ": " << crt::Hex{v} << '\n';
}

void Timer(crt::Writer& w, std::string_view key, int which) {
  struct itimerval t {};
  auto r = crt::sys::Getitimer(which, &t);
  w << "task.itimer." << key << ": ";
  if (!r) w << Errno{r.error()} << '\n';
  else if (t.it_value.tv_sec == 0 && t.it_value.tv_usec == 0) w << "disarmed\n";
  else w << "armed interval=" << t.it_interval.tv_sec << "s+" << t.it_interval.tv_usec << "us\n";
}

// "Threads:\t1" from /proc/self/status.
void Threads(crt::Writer& w) {
  static char status[8192];
  const long len = ReadFile("/proc/self/status", status, sizeof status);
  std::string_view threads = "unknown";
  crt::ForEachLine(std::string_view(status, len > 0 ? static_cast<size_t>(len) : 0), [&](std::string_view line) {
    if (!StartsWith(line, "Threads:")) return true;
    line.remove_prefix(8);
    while (!line.empty() && (line[0] == '\t' || line[0] == ' ')) line.remove_prefix(1);
    threads = line;
    return false;
  });
  w << "task.threads: " << threads << '\n';
}

}  // namespace

void ReportBrk(const Context& ctx, crt::Writer& w) {
  unsigned long fields[kStatFields];
  const int n = ReadStat(fields);
  const uintptr_t start = n >= 47 ? fields[47] : 0;
  const uintptr_t current = crt::sys::Brk(0);
  bool heap = false;
  for (size_t i = 0; i < ctx.map_count; ++i) heap |= ctx.maps[i].label == "[heap]";
  w << "brk.heap: " << (heap ? "present" : "absent") << '\n';
  w << "brk.start.page_aligned: " << (start % 4096 == 0 ? "yes" : "no") << '\n';
  w << "brk.start: " << (start >= PageUp(ctx.image_end) ? "above the image" : "below the image") << '\n';
  w << "brk.current: start" << Offset{static_cast<long long>(current - start)} << '\n';
  w << "addr.brk.start: " << crt::Hex{start} << '\n';
  w << "addr.brk.start_from_bss_end: " << Offset{static_cast<long long>(start - ctx.image_end)} << '\n';
  w << "addr.brk.current: " << crt::Hex{current} << '\n';
}

void ReportTask(const Context& ctx, crt::Writer& w) {
  auto pid = crt::sys::Getpid();
  auto tid = crt::sys::Gettid();
  w << "task.pid_is_tid: " << (pid.value() == tid.value() ? "yes" : "no") << '\n';
  Threads(w);
  PrctlValue(w, "dumpable", kPrGetDumpable);
  PrctlValue(w, "keepcaps", kPrGetKeepcaps);
  PrctlValue(w, "no_new_privs", kPrGetNoNewPrivs);
  PrctlValue(w, "timerslack_ns", kPrGetTimerslack);
  PrctlOut(w, "pdeathsig", kPrGetPdeathsig);
  PrctlOut(w, "child_subreaper", kPrGetChildSubreaper);

  uintptr_t tid_address = 0;
  const long rc = crt::sys::Prctl(kPrGetTidAddress, reinterpret_cast<unsigned long>(&tid_address)).raw();
  Pointer(ctx, w, "clear_child_tid", rc, tid_address);
  uintptr_t robust = 0;
  size_t robust_len = 0;
  const long rrc = crt::Syscall(SYS_get_robust_list, 0, &robust, &robust_len);
  Pointer(ctx, w, "robust_list", rrc, robust);

  Timer(w, "real", ITIMER_REAL);
  Timer(w, "virtual", ITIMER_VIRTUAL);
  Timer(w, "prof", ITIMER_PROF);

  // umask can only be read by setting it: put the old value straight back.
  const long mask = crt::Syscall(SYS_umask, 022);
  (void)crt::Syscall(SYS_umask, mask);
  const char octal[] = {'0', static_cast<char>('0' + (mask >> 6 & 7)), static_cast<char>('0' + (mask >> 3 & 7)),
                        static_cast<char>('0' + (mask & 7))};
  w << "task.umask: " << std::string_view(octal, sizeof octal) << '\n';
}

void ReportPersonality(const Context&, crt::Writer& w) {
  auto r = crt::sys::Personality(0xffffffff);
  w << "personality: ";
  if (!r) {
    w << Errno{r.error()} << '\n';
    return;
  }
  const unsigned p = static_cast<unsigned>(r.value());
  w << crt::Hex{p};
  if (p & 0x0040000) w << " ADDR_NO_RANDOMIZE";
  if (p & 0x0200000) w << " ADDR_COMPAT_LAYOUT";
  if (p & 0x0400000) w << " READ_IMPLIES_EXEC";
  if (p & 0x0100000) w << " MMAP_PAGE_ZERO";
  w << '\n';
}

// The stack-protector canary at %fs:0x28 against the first 8 AT_RANDOM bytes: glibc and crt clear
// byte 0, musl byte 1.
void ReportCanary(const Context& ctx, crt::Writer& w) {
  uint64_t canary;
  __asm__("mov %%fs:0x28, %0" : "=r"(canary));
  uint64_t random = 0;
  if (const uintptr_t at = ctx.process.Aux(AT_RANDOM)) memcpy(&random, reinterpret_cast<const void*>(at), sizeof random);
  w << "canary: ";
  if (canary == 0) w << "zero\n";
  else if (canary == (random & ~uint64_t{0xff})) w << "AT_RANDOM[0..8) with byte 0 cleared\n";
  else if (canary == (random & ~uint64_t{0xff00})) w << "AT_RANDOM[0..8) with byte 1 cleared\n";
  else if (canary == random) w << "AT_RANDOM[0..8)\n";
  else w << "unrelated to AT_RANDOM\n";
}

// A fresh rseq registration succeeds after a real exec (E9); glibc registers its own at start-up,
// so there the kernel answers EINVAL (another area) or EBUSY (the same one).
void ReportRseq(const Context&, crt::Writer& w) {
  struct alignas(32) Rseq {
    uint32_t cpu_id_start;
    uint32_t cpu_id;
    uint64_t rseq_cs;
    uint32_t flags;
    uint32_t pad[3];
  };
  static Rseq area;
  constexpr uint32_t kSignature = 0x53053053;
  constexpr int kUnregister = 1;
  auto r = crt::Result<int>::FromRaw(crt::Syscall(SYS_rseq, &area, sizeof area, 0, kSignature));
  w << "rseq.register: ";
  if (r) {
    w << "ok\n";
    (void)crt::Syscall(SYS_rseq, &area, sizeof area, kUnregister, kSignature);
  } else {
    w << Errno{r.error()} << '\n';
  }
}

}  // namespace probe
