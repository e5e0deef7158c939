// Fuzz target "elf": the input is a whole file. Its headers go through the stages as
// program-file.cc runs them: CheckElfHeader on the first 2 KiB, ReadProgramHeaders and
// CheckSegmentsInRole on the table as a program and as an interpreter, CheckInterpPath on the
// PT_INTERP bytes, then DescribeImage, PlanSegment on every PT_LOAD and the layout functions on
// each accepted result.
//
// Invariants (a violation aborts): a refusal has an errno and a message; an accepted file has a
// page-aligned, non-empty span inside the user address space; every segment plan lies inside
// that span (mapper.cc maps the pieces with MAP_FIXED into a reservation of exactly the span),
// is page-aligned, covers the segment and clears bytes only in a writable file page; the load
// biases are page-aligned and a top-down image ends at or below its top.
#include "elf-file.h"
#include "fuzz-check.h"
#include "image-plan.h"
#include "layout.h"
#include "page.h"
#include "role-errors.h"

#include <ulexec/arch/constants.h>

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace ulexec {
namespace {

constexpr size_t kHeadBytes = 2048;  // ProgramFile::kHeadBytes: what ReadHead reads first

void CheckPlan(const ElfFile& f, const Elf64_Phdr& ph) {
  const SegmentPlan s = PlanSegment(ph);
  const uint64_t first = PageStart(ph.p_vaddr), last = PageAlign(ph.p_vaddr + ph.p_memsz);
  FUZZ_CHECK(s.file_start <= s.file_end && s.zero_start <= s.zero_end && s.anon_start <= s.anon_end);
  if (s.file_end > s.file_start) {
    FUZZ_CHECK(ph.p_filesz != 0);
    FUZZ_CHECK(PageOffset(s.file_start) == 0 && PageOffset(s.file_end) == 0 && PageOffset(s.file_offset) == 0);
    FUZZ_CHECK(s.file_start == first && s.file_end <= last);
    FUZZ_CHECK(s.file_start >= f.span_start && s.file_end <= f.span_end);
    FUZZ_CHECK(s.file_offset + PageOffset(ph.p_vaddr) == ph.p_offset);
    FUZZ_CHECK(s.prot == ProtFromFlags(ph.p_flags));
  } else {
    FUZZ_CHECK(ph.p_filesz == 0);
  }
  if (s.zero_end > s.zero_start) {
    // mapper.cc memsets this range: it must be inside the writable file mapping.
    FUZZ_CHECK(s.zero_start >= s.file_start && s.zero_end == s.file_end);
    FUZZ_CHECK(s.zero_end - s.zero_start < kPageSize);
    FUZZ_CHECK((s.prot & PROT_WRITE) != 0);
  }
  if (s.anon_end > s.anon_start) {
    FUZZ_CHECK(PageOffset(s.anon_start) == 0 && PageOffset(s.anon_end) == 0);
    FUZZ_CHECK(s.anon_start >= f.span_start && s.anon_end <= f.span_end);
    FUZZ_CHECK(s.anon_start >= s.file_end || s.file_end == s.file_start);
    FUZZ_CHECK((s.anon_prot & (PROT_READ | PROT_WRITE)) == (PROT_READ | PROT_WRITE));
  }
  // Together the pieces cover the segment's pages.
  const uint64_t covered_start = s.file_end > s.file_start ? s.file_start : s.anon_start;
  const uint64_t covered_end = s.anon_end > s.anon_start ? s.anon_end : s.file_end;
  FUZZ_CHECK(covered_start == first && covered_end == last);
}

void CheckAccepted(const ElfFile& f, std::span<const std::byte> file, bool is_interpreter) {
  FUZZ_CHECK(f.phdrs.size() == f.ehdr.e_phnum);
  FUZZ_CHECK(f.span_start < f.span_end && f.span_end <= arch::kTaskSize);
  FUZZ_CHECK(PageOffset(f.span_start) == 0 && PageOffset(f.span_end) == 0);
  FUZZ_CHECK(IsPowerOfTwo(f.max_align) && f.max_align >= kPageSize);
  FUZZ_CHECK(f.first_load_vaddr >= f.span_start && f.first_load_vaddr < f.span_end);
  if (f.interp != nullptr) {
    FUZZ_CHECK(!is_interpreter);
    FUZZ_CHECK(f.interp >= f.phdrs.data() && f.interp < f.phdrs.data() + f.phdrs.size());
    FUZZ_CHECK(f.interp->p_type == PT_INTERP);
    FUZZ_CHECK(f.interp->p_offset <= file.size() && f.interp->p_filesz <= file.size() - f.interp->p_offset);
    FUZZ_CHECK(f.interp->p_filesz >= kMinInterpSize && f.interp->p_filesz <= kMaxInterpSize);
    Error error;
    if (!CheckInterpPath(file.subspan(f.interp->p_offset, f.interp->p_filesz), error)) fuzz::CheckRefusal(error);
  }
  if (is_interpreter || f.interp == nullptr) {
    // Control goes to e_entry: it is in a mapped page of the image.
    FUZZ_CHECK(f.ehdr.e_entry >= f.span_start && f.ehdr.e_entry < f.span_end);
  }
  for (const Elf64_Phdr& ph : f.phdrs) {
    if (ph.p_type == PT_LOAD && ph.p_memsz != 0) CheckPlan(f, ph);
  }

  const ImageFacts facts = DescribeImage(f);
  FUZZ_CHECK(PageOffset(facts.brk) == 0 && facts.brk >= f.span_end && facts.brk <= arch::kTaskSize);
  FUZZ_CHECK(facts.start_code <= facts.end_code || facts.end_code == 0);
  FUZZ_CHECK(facts.end_data <= arch::kTaskSize && facts.end_code <= arch::kTaskSize);

  // The layout functions over a few address spaces: rlimits 8 MiB, tiny and unlimited; random
  // values zero, all ones and one taken from the input.
  uint64_t mixed = 0x9e3779b97f4a7c15;
  for (size_t i = 0; i < file.size() && i < 64; ++i) mixed = (mixed ^ uint64_t(file[i])) * 0x100000001b3;
  const uint64_t rlimits[] = {8 << 20, 0, ~uint64_t{0}};
  const uint64_t randoms[] = {0, ~uint64_t{0}, mixed};
  for (uint64_t rlimit : rlimits) {
    const uint64_t top = MmapBaseWithoutRandomization(rlimit);
    FUZZ_CHECK(PageOffset(top) == 0 && top < arch::kTaskSize && top >= arch::kTaskSize / 6);
    const uint64_t limit = ArgumentSpaceLimit(rlimit);
    FUZZ_CHECK(limit >= 128 * 1024 && limit <= 6 << 20);
    for (bool align : {false, true}) {
      const uint64_t bias = TopDownLoadBias(f, top, align);
      FUZZ_CHECK(PageOffset(bias) == 0);
      const uint64_t span = f.span_end - f.span_start;
      if (span <= top) {
        FUZZ_CHECK(f.span_start + bias <= top - span && f.span_end + bias <= top);
        if (align) FUZZ_CHECK((f.span_start + bias) % f.max_align == 0);
      }
    }
    // The legacy layout (spec C16): at the first fit, or aligned down from it (a static-pie).
    for (bool align : {false, true}) {
      const uint64_t start = arch::kTaskUnmappedBase + (rlimit & 0xfffff000);
      const uint64_t bias = BottomUpLoadBias(f, start, align);
      FUZZ_CHECK(PageOffset(bias) == 0 && f.span_start + bias <= start);
      FUZZ_CHECK(align ? (f.span_start + bias) % f.max_align == 0 : f.span_start + bias == start);
    }
    for (uint64_t random : randoms) {
      for (bool randomize : {false, true}) {
        const uint64_t bias = f.is_dyn() ? PieLoadBias(f, randomize, random) : 0;
        FUZZ_CHECK(PageOffset(bias) == 0);
        AddressSpace space;
        space.randomize = space.randomize_brk = randomize;
        space.mmap_base = top;
        space.stack_top = arch::kStackTop;
        const uint64_t brk = StartBrk(f, facts.brk + bias, f.interp != nullptr, space, random);
        FUZZ_CHECK(PageOffset(brk) == 0);
      }
    }
  }
}

void Check(std::span<const std::byte> file, const Elf64_Ehdr& ehdr, std::span<const Elf64_Phdr> phdrs,
           bool is_interpreter) {
  ElfFile f;
  Error error;
  const Role role = is_interpreter ? Role::kInterpreter : Role::kProgram;
  if (!ReadProgramHeaders(ehdr, phdrs, file.size(), is_interpreter, &f, error) ||
      !CheckSegmentsInRole(f, file.size(), role, error)) {
    fuzz::CheckRefusal(error);
    return;
  }
  CheckAccepted(f, file, is_interpreter);
}

}  // namespace
}  // namespace ulexec

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ulexec;
  const std::span<const std::byte> file(reinterpret_cast<const std::byte*>(data), size);
  const std::span<const std::byte> head = file.first(size < kHeadBytes ? size : kHeadBytes);
  Elf64_Ehdr ehdr;
  Error error;
  if (!CheckElfHeader(head, size, &ehdr, error)) {
    fuzz::CheckRefusal(error);
    return 0;
  }
  FUZZ_CHECK(ehdr.e_phentsize == sizeof(Elf64_Phdr) && ehdr.e_phnum != 0);
  const uint64_t table_bytes = uint64_t{ehdr.e_phnum} * sizeof(Elf64_Phdr);
  FUZZ_CHECK(table_bytes <= kMaxPhdrBytes && ehdr.e_phoff <= size && table_bytes <= size - ehdr.e_phoff);
  // An aligned copy of the table, as LoadHeaders reads it when it is not aligned in the head.
  std::vector<Elf64_Phdr> phdrs(ehdr.e_phnum);
  memcpy(phdrs.data(), data + ehdr.e_phoff, table_bytes);
  Check(file, ehdr, phdrs, false);
  Check(file, ehdr, phdrs, true);
  return 0;
}
