// exec-plan: the whole exec as a value (placement rules, E2BIG/ENOMEM refusals, auxv, brk, the
// vDSO's place, descriptors and signals, hand-off steps), planned from ELF images built in memory
// and synthetic process states. Nothing is mapped or executed.
#include "elf-builder.h"
#include "exec-plan.h"
#include "page.h"

#include <ulexec/arch/constants.h>

#include <gtest/gtest.h>

#include <sys/personality.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <string>
#include <tuple>
#include <vector>

namespace ulexec::test {
namespace {

constexpr uint64_t kMmapBase = 0x7f0000000000;
constexpr uint64_t kStackTop = 0x7ffd00000000;
constexpr uint64_t kVdso = 0x7efffffe0000;  // [vvar] 4 pages, then [vdso] 2 pages, at mmap_base's end

uint64_t Aux(const ExecPlan& plan, uint64_t type) {
  for (const crt::AuxEntry& e : plan.auxv_list()) {
    if (e.type == type) return e.value;
  }
  ADD_FAILURE() << "no auxv entry " << type;
  return 0;
}

bool Has(const ExecPlan& plan, HandoffStep step) {
  const auto steps = plan.step_list();
  return std::find(steps.begin(), steps.end(), step) != steps.end();
}

class ExecPlanTest : public testing::Test {
 protected:
  ExecPlanTest() {
    maps_ = Line(kStackTop - 0x10000, kStackTop, "[stack]") + Line(kVdso, kVdso + 0x4000, "[vvar]") +
            Line(kVdso + 0x4000, kVdso + 0x6000, "[vdso]");
    auxv_ = {{AT_PHDR, 1}, {AT_PAGESZ, 4096}, {AT_ENTRY, 2}, {AT_SYSINFO_EHDR, kVdso + 0x4000}, {AT_RANDOM, 0}};
    state_.space = {true, true, kMmapBase, kStackTop};
    state_.stack = {kStackTop - 0x10000, kStackTop};
    state_.vdso.vmas[0] = {kVdso, kVdso + 0x4000};
    state_.vdso.vmas[1] = {kVdso + 0x4000, kVdso + 0x6000};
    state_.vdso.count = 2;
    state_.vdso.range = {kVdso, kVdso + 0x6000};
    state_.vdso_start = kVdso + 0x4000;
    state_.rlimit_stack = 8 << 20;
    state_.rlimit_data = ~uint64_t{0};
    random_.pie = 0x123456789;
    random_.brk = 0x5555;
    random_.pad = 0x777;
  }

  static std::string Line(uint64_t start, uint64_t end, const char* name) {
    char buf[128];
    snprintf(buf, sizeof buf, "%lx-%lx rw-p 00000000 00:00 0  %s\n", static_cast<unsigned long>(start),
             static_cast<unsigned long>(end), name);
    return buf;
  }

  // A program (and, if given, an interpreter) as Resolve would have found them.
  void Use(const ElfBuilder& program, const ElfBuilder* interpreter = nullptr) {
    Load(program, &program_image_, &program_, false);
    target_.program = &program_;
    if (interpreter) {
      Load(*interpreter, &interp_image_, &interp_, true);
      target_.interpreter = &interp_;
      target_.interp_path = "/lib64/ld-linux-x86-64.so.2";
    }
    target_.execfn = "/bin/prog";
    target_.comm = "a-rather-long-program-name";
    target_.argv = argv_;
    target_.envp = envp_;
    target_.argv_head.Start(target_.argv);
  }

  // The legacy layout (`setarch -L -R`, spec C16) as Observe finds it in a process whose own exec
  // chose it: the vDSO at TASK_UNMAPPED_BASE, the mmap area going up from there.
  void UseLegacyLayout() {
    const uint64_t base = arch::kTaskUnmappedBase;
    maps_ = Line(kStackTop - 0x10000, kStackTop, "[stack]") + Line(base, base + 0x4000, "[vvar]") +
            Line(base + 0x4000, base + 0x6000, "[vdso]");
    auxv_[3] = {AT_SYSINFO_EHDR, base + 0x4000};
    state_.vdso.vmas[0] = {base, base + 0x4000};
    state_.vdso.vmas[1] = {base + 0x4000, base + 0x6000};
    state_.vdso.range = {base, base + 0x6000};
    state_.vdso_start = base + 0x4000;
    state_.space.legacy = true;
    state_.space.mmap_base = base;
  }

