// image-plan: how a PT_LOAD is mapped (spec C1, C2) and the mm fields derived from the PT_LOADs
// (spec C11, C14, C15).
#include "elf-builder.h"
#include "image-plan.h"

#include <gtest/gtest.h>

#include <sys/mman.h>

namespace ulexec::test {
namespace {

TEST(ProtFromFlags, EachFlagMapsToItsProtection) {
  EXPECT_EQ(ProtFromFlags(0), PROT_NONE);
  EXPECT_EQ(ProtFromFlags(PF_R), PROT_READ);
  EXPECT_EQ(ProtFromFlags(PF_W), PROT_WRITE);
  EXPECT_EQ(ProtFromFlags(PF_X), PROT_EXEC);
  EXPECT_EQ(ProtFromFlags(PF_R | PF_X), PROT_READ | PROT_EXEC);
  EXPECT_EQ(ProtFromFlags(PF_R | PF_W | PF_X), PROT_READ | PROT_WRITE | PROT_EXEC);
  // Bits beyond R/W/X (PF_MASKOS, PF_MASKPROC) change nothing.
  EXPECT_EQ(ProtFromFlags(PF_R | 0x0ff00000 | 0xf0000000), PROT_READ);
}

TEST(PlanSegment, TextIsOneFileMapping) {
  const SegmentPlan s = PlanSegment(Phdr(PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x1234, 0x1234));
  EXPECT_EQ(s.file_start, 0x401000u);
  EXPECT_EQ(s.file_end, 0x403000u);
  EXPECT_EQ(s.file_offset, 0x1000u);
  EXPECT_EQ(s.prot, PROT_READ | PROT_EXEC);
  EXPECT_EQ(s.zero_start, s.zero_end);
  EXPECT_EQ(s.anon_start, s.anon_end);
}

TEST(PlanSegment, UnalignedVaddrMapsFromThePageStart) {
  // The file offset goes back by the same amount as the address (C1: p_offset - PAGEOFFSET(vaddr)).
  const SegmentPlan s = PlanSegment(Phdr(PT_LOAD, PF_R, 0x2df0, 0x3df0, 0x220, 0x220));
  EXPECT_EQ(s.file_start, 0x3000u);
  EXPECT_EQ(s.file_end, 0x5000u);
  EXPECT_EQ(s.file_offset, 0x2000u);
  EXPECT_EQ(s.prot, PROT_READ);
  EXPECT_EQ(s.zero_start, s.zero_end);
  EXPECT_EQ(s.anon_start, s.anon_end);
}

TEST(PlanSegment, DataWithBssInTheSamePage) {
  const SegmentPlan s = PlanSegment(Phdr(PT_LOAD, PF_R | PF_W, 0x3e10, 0x404e10, 0x100, 0x180));
  EXPECT_EQ(s.file_start, 0x404000u);
  EXPECT_EQ(s.file_end, 0x405000u);
  EXPECT_EQ(s.file_offset, 0x3000u);
  EXPECT_EQ(s.prot, PROT_READ | PROT_WRITE);
  // The rest of the last file page is cleared, not only up to vaddr + memsz (padzero).
  EXPECT_EQ(s.zero_start, 0x404f10u);
  EXPECT_EQ(s.zero_end, 0x405000u);
  EXPECT_EQ(s.anon_start, s.anon_end) << "no page beyond the file part";
}

TEST(PlanSegment, BssSpanningPages) {
  const SegmentPlan s = PlanSegment(Phdr(PT_LOAD, PF_R | PF_W, 0x3e10, 0x404e10, 0x100, 0x2100));
  EXPECT_EQ(s.file_start, 0x404000u);
  EXPECT_EQ(s.file_end, 0x405000u);
  EXPECT_EQ(s.file_offset, 0x3000u);
  EXPECT_EQ(s.zero_start, 0x404f10u);
  EXPECT_EQ(s.zero_end, 0x405000u);
  EXPECT_EQ(s.anon_start, 0x405000u);
  EXPECT_EQ(s.anon_end, 0x407000u);
  EXPECT_EQ(s.anon_prot, PROT_READ | PROT_WRITE);
}

TEST(PlanSegment, FileEndOnAPageBoundaryLeavesNothingToZero) {
  const SegmentPlan s = PlanSegment(Phdr(PT_LOAD, PF_R | PF_W, 0x3000, 0x404000, 0x1000, 0x3000));
  EXPECT_EQ(s.file_start, 0x404000u);
  EXPECT_EQ(s.file_end, 0x405000u);
  EXPECT_EQ(s.zero_end - s.zero_start, 0u);
  EXPECT_EQ(s.anon_start, 0x405000u);
  EXPECT_EQ(s.anon_end, 0x407000u);
}

TEST(PlanSegment, FileszZeroIsAllAnonymous) {
  const SegmentPlan s = PlanSegment(Phdr(PT_LOAD, PF_R | PF_W, 0x1234, 0x600010, 0, 0x3000));
  EXPECT_EQ(s.file_start, s.file_end) << "no file mapping";
  EXPECT_EQ(s.zero_start, s.zero_end);
  EXPECT_EQ(s.anon_start, 0x600000u);
  EXPECT_EQ(s.anon_end, 0x604000u);
  EXPECT_EQ(s.anon_prot, PROT_READ | PROT_WRITE);
}

TEST(PlanSegment, MemszZeroMapsNothing) {
  const SegmentPlan s = PlanSegment(Phdr(PT_LOAD, PF_R | PF_W, 0, 0x600000, 0, 0));
  EXPECT_EQ(s.file_start, s.file_end);
  EXPECT_EQ(s.zero_start, s.zero_end);
  EXPECT_EQ(s.anon_start, s.anon_end);
}

TEST(PlanSegment, ReadOnlySegmentWithBssIsNotZeroed) {
  // C2: the kernel's write into a read-only page fails and is ignored, so the file bytes past
  // p_filesz stay visible; the pages beyond are anonymous and rw- all the same.
  const SegmentPlan s = PlanSegment(Phdr(PT_LOAD, PF_R, 0x3000, 0x403000, 0x5d0, 0x2000));
  EXPECT_EQ(s.file_start, 0x403000u);
  EXPECT_EQ(s.file_end, 0x404000u);
  EXPECT_EQ(s.prot, PROT_READ);
  EXPECT_EQ(s.zero_start, 0u);
  EXPECT_EQ(s.zero_end, 0u);
  EXPECT_EQ(s.anon_start, 0x404000u);
  EXPECT_EQ(s.anon_end, 0x405000u);
  EXPECT_EQ(s.anon_prot, PROT_READ | PROT_WRITE);
}

TEST(PlanSegment, BssProtectionIgnoresReadAndWrite) {
  // C2: rw- plus x if PF_X, whatever PF_R and PF_W say.
  struct Case {
    uint32_t flags;
    int prot, anon_prot;
    bool zeroed;
  };
  const Case cases[] = {
      {0, PROT_NONE, PROT_READ | PROT_WRITE, false},
      {PF_R, PROT_READ, PROT_READ | PROT_WRITE, false},
      {PF_W, PROT_WRITE, PROT_READ | PROT_WRITE, true},
      {PF_X, PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC, false},
      {PF_R | PF_X, PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC, false},
      {PF_R | PF_W, PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE, true},
      {PF_R | PF_W | PF_X, PROT_READ | PROT_WRITE | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.flags);
    const SegmentPlan s = PlanSegment(Phdr(PT_LOAD, c.flags, 0x1000, 0x401000, 0x800, 0x3000));
    EXPECT_EQ(s.prot, c.prot);
    EXPECT_EQ(s.anon_start, 0x402000u);
    EXPECT_EQ(s.anon_end, 0x404000u);
    EXPECT_EQ(s.anon_prot, c.anon_prot);
    EXPECT_EQ(s.zero_end - s.zero_start, c.zeroed ? 0x800u : 0u);
    // An anonymous-only segment gets the same protection.
    const SegmentPlan a = PlanSegment(Phdr(PT_LOAD, c.flags, 0, 0x401000, 0, 0x1000));
    EXPECT_EQ(a.anon_prot, c.anon_prot);
  }
}

ElfFile CheckedElf(const ElfBuilder& b, CheckedImage* keep) {
  *keep = RunChecks(b.Build());
  EXPECT_TRUE(keep->ok) << Describe(keep->error);
  return keep->elf;
}

TEST(DescribeImage, Exec) {
  CheckedImage c;
  const ImageFacts f = DescribeImage(CheckedElf(ElfBuilder::Exec(), &c));
  EXPECT_EQ(f.start_code, 0x401000u);
  EXPECT_EQ(f.end_code, 0x402234u);
  EXPECT_EQ(f.start_data, 0x404e10u);  // the highest p_vaddr (C14)
  EXPECT_EQ(f.end_data, 0x404f10u);    // the highest vaddr + filesz
  EXPECT_EQ(f.brk, 0x407000u);         // PageAlign(vaddr + memsz) of the bss (C11)
  EXPECT_EQ(f.phdr_vaddr, 0x400040u);  // the first load holds e_phoff 0x40 (C15)
}

TEST(DescribeImage, Pie) {
  CheckedImage c;
  const ImageFacts f = DescribeImage(CheckedElf(ElfBuilder::Pie(), &c));
  EXPECT_EQ(f.start_code, 0x1000u);
  EXPECT_EQ(f.end_code, 0x11a5u);
  EXPECT_EQ(f.start_data, 0x3df0u);
  EXPECT_EQ(f.end_data, 0x4010u);
  EXPECT_EQ(f.brk, 0x5000u);
  EXPECT_EQ(f.phdr_vaddr, 0x40u);
}

TEST(DescribeImage, StartDataIsTheHighestVaddrEvenOfCode) {
  // C14 (sic): start_data is the maximum p_vaddr over all PT_LOADs, executable or not.
  auto b = ElfBuilder::Exec();
  b.Append(Phdr(PT_LOAD, PF_R | PF_X, 0x1000, 0x800000, 0x40, 0x40));
  CheckedImage c;
  const ImageFacts f = DescribeImage(CheckedElf(b, &c));
  EXPECT_EQ(f.start_code, 0x401000u);
  EXPECT_EQ(f.end_code, 0x800040u);
  EXPECT_EQ(f.start_data, 0x800000u);
  EXPECT_EQ(f.end_data, 0x800040u);
  EXPECT_EQ(f.brk, 0x801000u);
}

TEST(DescribeImage, CodeRangeOverSeveralExecutableLoadsInAnyOrder) {
  auto b = ElfBuilder::Exec();
  b.load(2).p_flags |= PF_X;  // rodata 0x403000-0x4035d0 becomes code too
  std::swap(b.phdr(1), b.phdr(2));
  CheckedImage c;
  const ImageFacts f = DescribeImage(CheckedElf(b, &c));
  EXPECT_EQ(f.start_code, 0x401000u);
  EXPECT_EQ(f.end_code, 0x4035d0u);
}

TEST(DescribeImage, EndsUseFileszAndBrkUsesMemsz) {
  auto b = ElfBuilder::Exec();
  b.load(1).p_memsz = 0x5000;  // text with a tail of zeros: end_code still stops at filesz
  CheckedImage c;
  const ImageFacts f = DescribeImage(CheckedElf(b, &c));
  EXPECT_EQ(f.end_code, 0x402234u);
  EXPECT_EQ(f.end_data, 0x404f10u);
  EXPECT_EQ(f.brk, 0x407000u);
}

TEST(DescribeImage, BrkEndsAtTheHighestSegmentNotTheLast) {
  auto b = ElfBuilder::Exec();
  std::swap(b.phdr(0), b.phdr(3));
  CheckedImage c;
  EXPECT_EQ(DescribeImage(CheckedElf(b, &c)).brk, 0x407000u);
}

TEST(DescribeImage, NoLoadHoldsThePhdrTable) {
  // C15: AT_PHDR is then the load bias, i.e. 0 before the bias is added.
  auto b = ElfBuilder::Exec();
  b.load(0).p_filesz = b.load(0).p_memsz = sizeof(Elf64_Ehdr);  // ends exactly at e_phoff
  CheckedImage c;
  EXPECT_EQ(DescribeImage(CheckedElf(b, &c)).phdr_vaddr, 0u);
}

TEST(DescribeImage, PhdrTableOutsideEveryLoad) {
  auto b = ElfBuilder::Exec();
  b.ehdr().e_phoff = 0x4000;  // past the data segment's file range (0x3e10-0x3f10)
  CheckedImage c;
  EXPECT_EQ(DescribeImage(CheckedElf(b, &c)).phdr_vaddr, 0u);
}

TEST(DescribeImage, PhdrInALaterLoad) {
  auto b = ElfBuilder::Exec();
  b.ehdr().e_phoff = 0x3e20;  // inside the data segment's file range
  CheckedImage c;
  EXPECT_EQ(DescribeImage(CheckedElf(b, &c)).phdr_vaddr, 0x404e20u);
}

TEST(DescribeImage, PtPhdrIsIgnored) {
  auto b = ElfBuilder::Pie();
  b.phdr(b.IndexOf(PT_PHDR)).p_vaddr = 0x9000;
  CheckedImage c;
  EXPECT_EQ(DescribeImage(CheckedElf(b, &c)).phdr_vaddr, 0x40u);
}

TEST(DescribeImage, LastLoadHoldingThePhdrTableWins) {
  // load_elf_binary keeps overwriting phdr_addr for every PT_LOAD whose file range holds e_phoff.
  auto b = ElfBuilder::Exec();
  b.Append(Phdr(PT_LOAD, PF_R, 0, 0x800000, 0x1000, 0x1000));
  CheckedImage c;
  EXPECT_EQ(DescribeImage(CheckedElf(b, &c)).phdr_vaddr, 0x800040u);
}

TEST(DescribeImage, NoExecutableLoad) {
  // A PIE's code may be all in the interpreter's hands; no PF_X load leaves the code range empty.
  auto b = ElfBuilder::Pie();
  for (Elf64_Phdr& p : b.phdrs()) p.p_flags &= ~uint32_t{PF_X};
  CheckedImage c;
  const ImageFacts f = DescribeImage(CheckedElf(b, &c));
  EXPECT_EQ(f.start_code, 0u);
  EXPECT_EQ(f.end_code, 0u);
  EXPECT_EQ(f.start_data, 0x3df0u);
}

}  // namespace
}  // namespace ulexec::test
