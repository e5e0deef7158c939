// Observe: the calling process as a ProcessState value (process-state.h).
#include "process-state.h"

#include "page.h"
#include "proc-files.h"
#include "proc-status.h"
#include "rollback.h"
#include "static-buffers.h"

#include <crt/sys.h>
#include <ulexec/arch/constants.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>

namespace ulexec {
namespace {

constexpr int kPrGetAuxv = 0x41555856;  // PR_GET_AUXV, not among musl 1.2.3's headers

bool IsVdsoName(std::string_view name) { return name == "[vdso]" || name.starts_with("[vvar"); }

// The mm's saved auxv. PR_GET_AUXV (Linux 6.4) reads it where /proc/self/auxv cannot be opened:
// in a host whose effective uid is not its real one, which is not dumpable, the file is root's
// (spec E11). /proc/self/auxv on older kernels, where such a host is refused (README: it would
// have to make itself dumpable to open it, opening its memory to its user for that moment).
bool ReadAuxv(const crt::AuxEntry* auxv, ProcessState* s, Error& error) {
  if (auxv == nullptr) {
    constexpr size_t kRoom = sizeof Buffers().auxv - sizeof Buffers().auxv[0];  // one AT_NULL stays
    char* buf = reinterpret_cast<char*>(Buffers().auxv);
    Buffers().auxv[kRoom / sizeof Buffers().auxv[0]] = {0, 0};
    if (!crt::sys::Prctl(kPrGetAuxv, reinterpret_cast<unsigned long>(buf), kRoom)) {
      std::string_view text;
      if (!ReadProcFile("/proc/self/auxv", buf, kRoom, true, &text, error)) return false;
      Buffers().auxv[text.size() / sizeof Buffers().auxv[0]] = {0, 0};
    }
    auxv = Buffers().auxv;
  }
  size_t n = 0;
  while (auxv[n].type != 0) ++n;
  s->auxv = {auxv, n};
  return true;
}

// [stack], the vDSO block, and the highest mapping (the top of the mmap area when randomized).
// Four system calls and a page even in a fresh ulexec, kept: the plan needs the text itself
// (OverlapsAnyMapping) and the vDSO's pieces, which no auxv entry gives.
bool ReadMaps(const Range& own_image, ProcessState* s, Error& error) {
  if (!ReadProcFile("/proc/self/maps", Buffers().maps, sizeof Buffers().maps, true, &s->maps, error)) return false;
  VdsoBlock& vdso = s->vdso;
  const bool ok = ForEachMapsLine(s->maps, [&](const MapsLine& m) {
    if (m.name == "[stack]") {
      s->stack = {m.start, m.end};
    } else if (m.name != "[vsyscall]") {  // [vsyscall] is not a real mapping
      // (An anonymous r-x page is an earlier ulexec's hand-off page, just above mmap_base, or
      // below it in the legacy layout.)
      const bool handoff_page = m.end - m.start == kPageSize && m.name.empty() && std::string_view(m.perms) == "r-xp";
      const bool counts = !own_image.Overlaps({m.start, m.end}) && !handoff_page;
      if (counts && m.end > s->highest_end) s->highest_end = m.end;
      if (counts && m.start >= arch::kTaskUnmappedBase && (s->lowest_legacy == 0 || m.start < s->lowest_legacy)) {
        s->lowest_legacy = m.start;
      }
      if (IsVdsoName(m.name) && vdso.count < 4) {
        vdso.vmas[vdso.count++] = {m.start, m.end};
        if (m.name == "[vdso]") s->vdso_start = m.start;
      }
    }
  });
  if (!ok) return error.Fail(EIO, "cannot parse /proc/self/maps");
  if (s->stack.end == 0) return error.Fail(EFAULT, "the process has no [stack] mapping");
  if (vdso.count) vdso.range = vdso.vmas[0];
  for (size_t i = 1; i < vdso.count; ++i) {
    if (vdso.vmas[i].start < vdso.range.start) vdso.range.start = vdso.vmas[i].start;
    if (vdso.vmas[i].end > vdso.range.end) vdso.range.end = vdso.vmas[i].end;
  }
  return true;
}

// F_GETFD: whether `fd` is close-on-exec (spec E4).
void AddIfCloseOnExec(int fd, std::span<int> list, ProcessState* s, size_t* n) {
  auto flags = crt::sys::Fcntl(fd, F_GETFD);
  if (flags && (flags.value() & FD_CLOEXEC) && *n < list.size()) list[(*n)++] = fd;
  s->cloexec_fds = list.first(*n);
}

// One read of /proc/self/status, then a sigaction query only where a disposition is not SIG_DFL,
// and for SIGCHLD, whose flags act even at SIG_DFL (SA_NOCLDWAIT, SA_NOCLDSTOP): not 62 queries.
// (A SIG_DFL disposition's other flags, mask and restorer go unseen; docs/execve.md#E1.) The
// text is ReadProcessState's (read for the credentials); without the masks every signal is asked.
void ReadSignals(ProcessState* s) {
  SignalMasks masks;
  uint64_t query = ~uint64_t{0};
  if (ParseSignalMasks(s->status, &masks)) query = masks.caught | masks.ignored | uint64_t{1} << (SIGCHLD - 1);
  for (int sig = 1; sig <= kMaxSignal; ++sig) {
    crt::KernelSigaction old{};
    if (!(query & uint64_t{1} << (sig - 1)) || sig == SIGKILL || sig == SIGSTOP ||
        !crt::sys::RtSigaction(sig, nullptr, &old)) {
      continue;
    }
    s->signals[sig] = {reinterpret_cast<uint64_t>(old.handler),
                       old.flags == 0 && old.mask == 0 && old.restorer == nullptr};
  }
}

// fs.suid_dumpable, read only where the exec's dumpable depends on it (DumpableAfterExec): the
// effective ids are not the real ones. Unreadable: 0, the kernel's default and the safe value.
void ReadSuidDumpable(ProcessState* s) {
  s->suid_dumpable = 0;
  if (!EffectiveIdsDiffer(s->creds)) return;
  char buf[16];
  std::string_view text;
  Error ignored;
  if (!ReadProcFile("/proc/sys/fs/suid_dumpable", buf, sizeof buf, false, &text, ignored)) return;
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  unsigned long value;
  if (crt::ParseUnsigned(text, &value)) s->suid_dumpable = value;
}

// Whether this mm has the legacy bottom-up layout (spec C16). Its own exec chose it, from the
// personality and vm.legacy_va_layout of that moment, and it decides where every later mmap
// goes: ulexec follows the mm, not the personality now. The vDSO shows it: that exec put it
// bottom-up from TASK_UNMAPPED_BASE plus at most the random mmap offset, where the top-down
// layout never puts it (it would take an RLIMIT_STACK of about 85 TiB). Without a vDSO, the
// personality is all there is to go by.
bool LegacyLayout(const ProcessState& s) {
  if (s.vdso.count == 0) return (s.personality & ADDR_COMPAT_LAYOUT) != 0;
  // (The window: the random offset, and room for the images mapped before the vDSO.)
  const uint64_t start = s.vdso.range.start, window = (kPageSize << arch::kMmapRndBits) + (uint64_t{1} << 32);
  return start >= arch::kTaskUnmappedBase && start - arch::kTaskUnmappedBase < window;
}

// Whether page 0 is mapped, and sealed: mprotect to the protection it has is a no-op unless the
// mapping is sealed (EPERM).
PageZeroNow ReadPageZero(std::string_view maps) {
  MapsLine zero;
  (void)ForEachMapsLine(maps, [&](const MapsLine& m) {
    if (m.start == 0) zero = m;
  });
  if (zero.end == 0) return PageZeroNow::kNone;
  const int prot = (zero.perms[0] == 'r' ? PROT_READ : 0) | (zero.perms[1] == 'w' ? PROT_WRITE : 0) |
                   (zero.perms[2] == 'x' ? PROT_EXEC : 0);
  auto r = crt::sys::Mprotect(nullptr, kPageSize, prot);
  return !r && r.error() == EPERM ? PageZeroNow::kSealed : PageZeroNow::kMapped;
}

}  // namespace

bool ReadStatusCreds(ProcessState* s, Error& error) {
  if (!ReadProcFile("/proc/self/status", Buffers().status, sizeof Buffers().status, true, &s->status, error)) {
    return false;
  }
  if (!ParseStatusCreds(s->status, &s->creds)) return error.Fail(EIO, "cannot read the credentials in /proc/self/status");
  return true;
}

bool ReadProcessState(const crt::AuxEntry* auxv, const Range& own_image, bool plain_exec, ProcessState* state,
                      Error& error) {
  // Constructed in place: an assignment from ProcessState{} builds the 1.3 KiB temporary in this
  // frame first, on the stack every start uses.
  ProcessState& s = *new (state) ProcessState{};
  if (!ReadAuxv(auxv, &s, error) || !ReadMaps(own_image, &s, error)) return false;
  // RLIMIT_STACK (read once: Resolve takes it from here), RLIMIT_DATA (it bounds brk, which
  // PR_SET_MM_MAP checks), personality (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC): needed by the plan.
  struct rlimit lim {};
  if (auto r = crt::sys::Prlimit(0, RLIMIT_STACK, nullptr, &lim); !r) return error.Fail(r.error(), "getrlimit");
  s.rlimit_stack = lim.rlim_cur;
  if (auto r = crt::sys::Prlimit(0, RLIMIT_DATA, nullptr, &lim); !r) return error.Fail(r.error(), "getrlimit");
  s.rlimit_data = lim.rlim_cur;
  auto pers = crt::sys::Personality(0xffffffff);
  s.personality = pers ? static_cast<unsigned long>(pers.value()) : 0;
  s.page_zero = ReadPageZero(s.maps);
  if (!(plain_exec && CredsOfPlainExec(s.auxv, &s.creds)) && !ReadStatusCreds(&s, error)) return false;
  ReadSuidDumpable(&s);
  // The hand-off sets dumpable only where it differs (a fresh command is non-dumpable after a
  // secure exec, or when installed execute-only: spec E11); unreadable, taken as 0 (set it).
  auto dumpable = crt::sys::Prctl(PR_GET_DUMPABLE);
  s.dumpable = dumpable ? static_cast<unsigned long>(dumpable.value()) : 0;

  // Without randomization the stack ends exactly at STACK_TOP; with it, almost never (spec A12).
  // randomize_va_space is taken to be 2 when randomizing (the default; 1 would not move brk).
  s.space.randomize = (s.personality & ADDR_NO_RANDOMIZE) == 0 && s.stack.end != arch::kStackTop;
  s.space.randomize_brk = s.space.randomize;
  s.space.stack_top = s.stack.end;
  // The top of the mmap area: computed without randomization; with it, the kernel put the first
  // mapping of this process (a static-pie's image, its interpreter or the vDSO) right below it.
  // In the legacy layout its bottom: TASK_UNMAPPED_BASE, plus the random offset, where that first
  // mapping went (spec C16).
  s.space.legacy = LegacyLayout(s);
  if (s.space.legacy) {
    s.space.mmap_base = s.space.randomize && s.lowest_legacy ? s.lowest_legacy : arch::kTaskUnmappedBase;
  } else {
    s.space.mmap_base = s.space.randomize ? s.highest_end : MmapBaseWithoutRandomization(s.rlimit_stack);
  }
  return true;
}

bool ReadResettableState(bool fresh, std::span<const int> own_fds, ProcessState* s, Error& error) {
  s->fresh = fresh;
  size_t n = 0;
  s->cloexec_fds = {};
  if (fresh) {
    // A freshly exec'd caller has no handlers or close-on-exec descriptors but its own, which the
    // caller lists (without F_GETFD: it knows how it opened them).
    static_assert(sizeof StaticBuffers::own_cloexec_fds >= sizeof Rollback::own_fds);
    for (int fd : own_fds) {
      if (fd >= 0 && n < std::size(Buffers().own_cloexec_fds)) Buffers().own_cloexec_fds[n++] = fd;
    }
    s->cloexec_fds = std::span(Buffers().own_cloexec_fds).first(n);
    return true;
  }
  const bool ok = ForEachDirEntry("/proc/self/fd", error, [&](std::string_view name, int dir) {
    unsigned long fd;
    if (crt::ParseUnsigned(name, &fd) && static_cast<int>(fd) != dir) AddIfCloseOnExec(static_cast<int>(fd), Buffers().cloexec_fds, s, &n);
  });
  if (!ok) return false;
  if (n == std::size(Buffers().cloexec_fds)) {
    return error.Fail(ENOMEM, "more than ", n, " close-on-exec descriptors");
  }
  ReadSignals(s);
  // Present with CONFIG_CHECKPOINT_RESTORE; without it the timers survive (README).
  Error ignored;
  if (!ReadProcFile("/proc/self/timers", Buffers().timers, sizeof Buffers().timers, false, &s->timers, ignored)) {
    s->timers = {};
  }
  s->keepcaps = crt::sys::Prctl(PR_GET_KEEPCAPS).value() == 1;
  return true;
}

int LowestFdFreeAfterExec() {
  struct rlimit lim {};
  if (!crt::sys::Prlimit(0, RLIMIT_NOFILE, nullptr, &lim)) return -1;
  for (uint64_t fd = 0; fd < lim.rlim_cur && fd <= INT32_MAX; ++fd) {
    auto flags = crt::sys::Fcntl(static_cast<int>(fd), F_GETFD);
    if (!flags || (flags.value() & FD_CLOEXEC)) return static_cast<int>(fd);
  }
  return -1;
}

}  // namespace ulexec
