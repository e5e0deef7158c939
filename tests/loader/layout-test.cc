// layout: where the kernel puts things (spec C4, C5, C6, C10, C11, C12, C16) and the E2BIG limit (D2).
#include "elf-builder.h"
#include "layout.h"

#include <ulexec/arch/constants.h>

#include <gtest/gtest.h>

#include <random>

namespace ulexec::test {
namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;
constexpr uint64_t kGiB = 1024 * kMiB;
constexpr uint64_t kInfinity = ~uint64_t{0};  // RLIM_INFINITY

// Random values that reach the ends of every range: the extremes, then a fixed pseudo-random run.
std::vector<uint64_t> RandomValues() {
  std::vector<uint64_t> v = {0, 1, 0xfff, 0x1000, (uint64_t{1} << 28) - 1, uint64_t{1} << 28, (uint64_t{1} << 40) - 1,
                             kInfinity, kInfinity - 1, 0x8000000000000000};
  std::mt19937_64 gen(20240601);
  for (int i = 0; i < 2000; ++i) v.push_back(gen());
  return v;
}

class Layout : public testing::Test {
 protected:
  ElfFile Elf(const ElfBuilder& b) {
    images_.push_back(RunChecks(b.Build()));
    EXPECT_TRUE(images_.back().ok) << Describe(images_.back().error);
    return images_.back().elf;
  }
  std::vector<CheckedImage> images_;
};

TEST(MmapBase, WithoutRandomizationMatchesTheKernel) {
  // C10, observed with ASLR off.
  EXPECT_EQ(MmapBaseWithoutRandomization(8 * kMiB), 0x7ffff7fff000u);
  EXPECT_EQ(MmapBaseWithoutRandomization(kInfinity), 0x155555556000u);
}

TEST(MmapBase, GapIsClampedBetween128MiBAndFiveSixthsOfTaskSize) {
  const uint64_t top = arch::kTaskSize;
  const uint64_t guard = 1 * kMiB;
  EXPECT_EQ(MmapBaseWithoutRandomization(0), top - 128 * kMiB);
  EXPECT_EQ(MmapBaseWithoutRandomization(127 * kMiB), top - 128 * kMiB);  // 127 MiB + the guard
  EXPECT_EQ(MmapBaseWithoutRandomization(128 * kMiB), top - 128 * kMiB - guard);
  EXPECT_EQ(MmapBaseWithoutRandomization(1 * kGiB), top - kGiB - guard);
  EXPECT_EQ(MmapBaseWithoutRandomization(1 * kGiB + 1), top - kGiB - guard);  // PAGE_ALIGN rounds up
  // Beyond 5/6 of TASK_SIZE, and values whose sum with the guard gap overflows.
  EXPECT_EQ(MmapBaseWithoutRandomization(arch::kTaskSize), 0x155555556000u);
  EXPECT_EQ(MmapBaseWithoutRandomization(kInfinity - guard + 1), 0x155555556000u);
  for (uint64_t r : {0ul, 4096ul, 8 * kMiB + 1, 3 * kGiB + 5, uint64_t{1} << 46, kInfinity}) {
    SCOPED_TRACE(r);
    const uint64_t base = MmapBaseWithoutRandomization(r);
    EXPECT_EQ(base % 0x1000, 0u);
    EXPECT_GE(base, 0x155555556000u);
    EXPECT_LE(base, 0x7ffff7fff000u);
  }
}

TEST_F(Layout, PieBiasWithoutRandomization) {
  // C4/C12: 0x555555554000, or 0x555555400000 when a PT_LOAD asks for 2 MiB alignment.
  EXPECT_EQ(PieLoadBias(Elf(ElfBuilder::Pie()), false, 0x123456789), 0x555555554000u);
  auto b = ElfBuilder::Pie();
  b.load(1).p_align = 0x200000;
  EXPECT_EQ(PieLoadBias(Elf(b), false, 0), 0x555555400000u);
}

TEST_F(Layout, PieBiasIgnoresAlignmentsThatAreNotPowersOfTwo) {
  auto b = ElfBuilder::Pie();
  b.load(1).p_align = 0x300000;
  b.load(2).p_align = 3;
  EXPECT_EQ(PieLoadBias(Elf(b), false, 0), 0x555555554000u);
}

TEST_F(Layout, PieBiasSubtractsTheFirstVaddr) {
  // load_bias = PAGESTART(base - vaddr of the first PT_LOAD in table order).
  auto b = ElfBuilder::Pie();
  for (Elf64_Phdr& p : b.phdrs()) {
    if (p.p_type == PT_LOAD) p.p_vaddr += 0x10000;
  }
  EXPECT_EQ(PieLoadBias(Elf(b), false, 0), 0x555555544000u);
  // A first vaddr inside a page: the bias is rounded down to a page.
  auto u = ElfBuilder::Pie();
  u.load(0).p_vaddr = 0x10800;
  u.load(0).p_offset = 0x800;
  EXPECT_EQ(PieLoadBias(Elf(u), false, 0), 0x555555543000u);  // PageStart(0x555555543800)
  // Only the first PT_LOAD in table order counts, not the lowest.
  auto s = ElfBuilder::Pie();
  std::swap(s.load(0), s.load(3));
  EXPECT_EQ(PieLoadBias(Elf(s), false, 0), 0x555555550000u);  // PageStart(0x555555554000 - 0x3df0)
}

TEST_F(Layout, PieBiasWithRandomization) {
  // C4: bases in [0x555555554000, 0x565555554000), aligned, for every random input.
  auto b2m = ElfBuilder::Pie();
  b2m.load(1).p_align = 0x200000;
  const ElfFile small = Elf(ElfBuilder::Pie());
  const ElfFile large = Elf(b2m);
  uint64_t lowest = kInfinity, highest = 0;
  for (uint64_t r : RandomValues()) {
    SCOPED_TRACE(r);
    const uint64_t bias = PieLoadBias(small, true, r);
    EXPECT_GE(bias, 0x555555554000u);
    EXPECT_LT(bias, 0x565555554000u);
    EXPECT_EQ(bias % 0x1000, 0u);
    lowest = std::min(lowest, bias);
    highest = std::max(highest, bias);
    const uint64_t aligned = PieLoadBias(large, true, r);
    EXPECT_EQ(aligned % 0x200000, 0u);
    EXPECT_GE(aligned, 0x555555400000u);
    EXPECT_LT(aligned, 0x565555554000u);
    EXPECT_EQ(aligned, bias & ~uint64_t{0x1fffff});
  }
  EXPECT_EQ(lowest, 0x555555554000u);
  EXPECT_EQ(highest, 0x555555554000u + ((uint64_t{1} << 28) - 1) * 0x1000);
  // Only the low 28 bits of the random value count: the offset is a page multiple below 1 TiB.
  EXPECT_EQ(PieLoadBias(small, true, uint64_t{1} << 28), 0x555555554000u);
  EXPECT_EQ(PieLoadBias(small, true, 1), 0x555555555000u);
}

TEST_F(Layout, TopDownStaticPieEndsAtTheTop) {
  // C5/C12: a static-pie's image ends at mmap_base (0x7ffff7fff000 with ASLR off).
  const ElfFile f = Elf(ElfBuilder::StaticPie());
  const uint64_t top = 0x7ffff7fff000;
  const uint64_t bias = TopDownLoadBias(f, top, true);
  EXPECT_EQ(bias, top - 0x5000);
  EXPECT_EQ(bias + f.span_end, top);
  EXPECT_EQ(TopDownLoadBias(f, top, false), bias);
}

TEST_F(Layout, TopDownAlignsLargeFilesTo2MiBLikeThpGetUnmappedArea) {
  // A 3 MiB static-pie on ext4 with ASLR off: the kernel maps 5 MiB top-down from
  // 0x7ffff7fff000 and starts at the first 2 MiB boundary inside: 0x7ffff7c00000 (measured).
  auto b = ElfBuilder::StaticPie();
  b.load(1).p_memsz += 0x300000;  // the data segment gets a 3 MiB bss
  const ElfFile f = Elf(b);
  ASSERT_GE(f.span_end - f.span_start, 0x200000u);
  const uint64_t top = 0x7ffff7fff000;
  const uint64_t bias = TopDownLoadBias(f, top, true, true);
  EXPECT_EQ(bias + f.span_start, 0x7ffff7c00000u);
  EXPECT_LE(bias + f.span_end, top);
  // Not on such a file system, or smaller than 2 MiB: page-aligned right below the top.
  EXPECT_EQ(TopDownLoadBias(f, top, true, false) + f.span_end, top);
}

TEST_F(Layout, TopDownAlignsOnlyWhenAsked) {
  // C5: a static-pie honours a 2 MiB p_align; C6: an interpreter is placed page-aligned only.
  auto b = ElfBuilder::StaticPie();
  b.load(1).p_align = 0x200000;
  const ElfFile f = Elf(b);
  const uint64_t top = 0x7ffff7fff000;
  const uint64_t aligned = TopDownLoadBias(f, top, true);
  EXPECT_EQ(aligned, 0x7ffff7e00000u);
  EXPECT_LE(aligned + f.span_end, top);
  EXPECT_EQ(TopDownLoadBias(f, top, false), top - 0x5000);
}

TEST_F(Layout, BottomUpStartsAtTheBaseAndAlignsAsTheKernel) {
  // C16, measured under `setarch -L -R`: the legacy base is TASK_UNMAPPED_BASE; a small static-pie
  // starts there; with a 64 KiB p_align it is realigned down, below the base (0x2aaaaaaa0000);
  // a 3 MiB one on ext4 goes up to the next 2 MiB boundary (0x2aaaaac00000).
  const uint64_t base = arch::kTaskUnmappedBase;
  EXPECT_EQ(base, 0x2aaaaaaab000u);
  const ElfFile f = Elf(ElfBuilder::StaticPie());
  EXPECT_EQ(BottomUpLoadBias(f, base, true), base);
  EXPECT_EQ(BottomUpSearchSize(f, true), 0x5000u);
  auto aligned = ElfBuilder::StaticPie();
  aligned.load(1).p_align = 0x10000;
  const ElfFile a = Elf(aligned);
  EXPECT_EQ(BottomUpLoadBias(a, base, true), 0x2aaaaaaa0000u);
  EXPECT_EQ(BottomUpLoadBias(a, base, false), base);  // an interpreter is not realigned (C6)
  auto large = ElfBuilder::StaticPie();
  large.load(3).p_memsz += 0x300000;
  const ElfFile l = Elf(large);
  EXPECT_EQ(BottomUpLoadBias(l, base, true, true), 0x2aaaaac00000u);
  EXPECT_EQ(BottomUpSearchSize(l, true, true), l.span_end - l.span_start + kHugePageSize);
  EXPECT_EQ(BottomUpLoadBias(l, base, true, false), base);  // not on such a file system
  EXPECT_EQ(BottomUpSearchSize(l, true, false), l.span_end - l.span_start);
}

TEST_F(Layout, TopDownSpanStartsAtTheLowestPage) {
  // An ld.so linked at a nonzero address: the lowest page lands at top - span.
  auto b = ElfBuilder::StaticPie();
  for (Elf64_Phdr& p : b.phdrs()) {
    if (p.p_type == PT_LOAD) p.p_vaddr += 0x400000;
  }
  b.ehdr().e_entry += 0x400000;
  const ElfFile f = Elf(b);
  ASSERT_EQ(f.span_start, 0x400000u);
  const uint64_t top = 0x7ffff7fff000;
  const uint64_t bias = TopDownLoadBias(f, top, false);
  EXPECT_EQ(bias + f.span_start, top - 0x5000);
  EXPECT_EQ(bias + f.span_end, top);
}

TEST_F(Layout, TopDownIgnoresUnsortedTableOrder) {
  auto b = ElfBuilder::StaticPie();
  std::swap(b.load(0), b.load(3));
  const ElfFile f = Elf(b);
  EXPECT_EQ(TopDownLoadBias(f, 0x7ffff7fff000, false), 0x7ffff7fff000u - 0x5000);
}

TEST_F(Layout, StartBrkFollowsTheImageWithoutRandomization) {
  // C11/C12: non-PIE brk = PAGEALIGN(end of bss); the interpreter never matters.
  const ElfFile exec = Elf(ElfBuilder::Exec());
  const AddressSpace off{false, false, 0x7ffff7fff000, arch::kStackTop};
  EXPECT_EQ(StartBrk(exec, 0x407000, false, off, 12345), 0x407000u);
  const ElfFile pie = Elf(ElfBuilder::Pie());
  EXPECT_EQ(StartBrk(pie, 0x555555554000 + 0x5000, true, off, 12345), 0x555555559000u);
  // randomize_va_space == 1: the address space is randomized, brk is not.
  const AddressSpace no_brk{true, false, 0x7ffff7fff000, arch::kStackTop};
  EXPECT_EQ(StartBrk(exec, 0x407000, false, no_brk, 12345), 0x407000u);
}

TEST_F(Layout, StartBrkOfStaticPieMovesToEtDynBaseEvenWithoutRandomization) {
  // C11: an ET_DYN without interpreter gets brk at PAGEALIGN(ELF_ET_DYN_BASE) = 0x555555555000.
  const ElfFile f = Elf(ElfBuilder::StaticPie());
  const AddressSpace off{false, false, 0x7ffff7fff000, arch::kStackTop};
  EXPECT_EQ(StartBrk(f, 0x7ffff7fff000, false, off, 0), 0x555555555000u);
  // The same file as the program of a PIE with an interpreter keeps its brk after the image.
  EXPECT_EQ(StartBrk(f, 0x555555559000, true, off, 0), 0x555555559000u);
  const ElfFile exec = Elf(ElfBuilder::Exec());
  EXPECT_EQ(StartBrk(exec, 0x407000, false, off, 0), 0x407000u) << "ET_EXEC is never moved";
}

TEST_F(Layout, StartBrkWithRandomization) {
  // C11: one page of gap after the bss, then a uniform page in [x, x + 1 GiB).
  const ElfFile exec = Elf(ElfBuilder::Exec());
  const ElfFile spie = Elf(ElfBuilder::StaticPie());
  const AddressSpace on{true, true, 0x7ffff7fff000, arch::kStackTop};
  EXPECT_EQ(StartBrk(exec, 0x407000, false, on, 0), 0x408000u);
  EXPECT_EQ(StartBrk(exec, 0x407000, false, on, (kGiB >> 12) - 1), 0x408000u + kGiB - 0x1000);
  EXPECT_EQ(StartBrk(spie, 0, false, on, 0), 0x555555555000u);
  for (uint64_t r : RandomValues()) {
    SCOPED_TRACE(r);
    const uint64_t brk = StartBrk(exec, 0x407000, false, on, r);
    EXPECT_EQ(brk % 0x1000, 0u);
    EXPECT_GE(brk, 0x408000u);
    EXPECT_LT(brk, 0x408000u + kGiB);
    const uint64_t sbrk = StartBrk(spie, 0x7ffff7fff000, false, on, r);
    EXPECT_EQ(sbrk % 0x1000, 0u);
    EXPECT_GE(sbrk, 0x555555555000u);  // observed range [0x555555555000, 0x555595555000)
    EXPECT_LT(sbrk, 0x555595555000u);
  }
}

TEST(ArgumentSpaceLimit, MatchesTheKernel) {
  // D2: max(min(6 MiB, RLIMIT_STACK / 4), 128 KiB); checked to the byte at these three.
  EXPECT_EQ(ArgumentSpaceLimit(8 * kMiB), 2097152u);
  EXPECT_EQ(ArgumentSpaceLimit(kInfinity), 6291456u);
  EXPECT_EQ(ArgumentSpaceLimit(400 * kKiB), 131072u);
}

TEST(ArgumentSpaceLimit, Clamps) {
  EXPECT_EQ(ArgumentSpaceLimit(0), 128 * kKiB);
  EXPECT_EQ(ArgumentSpaceLimit(512 * kKiB), 128 * kKiB);
  EXPECT_EQ(ArgumentSpaceLimit(512 * kKiB + 4), 128 * kKiB + 1);
  EXPECT_EQ(ArgumentSpaceLimit(1 * kMiB), 256 * kKiB);
  EXPECT_EQ(ArgumentSpaceLimit(24 * kMiB), 6 * kMiB);
  EXPECT_EQ(ArgumentSpaceLimit(24 * kMiB + 4), 6 * kMiB);
  EXPECT_EQ(ArgumentSpaceLimit(1 * kGiB), 6 * kMiB);
}

}  // namespace
}  // namespace ulexec::test
