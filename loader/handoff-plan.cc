// The plan's hand-off steps, written into the hand-off area as system calls (handoff-plan.h).
#include "handoff-plan.h"

#include "mapper.h"
#include "page.h"
#include "proc-files.h"

#include <crt/string.h>
#include <crt/sys.h>
#include <ulexec/arch/constants.h>
#include <ulexec/arch/reset.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

namespace ulexec {
namespace {

constexpr uint64_t kSigIgn = 1;
constexpr long kSysMseal = 462;  // not in Debian 12's headers

class Writer {
 public:
  Writer(const ExecPlan& plan, const Range& vdso_now, std::string_view maps_seen, Handoff& handoff, Error& error)
      : plan_(plan), vdso_now_(vdso_now), maps_seen_(maps_seen), h_(handoff), error_(error) {}

  bool Step(HandoffStep step) {
    switch (step) {
      case HandoffStep::kResetArch:
        for (const arch::ResetCall& c : arch::kResetCalls) h_.Syscall(c.nr, c.a1, c.a2);
        return true;
      case HandoffStep::kUnmapAllBut:
        UnmapAllBut();
        return true;
      case HandoffStep::kMoveVdso:
        MoveVdso();
        return true;
      case HandoffStep::kMoveImages:
        MoveImages();
        return true;
      case HandoffStep::kGrowStack:
        return GrowStack();
      case HandoffStep::kClearOldFrames:
        h_.Syscall(SYS_madvise, stack().low, stack().copy_low - stack().low, MADV_DONTNEED, 0, 0, 0, Handoff::kMayFail);
        return true;
      case HandoffStep::kCopyStack:
        return CopyStack();
      case HandoffStep::kMapPageZero:
        // Sealed where the kernel seals it; without CAP_SYS_RAWIO the mapping fails and is
        // ignored, as binfmt_elf ignores it (spec C13).
        h_.Syscall(SYS_mmap, 0, kPageSize, PROT_READ | PROT_EXEC, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS,
                   static_cast<uint64_t>(-1), 0, Handoff::kMayFail);
        h_.Syscall(kSysMseal, 0, kPageSize, 0, 0, 0, 0, Handoff::kMayFail);
        return true;
      case HandoffStep::kSetMmMap:
        return SetMmMap();
      case HandoffStep::kPassExecFd: {
        // Fails only if RLIMIT_NOFILE was lowered below the number since Observe (prlimit by
        // another process of the user): the process then dies here, as the kernel's own exec
        // does when it finds no descriptor for AT_EXECFD past its point of no return.
        const ExecFdPlan& e = plan_.execfd;
        if (e.source == e.number)
          h_.Syscall(SYS_fcntl, static_cast<uint64_t>(e.number), F_SETFD, 0);
        else
          h_.Syscall(SYS_dup3, static_cast<uint64_t>(e.source), static_cast<uint64_t>(e.number), 0);
        return true;
      }
      case HandoffStep::kCloseDescriptors:
        // Closing may report an error (a network file system's flush), but the descriptor is
        // gone all the same: the ops may fail. AT_EXECFD's number now holds the file passed on.
        for (int fd : plan_.close_fds) {
          if (fd != plan_.execfd.number) h_.Syscall(SYS_close, fd, 0, 0, 0, 0, 0, Handoff::kMayFail);
        }
        return true;
      case HandoffStep::kResetSignals:
        return ResetSignals();
      case HandoffStep::kDeleteTimers:
        ForEachTimer(plan_.timers,
                     [&](unsigned long id) { h_.Syscall(SYS_timer_delete, id, 0, 0, 0, 0, 0, Handoff::kMayFail); });
        return true;
      case HandoffStep::kForgetThreadLists:
        h_.Syscall(SYS_set_robust_list, 0, 24);
        h_.Syscall(SYS_set_tid_address, 0);
        return true;
      case HandoffStep::kClearKeepCaps:
        // With SECBIT_KEEP_CAPS_LOCKED the prctl is refused: the plan asks only when set.
        h_.Syscall(SYS_prctl, PR_SET_KEEPCAPS, 0, 0, 0, 0, 0, Handoff::kMayFail);
        return true;
      case HandoffStep::kSetDumpable:
        h_.Syscall(SYS_prctl, PR_SET_DUMPABLE, plan_.dumpable == 1 ? 1 : 0, 0, 0, 0, 0, Handoff::kMayFail);
        return true;
      case HandoffStep::kSetName:
        return SetName();
      case HandoffStep::kExecStack:
        h_.Syscall(SYS_mprotect, stack().low, stack().request.stack_top - stack().low,
                   PROT_READ | PROT_WRITE | PROT_EXEC);
        return true;
      // A set-id exec's credentials (spec E13), as root can always make them (the plan checked
      // that it can). None may fail: a failure would leave the program more privilege than
      // execve gives, so it ends the process instead. Changing the effective ids also makes
      // the kernel set dumpable to suid_dumpable, as execve does.
      case HandoffStep::kSetIds: {
        const Creds& next = plan_.creds.next;
        h_.Syscall(SYS_setresgid, next.gid[Creds::kReal], next.gid[Creds::kEffective], next.gid[Creds::kSaved]);
        h_.Syscall(SYS_setresuid, next.uid[Creds::kReal], next.uid[Creds::kEffective], next.uid[Creds::kSaved]);
        return true;
      }
      case HandoffStep::kClearAmbient:
        h_.Syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL);
        return true;
      case HandoffStep::kSetCapabilities:
        return SetCapabilities();
      case HandoffStep::kClearDeathSignal:
        h_.Syscall(SYS_prctl, PR_SET_PDEATHSIG, 0);
        return true;
    }
    return true;
  }

