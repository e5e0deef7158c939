// The exec as five steps of values: Resolve, Observe, Plan, Stage, Commit (exec.h).
#include "exec.h"

#include "handoff-plan.h"
#include "host-checks.h"
#include "restorer-stub.h"
#include "rollback.h"
#include "static-buffers.h"

#include <crt/sys.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>

namespace ulexec {
namespace {

std::span<const char* const> Counted(const char* const* v) {
  size_t n = 0;
  while (v && v[n]) ++n;
  return {v, n};
}

// Observe, first part: the process's memory and limits, read before the program is opened so
// that /proc/self/maps needs no descriptor beside the loader's (a small RLIMIT_NOFILE, README).
bool ObserveMemory(const Options& options, ProcessState* state, Error& error) {
  const Range own_image{reinterpret_cast<uint64_t>(options.own_image_start),
                        reinterpret_cast<uint64_t>(options.own_image_end)};
  // --require-exe needs the capability sets (RequireExe): only /proc/self/status has them.
  // fresh_process alone does not vouch for the credentials: a host may have changed them.
  const bool plain_exec = options.credentials_as_execed && !options.require_exe;
  return ReadProcessState(reinterpret_cast<const crt::AuxEntry*>(options.auxv), own_image, plain_exec, state, error);
}

// Observe, the rest: what an exec resets, and what the files found by Resolve ask for.
bool ObserveResets(const Target& target, const Options& options, const Rollback& rollback, ProcessState* state,
                   Error& error) {
  constexpr size_t kOwn = sizeof rollback.own_fds / sizeof rollback.own_fds[0];
  int own_cloexec[kOwn];
  for (size_t i = 0; i < kOwn; ++i) own_cloexec[i] = rollback.own_fds[i];
  if (rollback.memfd_inherited) own_cloexec[0] = -1;  // the #! script's, for its interpreter
  if (!ReadResettableState(options.fresh_process, own_cloexec, state, error)) return false;
  // A set-id file needs the capability sets too; read now, with the files open: one descriptor
  // more than other programs need (README, "Known differences").
  if (state->creds.ids_only && IsSetId(target.exec_file.mode) && !ReadStatusCreds(state, error)) return false;
  if (target.execfd_file >= 0) state->execfd_number = LowestFdFreeAfterExec();
  state->thp = (target.program_on_thp_fs || target.interpreter_on_thp_fs) &&
               crt::sys::Faccessat(AT_FDCWD, "/sys/kernel/mm/transparent_hugepage", F_OK).ok();
  return true;
}

// Options::require_exe: PR_SET_MM_MAP's exe_fd needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN
// (docs/execve.md#G4), effective now (Observe read them: ProcessState::creds); refused here,
// before anything changes, without one.
bool RequireExe(const Options& options, const ProcessState& state, ExecPlan* plan, Error& error) {
  if (!options.require_exe) return true;
  constexpr unsigned kCapSysAdmin = 21, kCapCheckpointRestore = 40;
  const uint64_t effective = state.creds.effective;
  if ((effective >> kCapSysAdmin & 1) == 0 && (effective >> kCapCheckpointRestore & 1) == 0) {
    return error.Fail(EPERM, "/proc/self/exe cannot be set to the program: that needs CAP_CHECKPOINT_RESTORE (or "
                             "CAP_SYS_ADMIN), and --require-exe asks for it");
  }
  plan->exe_required = true;
  return true;
}

bool DrawRandomness(Randomness* random, Error& error) {
  if (auto r = crt::sys::Getrandom(random, sizeof *random, 0); !r || r.value() != sizeof *random) {
    return error.Fail(r.ok() ? EIO : r.error(), "getrandom failed");
  }
  return true;
}

// Resolve, Observe and Plan: everything that only reads.
bool Prepare(const Source& source, const char* const argv[], const char* const envp[], const Options& options,
             Rollback& rollback, DryRun* run, Error& error) {
  static const char* const kEmpty[] = {nullptr};
  const auto args = Counted(argv ? argv : kEmpty), env = Counted(envp ? envp : kEmpty);
  return ObserveMemory(options, &run->state, error) &&
         Resolve(source, args, env, options, run->state.rlimit_stack, rollback, &run->target, error) &&
         ObserveResets(run->target, options, rollback, &run->state, error) && DrawRandomness(&run->random, error) &&
         PlanExec(run->target, run->state, run->random, &run->plan, error) &&
         RequireExe(options, run->state, &run->plan, error);
}

// Stage: the plan's mappings, undoable (`rollback` owns each as it is made).
bool MapPlan(const ExecPlan& plan, unsigned long personality, Rollback& rollback, Error& error) {
  const VdsoPlan& vdso = plan.vdso;
  if (vdso.early && !MoveVdsoEarly(vdso.block, vdso.final.start, vdso.aside, &rollback.vdso, error)) return false;
  if (plan.personality != personality) {
    if (!crt::sys::Personality(plan.personality)) return error.Fail(EINVAL, "cannot set the personality");
    rollback.personality_changed = true;
    rollback.personality = personality;
  }
  for (size_t i = 0; i < plan.image_count; ++i) {
    const PlannedImage& image = plan.images[i];
    if (!MapSegments(image.file->fd, image.file->elf, image.map_at, &rollback.images[i], error)) return false;
  }
  return true;
}

// Stage, then Commit: the hand-off area, the last look (before_entry), the point of no return.
bool StageAndCommit(const DryRun& run, const Options& options, Rollback& rollback, Error& error) {
  const ExecPlan& plan = run.plan;
  if (!MapPlan(plan, run.state.personality, rollback, error)) return false;
  Handoff& handoff = rollback.handoff;
  if (!handoff.Create(plan.handoff_max_ops, plan.handoff_payload, plan.handoff_hint, error)) return false;
  const Range area{handoff.start(), handoff.start() + handoff.size()};
  bool clash = area.Overlaps(plan.vdso.final);
  for (const PlannedImage& image : plan.image_list()) clash |= area.Overlaps(image.place.range);
  if (clash) return error.Fail(ENOMEM, "no room for the hand-off area outside the new program's memory");
  const Range vdso_now = plan.vdso.early ? plan.vdso.final : plan.vdso.block.range;
  const std::byte* stack_copy = nullptr;
  // Only the command's own memory is known not to change since Observe: a library host's stack
  // may grow below the gap Observe saw, and a before_entry callback (run after the steps are
  // written) may map anything. Every gap is unmapped for them.
  const bool nothing_new = options.fresh_process && options.before_entry == nullptr;
  const std::string_view maps_seen = nothing_new ? run.state.maps : std::string_view{};
  if (!WriteHandoffSteps(plan, vdso_now, maps_seen, handoff, &stack_copy, error)) return false;
  // Where the program carries a signal restorer, the hand-off ends through it and leaves nothing.
  const uint64_t restorer = options.handoff_page ? 0 : PlantRestorerStub(plan, rollback.images, rollback.mask, handoff);

  const Target& t = run.target;
  const StackPlan& stack = plan.stack;
  const uint64_t bias = plan.images[0].place.bias;
  const EntryView view{t.elf_path,
                       t.execfn.data(),
                       t.interp_path,
                       plan.entry,
                       t.program->elf.ehdr.e_entry + bias,
                       bias,
                       t.interpreter ? plan.images[1].place.bias : 0,
                       stack.request.stack_top,
                       stack.layout.sp,
                       stack_copy,  // [sp, stack_top): the payload holds no more
                       stack.request.stack_top - stack.layout.sp,
                       plan.auxv_count,
                       restorer};
  if (options.before_entry && !options.before_entry(view, options.before_entry_context)) {
    return error.Fail(ECANCELED, "cancelled before the point of no return");
  }
  if (!options.fresh_process && !UnregisterRseq(&rollback.rseq_area, error)) return false;
  // The caller's mask, as it was before Exec() blocked everything (spec E2).
  if (!handoff.Seal(plan.entry, stack.layout.sp, rollback.mask, error)) return false;
  // -- The point of no return. --
  handoff.Enter();
}

}  // namespace

bool Exec(const Source& source, const char* const argv[], const char* const envp[], const Options& options,
          Error& error) {
  Rollback rollback;
  // No signal handler may run while the loader changes the process (a handler could call into
  // the vDSO as it moves); the entry frame restores the caller's mask (spec E2).
  const uint64_t all = ~uint64_t{0};
  if (crt::sys::RtSigprocmask(SIG_SETMASK, &all, &rollback.mask)) rollback.mask_changed = true;
  if (!options.fresh_process && (!CheckSingleThreaded(error) || !CheckOwnMemory(error))) return false;
  // Large (the plan holds the auxv, the state the signal table): static, and unconstructed
  // because Prepare assigns each part before it reads it (no guard, no second write).
  static Unconstructed<DryRun> run;
  return Prepare(source, argv, envp, options, rollback, &run.get(), error) &&
         StageAndCommit(run.get(), options, rollback, error);
}

int PlanOnly(const char* path, int fd, const char* const argv[], const char* const envp[], const Options& options,
             DryRun* dry_run, ulexec_error* out) {
  Error error;
  Source source;
  source.path = path;
  source.fd = path ? -1 : fd;
  {
    Rollback rollback;  // closes what Resolve opened
    if (Prepare(source, argv, envp, options, rollback, dry_run, error)) return 0;
  }
  if (out) *out = error;
  return -error.code;
}

}  // namespace ulexec
