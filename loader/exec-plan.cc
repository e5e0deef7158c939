// Plan (pure, no system call): the whole exec as an ExecPlan value (exec-plan.h).
#include "exec-plan.h"

#include "handoff.h"
#include "mapper.h"
#include "page.h"
#include "proc-files.h"

#include <crt/string.h>
#include <crt/sys.h>
#include <ulexec/arch/constants.h>
#include <ulexec/arch/entry-frame.h>

#include <elf.h>
#include <errno.h>
#include <sys/personality.h>

namespace ulexec {
namespace {

constexpr uint64_t kStackExpand = 131072;   // 128 KiB: the kernel's initial stack below the strings
constexpr uint64_t kMaxArgStrlen = 131072;  // MAX_ARG_STRLEN
constexpr uint64_t kGap = 16 * kPageSize;   // between our temporary mappings and the rest
constexpr uint64_t kSigDfl = 0, kSigIgn = 1;
// PR_SET_MM_MAP refuses addresses below mmap_min_addr, which includes CONFIG_LSM_MMAP_MIN_ADDR
// (65536 on Debian), whatever vm.mmap_min_addr says (spec G2).
constexpr uint64_t kMinMmAddress = 0x10000;

// Hands out address ranges for the temporary mappings (and, in the legacy layout, the hand-off
// area), below everything that exists now and everything the new program will have, so that
// nothing moved into place lands on them.
class Allocator {
 public:
  explicit Allocator(const ProcessState& state) : floor_(state.space.mmap_base) {
    (void)ForEachMapsLine(state.maps, [&](const MapsLine& m) { Avoid({m.start, m.end}); });
  }
  void Avoid(const Range& r) {
    if (r.start >= kLowest && r.start < floor_) floor_ = r.start;
  }
  uint64_t Next(uint64_t size) {
    floor_ = PageStart(floor_ - size - kGap);
    return floor_;
  }