  const std::byte* stack_copy() const { return stack_copy_; }

 private:
  const StackPlan& stack() const { return plan_.stack; }

  void* Payload(size_t bytes) {
    void* p = h_.Payload(bytes);
    if (p == nullptr) (void)error_.Fail(E2BIG, "internal error: the hand-off area is too small");
    return p;
  }

  // munmap of everything in the user address space but the stack, the vDSO, the hand-off area
  // and the images (in a few calls: munmap takes ranges with any number of mappings and holes).
  void UnmapAllBut() {
    Range keep[6];
    size_t n = 0;
    keep[n++] = {stack().low, stack().request.stack_top};
    if (plan_.page_zero.keep) keep[n++] = {0, kPageSize};
    if (vdso_now_.size()) keep[n++] = vdso_now_;
    keep[n++] = {h_.start(), h_.start() + h_.size()};
    for (const PlannedImage& image : plan_.image_list())
      keep[n++] = {image.map_at, image.map_at + image.place.range.size()};
    for (size_t i = 0; i < n; ++i) {  // sort by start
      for (size_t j = i + 1; j < n; ++j) {
        if (keep[j].start < keep[i].start) {
          const Range t = keep[i];
          keep[i] = keep[j];
          keep[j] = t;
        }
      }
    }
    // One munmap per gap between the kept ranges that held a mapping when Observe looked (for a
    // static program in a fresh ulexec: the one up to the vDSO, over ulexec's own image; not
    // below the program, the hand-off area's guard page or above the stack).
    uint64_t from = 0;
    for (size_t i = 0; i < n; ++i) {
      if (keep[i].start > from) UnmapGap({from, keep[i].start});
      if (keep[i].end > from) from = keep[i].end;
    }
    if (from < arch::kTaskSize) UnmapGap({from, arch::kTaskSize});
  }

  // Stage maps only what is kept, so a gap that held nothing then holds nothing now; without
  // the text (a before_entry callback may have mapped anything) every gap is unmapped.
  void UnmapGap(const Range& gap) {
    if (maps_seen_.empty() || OverlapsAnyMapping(maps_seen_, gap)) h_.Syscall(SYS_munmap, gap.start, gap.size());
  }

  // The vDSO block, keeping its pieces' relative places; through the aside place on overlap.
  void MoveVdso() {
    const VdsoPlan& v = plan_.vdso;
    auto move = [&](uint64_t from, uint64_t to) {
      for (size_t i = 0; i < v.block.count; ++i) {
        const Range& r = v.block.vmas[i];
        const uint64_t at = r.start - v.block.range.start;
        h_.Syscall(SYS_mremap, from + at, r.size(), r.size(), MREMAP_MAYMOVE | MREMAP_FIXED, to + at);
      }
    };
    if (v.aside) {
      move(v.block.range.start, v.aside);
      move(v.aside, v.final.start);
    } else {
      move(v.block.range.start, v.final.start);
    }
  }

  void MoveImages() {
    for (const PlannedImage& image : plan_.image_list()) {
      if (!image.aside) continue;
      ForEachMappedRun(Mapping{image.map_at, image.place.range.size(), &image.file->elf},
                       [&](uint64_t offset, uint64_t length) {
                         h_.Syscall(SYS_mremap, image.map_at + offset, length, length, MREMAP_MAYMOVE | MREMAP_FIXED,
                                    image.place.range.start + offset);
                       });
    }
  }

  bool GrowStack() {
    const void* zero = Payload(16);
    if (zero == nullptr) return false;
    h_.Copy(stack().low, zero, 1);  // a write grows [stack] down to its size
    return true;
  }