  bool Plan() {
    state_.maps = maps_;
    state_.auxv = auxv_;
    error_ = Error();
    return PlanExec(target_, state_, random_, &plan_, error_);
  }

  static void Load(const ElfBuilder& b, CheckedImage* image, ProgramFile* file, bool interp) {
    *image = RunChecks(b.Build(), interp);
    ASSERT_TRUE(image->ok) << Describe(image->error);
    file->elf = image->elf;
    file->fd = interp ? 4 : 3;
    file->size = image->bytes.size();
  }

  std::vector<const char*> argv_ = {"prog", "one", "two"};
  std::vector<const char*> envp_ = {"HOME=/root", "PATH=/bin"};
  std::string maps_;
  std::vector<crt::AuxEntry> auxv_;
  CheckedImage program_image_, interp_image_;
  ProgramFile program_, interp_;
  Target target_;
  ProcessState state_;
  Randomness random_{};
  ExecPlan plan_;
  Error error_;
};

TEST_F(ExecPlanTest, EtExecStaysAtItsLinkAddress) {
  Use(ElfBuilder::Exec());
  ASSERT_TRUE(Plan()) << Describe(error_);
  ASSERT_EQ(plan_.image_count, 1u);
  EXPECT_EQ(plan_.images[0].place.rule, BiasRule::kFixed);
  EXPECT_EQ(plan_.images[0].place.bias, 0u);
  EXPECT_FALSE(plan_.images[0].place.random);
  EXPECT_EQ(plan_.entry, program_.elf.ehdr.e_entry);
  EXPECT_FALSE(plan_.images[0].aside);
  EXPECT_EQ(plan_.images[0].map_at, plan_.images[0].place.range.start);
}

TEST_F(ExecPlanTest, PieGoesToEtDynBasePlusRandomAndItsInterpreterTopDown) {
  const ElfBuilder interp = ElfBuilder::StaticPie();
  Use(ElfBuilder::Pie(), &interp);
  ASSERT_TRUE(Plan()) << Describe(error_);
  ASSERT_EQ(plan_.image_count, 2u);
  const Placement& main = plan_.images[0].place;
  EXPECT_EQ(main.rule, BiasRule::kPieBase);
  EXPECT_TRUE(main.random);
  EXPECT_EQ(main.bias, PieLoadBias(program_.elf, true, random_.pie));
  EXPECT_GE(main.bias, arch::kEtDynBase);
  const Placement& ld = plan_.images[1].place;
  EXPECT_EQ(ld.rule, BiasRule::kTopDown);
  EXPECT_EQ(ld.range.end, kMmapBase);  // a page-aligned span right below mmap_base
  // Control goes to the interpreter; AT_ENTRY names the program's entry, AT_BASE the interpreter.
  EXPECT_EQ(plan_.entry, interp_.elf.ehdr.e_entry + ld.bias);
  EXPECT_EQ(Aux(plan_, AT_ENTRY), program_.elf.ehdr.e_entry + main.bias);
  EXPECT_EQ(Aux(plan_, AT_BASE), ld.bias);
}

TEST_F(ExecPlanTest, WithoutRandomizationThePieBaseIsExact) {
  const ElfBuilder interp = ElfBuilder::StaticPie();
  Use(ElfBuilder::Pie(), &interp);
  state_.space.randomize = state_.space.randomize_brk = false;
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_FALSE(plan_.images[0].place.random);
  EXPECT_EQ(plan_.images[0].place.bias, PageStart(arch::kEtDynBase));
  EXPECT_FALSE(plan_.brk_random);
  EXPECT_EQ(plan_.stack.request.pad, 0u);
}

TEST_F(ExecPlanTest, LargeStaticPieOnAHugePageFileSystemIs2MiBAligned) {
  ElfBuilder b = ElfBuilder::StaticPie();
  b.load(2).p_memsz = 4 << 20;
  Use(b);
  target_.program_on_thp_fs = true;
  state_.thp = true;
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(plan_.images[0].place.rule, BiasRule::kTopDownHuge);
  EXPECT_EQ(plan_.images[0].place.bias % kHugePageSize, 0u);
  state_.thp = false;  // no transparent huge pages: the plain top-down rule
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(plan_.images[0].place.rule, BiasRule::kTopDown);
}

TEST_F(ExecPlanTest, VdsoGoesAboveTheTopDownImagesIfItFitsElseBelow) {
  Use(ElfBuilder::StaticPie());  // placed right below mmap_base: no room above it
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(plan_.vdso.final.end, plan_.images[0].place.range.start);
  EXPECT_EQ(plan_.vdso.final.size(), 0x6000u);
  // AT_SYSINFO_EHDR follows the [vdso] mapping to its new place.
  EXPECT_EQ(Aux(plan_, AT_SYSINFO_EHDR), plan_.vdso.final.start + 0x4000);
  Use(ElfBuilder::Exec());  // nothing top-down: the vDSO ends at mmap_base
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(plan_.vdso.final.end, kMmapBase);
}

TEST_F(ExecPlanTest, VdsoGoesIntoTheHighestHoleOfATopDownImageWhenNothingAboveIsFree) {
  ElfBuilder b = ElfBuilder::StaticPie();
  b.load(3).p_vaddr += 0x10000;  // a 64 KiB hole after the read-only data, as a 64 KiB p_align leaves
  Use(b);
  ASSERT_TRUE(Plan()) << Describe(error_);
  const Range& image = plan_.images[0].place.range;
  EXPECT_EQ(image.end, kMmapBase);
  EXPECT_EQ(plan_.vdso.final.end, image.start + 0x13000);  // the hole is [0x3000, 0x13000)
}

TEST_F(ExecPlanTest, LegacyLayoutPutsAStaticPieAtTheBaseAndTheVdsoRightAfterIt) {
  UseLegacyLayout();
  Use(ElfBuilder::StaticPie());
  ASSERT_TRUE(Plan()) << Describe(error_);
  const PlannedImage& main = plan_.images[0];
  EXPECT_EQ(main.place.rule, BiasRule::kBottomUp);
  EXPECT_STREQ(BiasRuleName(main.place.rule), "bottom-up from mmap_base (legacy layout)");
  EXPECT_EQ(main.place.range.start, arch::kTaskUnmappedBase);
  EXPECT_EQ(plan_.vdso.final.start, main.place.range.end);
  EXPECT_EQ(Aux(plan_, AT_SYSINFO_EHDR), main.place.range.end + 0x4000);
  // The old vDSO moves out of the way first; the image then maps in place.
  EXPECT_TRUE(plan_.vdso.early);
  EXPECT_FALSE(main.aside);
  // The hand-off area stays below the base, where the program's bottom-up mmaps never go.
  EXPECT_LT(plan_.handoff_hint, arch::kTaskUnmappedBase);
  // A hole in the image takes the vDSO, as the kernel's first fit does.
  ElfBuilder b = ElfBuilder::StaticPie();
  b.load(3).p_vaddr += 0x10000;
  Use(b);
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(plan_.vdso.final.start, arch::kTaskUnmappedBase + 0x3000);
}

TEST_F(ExecPlanTest, LegacyLayoutPutsTheInterpreterAtTheBaseAndThePieAtEtDynBase) {
  UseLegacyLayout();
  const ElfBuilder interp = ElfBuilder::StaticPie();
  Use(ElfBuilder::Pie(), &interp);
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(plan_.images[0].place.rule, BiasRule::kPieBase);
  const Placement& ld = plan_.images[1].place;
  EXPECT_EQ(ld.rule, BiasRule::kBottomUp);
  EXPECT_EQ(ld.range.start, arch::kTaskUnmappedBase);
  EXPECT_EQ(plan_.vdso.final.start, ld.range.end);
  EXPECT_EQ(Aux(plan_, AT_BASE), ld.bias);
  // The brk does not depend on the layout (C11).
  const uint64_t brk = plan_.brk;
  state_.space.legacy = false;
  state_.space.mmap_base = kMmapBase;
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(plan_.brk, brk);
}

TEST_F(ExecPlanTest, LegacyLayoutStepsOverAProgramWhereTheMmapAreaStarts) {
  UseLegacyLayout();
  const ElfBuilder interp = ElfBuilder::StaticPie();
  Use(ElfBuilder::Exec(), &interp);  // an ET_EXEC linked where the mmap area starts
  state_.space.mmap_base = 0x400000;
  ASSERT_TRUE(Plan()) << Describe(error_);
  const Range& program = plan_.images[0].place.range;
  ASSERT_EQ(program.start, 0x400000u);
  EXPECT_EQ(plan_.images[1].place.range.start, program.end);
  EXPECT_EQ(plan_.vdso.final.start, plan_.images[1].place.range.end);
}

TEST_F(ExecPlanTest, LargeStaticPieInTheLegacyLayoutGoesUpTo2MiBAndTheVdsoBelowIt) {
  UseLegacyLayout();
  ElfBuilder b = ElfBuilder::StaticPie();
  b.load(3).p_memsz += 0x300000;
  Use(b);
  target_.program_on_thp_fs = true;
  state_.thp = true;
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(plan_.images[0].place.rule, BiasRule::kBottomUpHuge);
  EXPECT_EQ(plan_.images[0].place.range.start, 0x2aaaaac00000u);
  EXPECT_EQ(plan_.vdso.final.start, arch::kTaskUnmappedBase);  // the padding below the image is free
}

TEST_F(ExecPlanTest, ImagesWhosePlaceIsTakenAreMappedAsideAndMovedByTheHandoff) {
  Use(ElfBuilder::Exec());
  maps_ += Line(0x400000, 0x401000, "/host");
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_TRUE(plan_.images[0].aside);
  EXPECT_NE(plan_.images[0].map_at, plan_.images[0].place.range.start);
  EXPECT_FALSE(plan_.images[0].place.range.Overlaps({plan_.images[0].map_at, plan_.images[0].map_at + 1}));
  EXPECT_TRUE(Has(plan_, HandoffStep::kMoveImages));
}

TEST_F(ExecPlanTest, BrkFollowsTheBssOrEtDynBaseAndIsRandomizedOver1GiB) {
  Use(ElfBuilder::Exec());
  ASSERT_TRUE(Plan()) << Describe(error_);
  const uint64_t bss_end = PageAlign(program_.elf.span_end);
  EXPECT_TRUE(plan_.brk_random);
  EXPECT_EQ(plan_.brk, bss_end + kPageSize + (random_.brk % (1 << 18)) * kPageSize);
  EXPECT_EQ(plan_.mm.start_brk, plan_.brk);
  EXPECT_EQ(plan_.mm.brk, plan_.brk);
  Use(ElfBuilder::StaticPie());  // an ET_DYN without interpreter: brk at ELF_ET_DYN_BASE
  state_.space.randomize_brk = false;
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(plan_.brk, PageAlign(arch::kEtDynBase));
}

TEST_F(ExecPlanTest, StackAndMmMapAgree) {
  Use(ElfBuilder::Exec());
  ASSERT_TRUE(Plan()) << Describe(error_);
  const StackPlan& s = plan_.stack;
  EXPECT_EQ(s.layout.sp % 16, 0u);
  EXPECT_EQ(s.copy_low, PageStart(s.layout.sp));
  EXPECT_EQ(s.request.stack_top - s.low, s.request.stack_top - PageStart(s.layout.arg_start) + 128 * 1024);
  EXPECT_EQ(plan_.mm.start_stack, s.layout.sp);
  EXPECT_EQ(plan_.mm.arg_start, s.layout.arg_start);
  EXPECT_EQ(plan_.mm.env_end, s.layout.env_end);
  EXPECT_EQ(plan_.mm.auxv, s.layout.auxv);
  EXPECT_EQ(plan_.mm.auxv_size, 16 * plan_.auxv_count);
  EXPECT_EQ(plan_.mm.exe_fd, 3u);
  EXPECT_EQ(s.request.argv.size(), 2u);  // the caller's argv after argv[0]
  EXPECT_EQ(s.request.argv_head.size(), 1u);
  EXPECT_EQ(s.request.pad, random_.pad % 8192);
  EXPECT_TRUE(s.grows);  // the [stack] found is smaller than the new one
  EXPECT_TRUE(Has(plan_, HandoffStep::kGrowStack));
}

TEST_F(ExecPlanTest, ArgumentsBeyondAQuarterOfTheStackLimitAreE2big) {
  Use(ElfBuilder::Exec());
  std::string big(100000, 'x');
  std::vector<const char*> env(30, big.c_str());  // 3 MB > 8 MiB / 4
  target_.envp = env;
  target_.argv_head.Rewrite("/bin/sh", nullptr, "/bin/prog");  // the check Plan makes after #!
  ASSERT_FALSE(Plan());
  EXPECT_EQ(error_.code, E2BIG) << Describe(error_);
}

TEST_F(ExecPlanTest, AStackImageWhosePagesExceedRlimitStackIsEfault) {
  // A13: the image's pages may fill RLIMIT_STACK exactly; a byte less and execve kills the
  // process past its point of no return (create_elf_tables' EFAULT).
  Use(ElfBuilder::Exec());
  ASSERT_TRUE(Plan()) << Describe(error_);
  const uint64_t pages = plan_.stack.copy_bytes();
  state_.rlimit_stack = pages;
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(plan_.stack.low, kStackTop - pages);  // the [stack] mapping: all RLIMIT_STACK allows
  state_.rlimit_stack = pages - 1;
  ASSERT_FALSE(Plan());
  EXPECT_EQ(error_.code, EFAULT) << Describe(error_);
}

TEST(CheckArgumentSpace, StringsWhosePagesExceedRlimitStackAreE2big) {
  // D2: the strings and the stack's top word, copied a page at a time, must fit RLIMIT_STACK's
  // pages: "/bin/prog" (10 bytes), "prog" (5) and PAD (n bytes with its NUL) take n + 23.
  const char* const argv[] = {"prog"};
  for (const auto& [n, limit, ok] : {std::tuple{4073, 4096, true}, std::tuple{4074, 4096, false},
                                     std::tuple{4073, 4095, false}, std::tuple{4074, 8192, true}}) {
    const std::string pad = "PAD=" + std::string(n - 5, 'x');
    const char* const envp[] = {pad.c_str()};
    Error error;
    EXPECT_EQ(CheckArgumentSpace("/bin/prog", {}, argv, 1, envp, limit, error), ok) << n << ' ' << limit;
    EXPECT_EQ(error.code, ok ? 0 : E2BIG);
  }
}

TEST_F(ExecPlanTest, ImagesLargerThanTheAddressSpaceBelowMmapBaseAreEnomem) {
  ElfBuilder b = ElfBuilder::StaticPie();
  b.load(2).p_memsz = kMmapBase;
  Use(b);
  ASSERT_FALSE(Plan());
  EXPECT_EQ(error_.code, ENOMEM) << Describe(error_);
}

TEST_F(ExecPlanTest, AnImageOverlappingTheStackIsEnomem) {
  ElfBuilder b = ElfBuilder::Exec();
  for (Elf64_Phdr& ph : b.phdrs()) {
    if (ph.p_type == PT_LOAD || ph.p_type == PT_PHDR) ph.p_vaddr += kStackTop - 0x400000 - 0x2000;
  }
  b.ehdr().e_entry += kStackTop - 0x400000 - 0x2000;
  Use(b);
  ASSERT_FALSE(Plan());
  EXPECT_EQ(error_.code, ENOMEM) << Describe(error_);
}

TEST_F(ExecPlanTest, DataBeyondRlimitDataIsEnomem) {
  Use(ElfBuilder::Exec());
  state_.rlimit_data = 0;
  ASSERT_FALSE(Plan());
  EXPECT_EQ(error_.code, ENOMEM) << Describe(error_);
}

TEST_F(ExecPlanTest, CaughtSignalsAreResetAndDirtyIgnoredOnesCleaned) {
  Use(ElfBuilder::Exec());
  state_.signals[SIGINT] = {0x401000, false};  // caught
  state_.signals[SIGPIPE] = {1, true};         // ignored, clean: stays
  state_.signals[SIGHUP] = {1, false};         // ignored, with flags: cleaned
  state_.signals[SIGTERM] = {0, false};        // default, with flags: cleaned
  const int fds[] = {5, 7};
  state_.cloexec_fds = fds;
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(plan_.signals[SIGINT], SignalReset::kDefault);
  EXPECT_EQ(plan_.signals[SIGPIPE], SignalReset::kKeep);
  EXPECT_EQ(plan_.signals[SIGHUP], SignalReset::kIgnore);
  EXPECT_EQ(plan_.signals[SIGTERM], SignalReset::kDefault);
  EXPECT_EQ(plan_.signals[SIGUSR1], SignalReset::kKeep);
  ASSERT_EQ(plan_.close_fds.size(), 2u);
  EXPECT_EQ(plan_.close_fds[1], 7);
  EXPECT_STREQ(plan_.comm, "a-rather-long-p");  // 15 bytes (spec E6)
}

TEST_F(ExecPlanTest, HandoffStepsComeInTheKernelsOrder) {
  Use(ElfBuilder::Exec());
  const int fds[] = {5};
  state_.cloexec_fds = fds;
  state_.timers = "ID: 3\nsignal: 14/0000000000000000\n";
  state_.keepcaps = true;
  state_.dumpable = 0;  // PR_SET_DUMPABLE 0 by the host
  ASSERT_TRUE(Plan()) << Describe(error_);
  const std::vector<HandoffStep> expected = {HandoffStep::kResetArch,        HandoffStep::kUnmapAllBut,
                                             HandoffStep::kGrowStack,        HandoffStep::kClearOldFrames,
                                             HandoffStep::kCopyStack,        HandoffStep::kSetMmMap,
                                             HandoffStep::kCloseDescriptors, HandoffStep::kResetSignals,
                                             HandoffStep::kDeleteTimers,     HandoffStep::kForgetThreadLists,
                                             HandoffStep::kClearKeepCaps,    HandoffStep::kSetDumpable,
                                             HandoffStep::kSetName};
  const auto steps = plan_.step_list();
  EXPECT_EQ(std::vector<HandoffStep>(steps.begin(), steps.end()), expected);
  for (HandoffStep s : steps) EXPECT_STRNE(HandoffStepName(s), "");
}

// binfmt_misc's O flag (docs/execve.md#D3): AT_EXECFD is the number Observe found, made by the
// hand-off over the close-on-exec descriptor that holds it, before the others close.
TEST_F(ExecPlanTest, ExecFdGoesToTheAuxvAndIsMadeInTheHandoff) {
  Use(ElfBuilder::Exec());
  const int fds[] = {3, 6};
  state_.cloexec_fds = fds;
  target_.execfd_file = 6;
  auto execfd_of = [&] {
    for (const crt::AuxEntry& e : plan_.auxv_list()) {
      if (e.type == AT_EXECFD) return static_cast<long>(e.value);
    }
    return -1L;
  };
  state_.execfd_number = 3;
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(execfd_of(), 3);
  EXPECT_EQ(plan_.execfd.number, 3);
  EXPECT_EQ(plan_.execfd.source, 6);
  const auto steps = plan_.step_list();
  const auto pass = std::find(steps.begin(), steps.end(), HandoffStep::kPassExecFd);
  ASSERT_NE(pass, steps.end());
  EXPECT_EQ(pass[1], HandoffStep::kCloseDescriptors);  // before the others close
  state_.execfd_number = -1;  // none below RLIMIT_NOFILE
  EXPECT_FALSE(Plan());
  EXPECT_EQ(error_.code, EMFILE);
  target_.execfd_file = -1;  // no O entry: no AT_EXECFD
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(execfd_of(), -1);
  EXPECT_FALSE(Has(plan_, HandoffStep::kPassExecFd));
}

TEST_F(ExecPlanTest, AFreshProcessSkipsTheResetsAndAnExecStackIsMadeExecutable) {
  ElfBuilder b = ElfBuilder::Exec();
  b.phdr(b.IndexOf(PT_GNU_STACK)).p_flags = PF_R | PF_W | PF_X;
  Use(b);
  state_.fresh = true;
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_FALSE(Has(plan_, HandoffStep::kResetSignals));
  EXPECT_FALSE(Has(plan_, HandoffStep::kForgetThreadLists));
  EXPECT_FALSE(Has(plan_, HandoffStep::kCloseDescriptors));  // none listed
  EXPECT_TRUE(Has(plan_, HandoffStep::kSetName));
  EXPECT_TRUE(plan_.stack.executable);
  EXPECT_EQ(plan_.step_list().back(), HandoffStep::kExecStack);
}

// E11: dumpable is set only where it differs from what execve gives: a command the kernel made
// non-dumpable (a secure exec; installed execute-only, AT_SECURE 0) sets 1; 2 where execve gives
// 2 (suid_dumpable, the caller's effective uid not its real one) stays; 1 stays.
TEST_F(ExecPlanTest, DumpableIsSetWhereItDiffersFromExecves) {
  Use(ElfBuilder::Exec());
  state_.fresh = true;
  state_.dumpable = 0;
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(plan_.dumpable, 1u);
  EXPECT_TRUE(Has(plan_, HandoffStep::kSetDumpable));
  state_.dumpable = 1;
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_FALSE(Has(plan_, HandoffStep::kSetDumpable));
  state_.creds.uid[Creds::kEffective] = 65534;
  state_.suid_dumpable = 2;
  state_.dumpable = 2;
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(plan_.dumpable, 2u);
  EXPECT_FALSE(Has(plan_, HandoffStep::kSetDumpable));
  auxv_.push_back({AT_SECURE, 1});  // a capability-carrying command: its /proc/self/mem window sets 0
  state_.creds.permitted = 1;
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_TRUE(plan_.own_mem_in_dumpable_window);
  EXPECT_TRUE(Has(plan_, HandoffStep::kSetDumpable));
  auxv_.pop_back();
  state_.creds.permitted = 0;
  state_.dumpable = 1;  // the host set 1 itself: only 0 can be set for 2
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_TRUE(Has(plan_, HandoffStep::kSetDumpable));
}

TEST_F(ExecPlanTest, PersonalityLosesReadImpliesExecAndMmapPageZeroMapsPageZero) {
  Use(ElfBuilder::Exec());
  state_.personality = READ_IMPLIES_EXEC | MMAP_PAGE_ZERO | UNAME26;
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(plan_.personality, static_cast<unsigned long>(MMAP_PAGE_ZERO | UNAME26));
  EXPECT_TRUE(Has(plan_, HandoffStep::kMapPageZero));
  EXPECT_FALSE(plan_.page_zero.keep);
  state_.page_zero = PageZeroNow::kSealed;  // the kernel's sealed page 0: kept, not mapped again
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_TRUE(plan_.page_zero.keep);
  EXPECT_FALSE(Has(plan_, HandoffStep::kMapPageZero));
  state_.personality = 0;  // sealed, but the program must not have it
  EXPECT_FALSE(Plan());
  EXPECT_EQ(error_.code, EPERM);
}

TEST_F(ExecPlanTest, RootRunningASetuidFileChangesCredentialsLastAndIsSecure) {
  Use(ElfBuilder::Exec());
  auxv_.push_back({AT_UID, 0});
  auxv_.push_back({AT_EUID, 0});
  auxv_.push_back({AT_SECURE, 0});
  state_.creds.permitted = state_.creds.effective = state_.creds.bounding = 0x1ffffffffff;
  state_.personality = ADDR_NO_RANDOMIZE;
  target_.exec_file = {65534, 0, S_IFREG | S_ISUID | 0755, false};
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(Aux(plan_, AT_UID), 0u);
  EXPECT_EQ(Aux(plan_, AT_EUID), 65534u);
  EXPECT_EQ(Aux(plan_, AT_SECURE), 1u);
  EXPECT_EQ(plan_.personality, 0u);  // PER_CLEAR_ON_SETID
  const auto steps = plan_.step_list();
  const std::vector<HandoffStep> last(steps.end() - 3, steps.end());
  EXPECT_EQ(last, (std::vector<HandoffStep>{HandoffStep::kSetIds, HandoffStep::kSetCapabilities,
                                            HandoffStep::kClearDeathSignal}));
  target_.exec_file.nosuid_mount = true;  // the bits ignored: nothing changes
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(Aux(plan_, AT_EUID), 0u);
  EXPECT_FALSE(Has(plan_, HandoffStep::kSetIds));
  EXPECT_EQ(plan_.personality, static_cast<unsigned long>(ADDR_NO_RANDOMIZE));
}

TEST_F(ExecPlanTest, TheHandoffAreaGoesAboveMmapBaseAndFitsTheStack) {
  Use(ElfBuilder::Exec());
  ASSERT_TRUE(Plan()) << Describe(error_);
  EXPECT_EQ(plan_.handoff_hint, kMmapBase + kPageSize);
  EXPECT_GE(plan_.handoff_payload, plan_.stack.copy_bytes());
  EXPECT_GE(plan_.handoff_max_ops, 32u + kMaxSignal);
}

TEST_F(ExecPlanTest, TheSamePlanForTheSameInputs) {
  const ElfBuilder interp = ElfBuilder::StaticPie();
  Use(ElfBuilder::Pie(), &interp);
  ASSERT_TRUE(Plan());
  const ExecPlan first = plan_;
  ASSERT_TRUE(Plan());
  EXPECT_EQ(first.images[0].place.bias, plan_.images[0].place.bias);
  EXPECT_EQ(first.stack.layout.sp, plan_.stack.layout.sp);
  EXPECT_EQ(0, memcmp(&first.mm, &plan_.mm, sizeof first.mm));
}

}  // namespace
}  // namespace ulexec::test