 private:
  static constexpr uint64_t kLowest = uint64_t{1} << 32;
  uint64_t floor_;
};

// Where the images and the vDSO go (spec C3-C7, C16).
bool PlaceImages(const Target& t, const ProcessState& state, const Randomness& random, ExecPlan* plan, Error& error) {
  const AddressSpace& space = state.space;
  // The room the mmap area has: below mmap_base, or above it up to the stack (legacy layout).
  const uint64_t room = space.legacy ? space.stack_top - space.mmap_base : space.mmap_base - kMinMmAddress;
  for (const ProgramFile* f : {t.program, t.interpreter ? t.interpreter : t.program}) {
    if (f->elf.is_dyn() && f->elf.span_end - f->elf.span_start >= room) {
      return error.Fail(ENOMEM, "the image spans ", crt::Hex{f->elf.span_end - f->elf.span_start},
                        " bytes, more than the mmap area's ", crt::Hex{room});
    }
  }
  const ElfFile& elf = t.program->elf;
  PlannedImage& main = plan->images[0];
  main.file = t.program;
  main.place = PlaceProgram(elf, t.interpreter != nullptr, t.program_on_thp_fs, state, random.pie);
  plan->image_count = 1;
  if (t.interpreter) {
    PlannedImage& interp = plan->images[plan->image_count++];
    interp.file = t.interpreter;
    interp.place = PlaceInterpreter(t.interpreter->elf, t.interpreter_on_thp_fs, state, {&elf, main.place.range});
    if (interp.place.range.Overlaps(main.place.range)) {
      return error.Fail(ENOMEM, "the program and its interpreter ", t.interp_path, " overlap");
    }
  }
  PlacedElf placed[2];
  for (size_t i = 0; i < plan->image_count; ++i) placed[i] = {&plan->images[i].file->elf, plan->images[i].place.range};
  plan->vdso.block = state.vdso;
  plan->vdso.final = PlaceVdso(state, {placed, plan->image_count});
  const ElfFile& entry_elf = t.interpreter ? t.interpreter->elf : elf;
  plan->entry = entry_elf.ehdr.e_entry + plan->images[plan->image_count - 1].place.bias;
  return true;
}

// The auxv and the new stack (spec A1-A13), refused with E2BIG where the kernel refuses it.
bool PlanStack(const Target& t, const ProcessState& state, const Randomness& random, ExecPlan* plan, Error& error) {
  const AddressSpace& space = state.space;
  const ElfFile& elf = t.program->elf;
  const uint64_t bias = plan->images[0].place.bias;
  ComputedAuxv computed;
  computed.phdr = DescribeImage(elf).phdr_vaddr + bias;  // the bias alone without one (spec C15)
  computed.phent = sizeof(Elf64_Phdr);
  computed.phnum = elf.ehdr.e_phnum;
  computed.base = t.interpreter ? plan->images[1].place.bias : 0;
  computed.entry = elf.ehdr.e_entry + bias;
  computed.execfd = plan->execfd.number;
  if (state.vdso_start) computed.sysinfo_ehdr = state.vdso_start - state.vdso.range.start + plan->vdso.final.start;
  plan->auxv_count = ComposeAuxv(state.auxv, computed, plan->auxv);
  if (plan->auxv_count == 0) return error.Fail(E2BIG, "the auxiliary vector has more than ", kMaxAuxv, " entries");
  SetAuxvCreds(plan->creds, std::span(plan->auxv, plan->auxv_count));

  StackPlan& stack = plan->stack;
  StackRequest& request = stack.request;
  request.stack_top = space.stack_top;
  request.argv_head = t.argv_head.view();
  request.argv = t.argv_tail();
  request.envp = t.envp;
  request.execfn = t.execfn;
  request.platform = arch::kPlatform;
  request.random = random.at_random;
  request.pad = space.randomize ? random.pad % 8192 : 0;
  request.auxv = plan->auxv_list();
  stack.layout = LayOutStack(request);
  stack.copy_low = PageStart(stack.layout.sp);
  // The whole image's pages must fit in RLIMIT_STACK too: create_elf_tables grows the stack
  // down to sp past the kernel's point of no return, and there the growth over the limit kills
  // the process (SIGSEGV; its EFAULT here). The strings alone were checked as E2BIG (spec A13).
  const uint64_t limit = PageStart(state.rlimit_stack);
  if (stack.copy_bytes() > limit) {
    return error.Fail(EFAULT, "the new stack (", stack.copy_bytes(), " bytes of pages) does not fit in RLIMIT_STACK (",
                      state.rlimit_stack, " bytes): execve would kill the process");
  }
  for (const PlannedImage& image : plan->image_list()) {
    const Range& r = image.place.range;
    if (r.Overlaps({stack.copy_low - kStackExpand, space.stack_top})) {
      return error.Fail(ENOMEM, "the image would overlap the stack (", crt::Hex{r.start}, '-', crt::Hex{r.end}, ')');
    }
  }
  // The initial [stack] mapping: the pages holding the strings, and 128 KiB below, within
  // RLIMIT_STACK's whole pages (setup_arg_pages' stack_expand; spec A13).
  uint64_t size = space.stack_top - PageStart(stack.layout.arg_start) + kStackExpand;
  if (size > limit) size = limit;
  if (size < stack.copy_bytes()) size = stack.copy_bytes();
  stack.low = space.stack_top - size;
  stack.grows = stack.low < state.stack.start;
  // Entering through the program's restorer, the rt_sigreturn frame lies just below sp (B6).
  const uint64_t frame = (stack.layout.sp - arch::kEntryFrameSize) & ~uint64_t{15};
  stack.entry_frame = frame >= stack.low ? frame : 0;
  stack.executable = elf.exec_stack;
  return true;
}

// What the kernel keeps in /proc/self/{stat,cmdline,environ,auxv} (spec C14, G2) and brk (C11),
// checked as PR_SET_MM_MAP will check it.
bool PlanMmMap(const Target& t, const ProcessState& state, const Randomness& random, ExecPlan* plan, Error& error) {
  const ImageFacts facts = DescribeImage(t.program->elf);
  const uint64_t bias = plan->images[0].place.bias;
  const StackLayout& s = plan->stack.layout;
  plan->brk = StartBrk(t.program->elf, facts.brk + bias, t.interpreter != nullptr, state.space, random.brk);
  plan->brk_random = state.space.randomize && state.space.randomize_brk;
  PrctlMmMap& mm = plan->mm;
  mm = PrctlMmMap{facts.start_code + bias,
                  facts.end_code + bias,
                  facts.start_data + bias,
                  facts.end_data + bias,
                  plan->brk,
                  plan->brk,
                  s.sp,
                  s.arg_start,
                  s.arg_end,
                  s.env_start,
                  s.env_end,
                  s.auxv,
                  static_cast<uint32_t>(s.auxv_bytes),
                  static_cast<uint32_t>(t.program->fd)};
  // An image below the lowest address PR_SET_MM_MAP takes (root may map page 0, spec C3/H4):
  // the fields only show in /proc/self/stat; raise them to it (README: known differences).
  for (uint64_t* f : {&mm.start_code, &mm.end_code, &mm.start_data, &mm.end_data}) {
    if (*f < kMinMmAddress) *f = kMinMmAddress;
  }
  if (mm.end_code <= mm.start_code) mm.end_code = mm.start_code + 1;
  const uint64_t fields[] = {mm.start_code,  mm.end_code,  mm.start_data, mm.end_data,  mm.start_brk, mm.brk,
                             mm.start_stack, mm.arg_start, mm.arg_end,    mm.env_start, mm.env_end};
  for (uint64_t f : fields) {
    if (f < kMinMmAddress || f >= arch::kTaskSize) {
      return error.Fail(EINVAL, "the kernel would refuse the new memory layout (", crt::Hex{f},
                        " is outside the user address space)");
    }
  }
  if ((mm.brk - mm.start_brk) + (mm.end_data - mm.start_data) > state.rlimit_data) {
    return error.Fail(ENOMEM, "the data segment exceeds RLIMIT_DATA (", state.rlimit_data, " bytes)");
  }
  return true;
}

// Where Stage maps what: an image in place if its place is free now, else aside (moved by the
// hand-off); the vDSO early if its new place is free now (images can then go where it was).
void PlanStaging(const ProcessState& state, Allocator& alloc, ExecPlan* plan) {
  for (const PlannedImage& image : plan->image_list()) alloc.Avoid(image.place.range);
  VdsoPlan& vdso = plan->vdso;
  alloc.Avoid(vdso.final);
  const Range was = vdso.block.range;
  // mremap cannot move a mapping onto itself: a move by less than the block's size goes through
  // a free range first.
  const bool overlap = vdso.final.Overlaps(was);
  vdso.early = vdso.moves() && !OverlapsAnyMapping(state.maps, vdso.final, was);
  if (vdso.early && overlap) vdso.aside = alloc.Next(was.size());
  // (The maps text predates the vDSO's early move: where it was is free then.)
  const Range moved_away = vdso.early ? was : Range{};
  const Range vdso_now = vdso.early ? vdso.final : was;
  for (size_t i = 0; i < plan->image_count; ++i) {
    PlannedImage& image = plan->images[i];
    const Range& r = image.place.range;
    image.aside = OverlapsAnyMapping(state.maps, r, moved_away) || r.Overlaps(vdso_now);
    image.map_at = image.aside ? alloc.Next(r.size()) : r.start;
  }
  if (vdso.moves() && !vdso.early && overlap) vdso.aside = alloc.Next(was.size());
}

// AT_EXECFD for binfmt_misc's O flag: begin_new_exec installs the file at the lowest free number
// last, after the close-on-exec descriptors are closed (docs/execve.md#D3).
bool PlanExecFd(const Target& t, const ProcessState& state, ExecPlan* plan, Error& error) {
  if (t.execfd_file < 0) return true;
  // The kernel fails there, past its point of no return (the process dies); ulexec refuses here.
  if (state.execfd_number < 0) {
    return error.Fail(EMFILE, "no descriptor below RLIMIT_NOFILE is free for AT_EXECFD (binfmt_misc flag O)");
  }
  plan->execfd = {state.execfd_number, t.execfd_file};
  return true;
}

// Descriptors to close, signals to reset, timers to delete, the name (spec E1-E12).
void PlanResets(const Target& t, const ProcessState& state, ExecPlan* plan) {
  plan->close_fds = state.cloexec_fds;
  plan->timers = state.timers;
  for (int sig = 1; sig <= kMaxSignal; ++sig) {
    const SignalAction& a = state.signals[sig];
    if (a.handler == kSigIgn)
      plan->signals[sig] = a.clean ? SignalReset::kKeep : SignalReset::kIgnore;
    else
      plan->signals[sig] = a.handler != kSigDfl || !a.clean ? SignalReset::kDefault : SignalReset::kKeep;
  }
  const size_t n = t.comm.size() < 15 ? t.comm.size() : 15;
  memcpy(plan->comm, t.comm.data(), n);
  plan->comm[n] = '\0';
}

size_t CountTimers(std::string_view timers) {
  size_t n = 0;
  ForEachTimer(timers, [&](unsigned long) { ++n; });
  return n;
}

// Whether the kernel started this process as a secure exec (its own AT_SECURE: ulexec carrying a
// file capability, or set-id). It then made it non-dumpable (docs/execve.md#E11).
bool StartedSecure(const ProcessState& state) {
  for (const crt::AuxEntry& e : state.auxv) {
    if (e.type == AT_SECURE) return e.value != 0;
  }
  return false;
}

// The hand-off's steps in order, and the size of its table and payload.
void PlanHandoff(const ProcessState& state, Allocator& alloc, ExecPlan* plan) {
  auto add = [&](HandoffStep step) { plan->steps[plan->step_count++] = step; };
  const StackPlan& stack = plan->stack;
  add(HandoffStep::kResetArch);
  add(HandoffStep::kUnmapAllBut);
  if (plan->vdso.moves() && !plan->vdso.early) add(HandoffStep::kMoveVdso);
  size_t runs = 0;
  for (const PlannedImage& image : plan->image_list()) {
    if (image.aside)
      ForEachMappedRun(Mapping{image.map_at, image.place.range.size(), &image.file->elf},
                       [&](uint64_t, uint64_t) { ++runs; });
  }
  if (runs) add(HandoffStep::kMoveImages);
  if (stack.grows) add(HandoffStep::kGrowStack);
  if (stack.copy_low > stack.low) add(HandoffStep::kClearOldFrames);
  add(HandoffStep::kCopyStack);
  if (plan->page_zero.map) add(HandoffStep::kMapPageZero);
  add(HandoffStep::kSetMmMap);
  if (plan->execfd.number >= 0) add(HandoffStep::kPassExecFd);
  if (!plan->close_fds.empty()) add(HandoffStep::kCloseDescriptors);
  if (!state.fresh) {
    add(HandoffStep::kResetSignals);
    if (!plan->timers.empty()) add(HandoffStep::kDeleteTimers);
    add(HandoffStep::kForgetThreadLists);
    if (state.keepcaps) add(HandoffStep::kClearKeepCaps);
  }
  // Only where it differs: a fresh command's own exec set it from the same caller ids, but made it
  // 0 after a secure exec or for an execute-only ulexec (would_dump), where execve may give 1. The
  // dumpable window (OpenOwnProcFile) leaves a 2 as 0.
  const bool window_clears = plan->own_mem_in_dumpable_window && state.dumpable == 2;
  if ((window_clears ? 0 : state.dumpable) != plan->dumpable) add(HandoffStep::kSetDumpable);
  add(HandoffStep::kSetName);
  if (stack.executable) add(HandoffStep::kExecStack);
  const CredPlan& creds = plan->creds;
  if (creds.changes_ids) add(HandoffStep::kSetIds);
  if (creds.clears_ambient) add(HandoffStep::kClearAmbient);
  if (creds.changes_caps) add(HandoffStep::kSetCapabilities);
  if (creds.secure) add(HandoffStep::kClearDeathSignal);
  // Ops: the unmaps, vDSO moves, image moves, stack (4), prctl, AT_EXECFD, resets, credentials (at
  // most 44 in all), the entry frame, and a reset per signal, a close per descriptor and a delete
  // per timer.
  plan->handoff_max_ops = 45 + runs + 2 * plan->vdso.block.count + plan->close_fds.size() +
                          (state.fresh ? 0 : 1 + kMaxSignal + CountTimers(plan->timers));
  plan->handoff_payload = stack.copy_bytes() + 16 + 2 * sizeof(PrctlMmMap) + 2 * sizeof(crt::KernelSigaction) +
                          sizeof(crt::KernelSigaltstack) + 32 + sizeof(KernelCaps) + arch::kEntryFrameSize +
                          9 * size_t{16};  // + each piece's alignment
  // Just above mmap_base, with a page of gap (so that it does not look like part of the image
  // below): the program's top-down mmaps never go there, and its stack stays far above (the
  // kernel keeps RLIMIT_STACK and a guard gap free below the stack).
  // (Above an earlier ulexec's page, when this process was itself started by ulexec.)
  // In the legacy layout the mmaps go up from mmap_base instead: the area goes below it, under
  // the staging ranges (spec C16).
  const uint64_t area_size = Handoff::AreaSize(plan->handoff_max_ops, plan->handoff_payload);
  if (state.space.legacy) {
    plan->handoff_hint = alloc.Next(area_size);
    return;
  }
  uint64_t hint = state.space.mmap_base + kPageSize;
  for (int i = 0; i < 8 && OverlapsAnyMapping(state.maps, {hint, hint + area_size}); ++i) hint += 2 * kPageSize;
  plan->handoff_hint = hint;
}

}  // namespace

bool CheckArgumentSpace(std::string_view filename, std::span<const char* const> head, std::span<const char* const> tail,
                        size_t caller_argc, std::span<const char* const> envp, uint64_t rlimit_stack, Error& error) {
  uint64_t total = filename.size() + 1;
  const size_t argc = head.size() + tail.size();
  for (size_t i = 0; i < argc; ++i) {
    const uint64_t n = strlen(i < head.size() ? head[i] : tail[i - head.size()]) + 1;
    if (n > kMaxArgStrlen) return error.Fail(E2BIG, "argument ", i, " is longer than ", kMaxArgStrlen, " bytes");
    total += n;
  }
  if (argc == 0) total += 1;  // the "" the kernel puts in an empty argv (spec A9)
  for (size_t i = 0; i < envp.size(); ++i) {
    const uint64_t n = strlen(envp[i]) + 1;
    if (n > kMaxArgStrlen)
      return error.Fail(E2BIG, "environment entry ", i, " is longer than ", kMaxArgStrlen, " bytes");
    total += n;
  }
  const uint64_t strings = total;
  total += 8 * ((caller_argc ? caller_argc : 1) + envp.size());
  const uint64_t limit = ArgumentSpaceLimit(rlimit_stack);
  if (total > limit) {
    return error.Fail(E2BIG, "arguments and environment take ", total, " bytes; the limit is ", limit,
                      " (a quarter of RLIMIT_STACK, at most 6 MiB)");
  }
  // The kernel copies the strings below the stack's top word, growing the stack a page at a
  // time: a page past RLIMIT_STACK is E2BIG (acct_stack_growth; spec D2).
  if (PageAlign(strings + 8) > rlimit_stack) {
    return error.Fail(E2BIG, "arguments and environment take ", strings, " bytes, more pages than RLIMIT_STACK (",
                      rlimit_stack, " bytes)");
  }
  return true;
}

bool PlanExec(const Target& t, const ProcessState& state, const Randomness& random, ExecPlan* plan, Error& error) {
  *plan = ExecPlan{};
  // Resolve checked the caller's argv; #! lines add strings, which count too.
  if (t.argv_head.rewritten() && !CheckArgumentSpace(t.execfn, t.argv_head.view(), t.argv_tail(), t.argv.size(), t.envp,
                                                     state.rlimit_stack, error)) {
    return false;
  }
  // The credentials the file that runs gives: its set-id bits honoured where the process may
  // change to them, else ignored as on a nosuid mount (credentials.h; spec E13).
  plan->creds = PlanExecCreds(state.creds, t.exec_file);
  plan->dumpable = DumpableAfterExec(state.creds, state.suid_dumpable);
  plan->own_mem_in_dumpable_window = StartedSecure(state) && state.creds.permitted != 0 && state.creds.ambient == 0;
  if (!PlanExecFd(t, state, plan, error) || !PlaceImages(t, state, random, plan, error) ||
      !PlanStack(t, state, random, plan, error) || !PlanMmMap(t, state, random, plan, error)) {
    return false;
  }
  // The new personality, in force before the program is mapped, and page 0 (spec C13).
  plan->personality = PersonalityAfterExec(state.personality, plan->creds.clear_personality);
  plan->page_zero = PlanPageZero(plan->personality, state.page_zero);
  if (plan->page_zero.refuse) {
    return error.Fail(EPERM, "page 0 is sealed (MMAP_PAGE_ZERO) and the program must not have it");
  }
  Allocator alloc(state);
  PlanStaging(state, alloc, plan);
  PlanResets(t, state, plan);
  PlanHandoff(state, alloc, plan);
  return true;
}

const char* HandoffStepName(HandoffStep step) {
  constexpr const char* kNames[] = {"reset architecture state",
                                    "unmap everything else",
                                    "move the vDSO",
                                    "move images into place",
                                    "grow the stack",
                                    "clear old stack frames",
                                    "copy the new stack",
                                    "map page 0",
                                    "PR_SET_MM_MAP",
                                    "pass the open file (AT_EXECFD)",
                                    "close descriptors",
                                    "reset signals",
                                    "delete timers",
                                    "forget thread lists",
                                    "clear keepcaps",
                                    "set dumpable",
                                    "set the name",
                                    "make the stack executable",
                                    "set the ids",
                                    "clear the ambient set",
                                    "set the capabilities",
                                    "clear the death signal"};
  static_assert(std::size(kNames) == static_cast<size_t>(HandoffStep::kClearDeathSignal) + 1);
  return kNames[static_cast<size_t>(step)];
}

}  // namespace ulexec