  // The image's two written pieces are copied from the payload, and the rest of its pages (below
  // sp, the pad) zero-filled in place: no payload page holds only zeros, or is touched for them.
  bool CopyStack() {
    const StackLayout& l = stack().layout;
    const uint64_t top = stack().request.stack_top, bytes = top - l.sp;
    auto* copy = static_cast<std::byte*>(Payload(bytes));
    if (copy == nullptr) return false;
    StackLayout written;
    BuildStack(stack().request, std::span(copy, bytes), &written, PadBytes::kLeave);
    if (l.sp > stack().copy_low) h_.Zero(stack().copy_low, l.sp - stack().copy_low);
    h_.Copy(l.sp, copy, l.pad - l.sp);
    if (l.arg_start > l.pad) h_.Zero(l.pad, l.arg_start - l.pad);
    h_.Copy(l.arg_start, copy + (l.arg_start - l.sp), top - l.arg_start);
    stack_copy_ = copy;
    return true;
  }

  // /proc/self/{exe,stat,cmdline,environ,auxv}: exe_fd needs a capability; without one, the rest
  // alone (spec G2, G4). Where PR_SET_MM_MAP is not available at all (a kernel without
  // CONFIG_CHECKPOINT_RESTORE, a seccomp filter), the program still runs, with the loader's
  // /proc fields and brk (README).
  bool SetMmMap() {
    auto* with = static_cast<PrctlMmMap*>(Payload(sizeof(PrctlMmMap)));
    auto* without = static_cast<PrctlMmMap*>(Payload(sizeof(PrctlMmMap)));
    if (with == nullptr || without == nullptr) return false;
    *with = *without = plan_.mm;
    without->exe_fd = static_cast<uint32_t>(-1);
    // Required, exe_fd was checked before the point of no return (CanSetExe); a failure now (a
    // seccomp filter) ends the process rather than run the program with the wrong exe.
    h_.Syscall(SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, reinterpret_cast<uint64_t>(with), sizeof *with, 0, 0,
               plan_.exe_required ? Handoff::kMustSucceed : Handoff::kMayFail | Handoff::kSkipNextIfOk);
    if (plan_.exe_required) return true;
    h_.Syscall(SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, reinterpret_cast<uint64_t>(without), sizeof *without, 0, 0,
               Handoff::kMayFail);
    return true;
  }

  bool ResetSignals() {
    auto* dfl = static_cast<crt::KernelSigaction*>(Payload(sizeof(crt::KernelSigaction)));
    auto* ign = static_cast<crt::KernelSigaction*>(Payload(sizeof(crt::KernelSigaction)));
    if (dfl == nullptr || ign == nullptr) return false;
    ign->handler = reinterpret_cast<void*>(kSigIgn);
    // The host's alternate signal stack is disabled (spec E3). The entry frame would disable it
    // too, but not when the frame lies on that stack, as it does below the new sp when the host's
    // altstack is on [stack] and the hand-off enters through the program's restorer (B6). The
    // hand-off runs with rsp in its own page, so this cannot fail with EPERM.
    auto* no_altstack = static_cast<crt::KernelSigaltstack*>(Payload(sizeof(crt::KernelSigaltstack)));
    if (no_altstack == nullptr) return false;
    no_altstack->flags = SS_DISABLE;
    h_.Syscall(SYS_sigaltstack, reinterpret_cast<uint64_t>(no_altstack), 0, 0, 0, 0, 0, Handoff::kMayFail);
    for (int sig = 1; sig <= kMaxSignal; ++sig) {
      const SignalReset r = plan_.signals[sig];
      if (r == SignalReset::kKeep) continue;
      h_.Syscall(SYS_rt_sigaction, sig, reinterpret_cast<uint64_t>(r == SignalReset::kIgnore ? ign : dfl), 0, 8);
    }
    return true;
  }

  bool SetCapabilities() {
    auto* caps = static_cast<KernelCaps*>(Payload(sizeof(KernelCaps)));
    if (caps == nullptr) return false;
    *caps = ToKernelCaps(plan_.creds.next);
    h_.Syscall(SYS_capset, reinterpret_cast<uint64_t>(&caps->header), reinterpret_cast<uint64_t>(caps->data));
    return true;
  }

  bool SetName() {
    auto* name = static_cast<char*>(Payload(sizeof plan_.comm));
    if (name == nullptr) return false;
    memcpy(name, plan_.comm, sizeof plan_.comm);
    h_.Syscall(SYS_prctl, PR_SET_NAME, reinterpret_cast<uint64_t>(name));
    return true;
  }

  const ExecPlan& plan_;
  const Range vdso_now_;
  const std::string_view maps_seen_;
  Handoff& h_;
  Error& error_;
  const std::byte* stack_copy_ = nullptr;
};

}  // namespace

bool WriteHandoffSteps(const ExecPlan& plan, const Range& vdso_now, std::string_view maps_seen, Handoff& handoff,
                       const std::byte** stack_copy, Error& error) {
  Writer writer(plan, vdso_now, maps_seen, handoff, error);
  for (HandoffStep step : plan.step_list()) {
    if (!writer.Step(step)) return false;
  }
  if (handoff.overflowed()) return error.Fail(E2BIG, "internal error: the hand-off table is too small");
  *stack_copy = writer.stack_copy();
  return true;
}

}  // namespace ulexec
