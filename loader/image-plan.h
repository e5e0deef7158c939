// Stage 2 (pure): what mapping an image means, in link addresses (add the load bias to place it).
//
// A PT_LOAD becomes, as in the kernel's elf_load() (spec C1, C2):
//
//   PageStart(vaddr)                 vaddr+filesz   PageAlign(vaddr+filesz)    PageAlign(vaddr+memsz)
//   |--------- file, MAP_PRIVATE, prot ---|-- zeroed --|------ anonymous, rw(x) ------|
//
// The zeroed tail is cleared only for a writable segment (the kernel's write into a read-only one
// fails and is ignored, so file bytes stay visible). A segment with p_filesz 0 is all anonymous.
#pragma once

#include "elf-file.h"

#include <cstdint>

namespace ulexec {

struct SegmentPlan {
  uint64_t file_start = 0, file_end = 0, file_offset = 0;  // file_start == file_end: none
  int prot = 0;
  uint64_t zero_start = 0, zero_end = 0;  // bytes to clear inside the last file page
  uint64_t anon_start = 0, anon_end = 0;  // anonymous pages
  int anon_prot = 0;
};

SegmentPlan PlanSegment(const Elf64_Phdr& phdr);

// The per-image values the kernel derives from the PT_LOAD headers (spec C11, C14, C15).
struct ImageFacts {
  uint64_t start_code = 0, end_code = 0;  // over executable segments
  uint64_t start_data = 0, end_data = 0;  // start_data: the highest p_vaddr (sic, spec C14)
  uint64_t brk = 0;                       // PageAlign of the highest vaddr + memsz
  uint64_t phdr_vaddr = 0;                // AT_PHDR before the bias; 0 when no PT_LOAD holds e_phoff
};

ImageFacts DescribeImage(const ElfFile& file);

// The mmap protection for p_flags.
int ProtFromFlags(uint32_t p_flags);

}  // namespace ulexec
