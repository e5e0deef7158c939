// Stage 3 (pure): where the kernel would put things in the new address space (spec C4, C5, C6,
// C10, C11, C12, C16). Randomness comes in as arguments, so the same inputs give the same layout.
#pragma once

#include "elf-file.h"

#include <cstdint>

namespace ulexec {

struct AddressSpace {
  bool randomize = true;      // PF_RANDOMIZE: no ADDR_NO_RANDOMIZE and randomize_va_space != 0
  bool randomize_brk = true;  // randomize_va_space == 2 as well
  uint64_t mmap_base = 0;     // top of the top-down mmap area; with `legacy`, bottom of the bottom-up one
  uint64_t stack_top = 0;     // end of [stack]
  bool legacy = false;        // the legacy bottom-up mmap layout (spec C16)
};

// mmap_base without randomization, from RLIMIT_STACK (spec C10).
uint64_t MmapBaseWithoutRandomization(uint64_t rlimit_stack_cur);

// ET_DYN with an interpreter (a PIE program): ELF_ET_DYN_BASE, plus a random offset below 2^40,
// aligned to the largest p_align (spec C4). `random` is any random 64-bit value.
uint64_t PieLoadBias(const ElfFile& file, bool randomize, uint64_t random);

// ET_DYN placed as mmap(NULL, span) would be, top-down with its span ending at or below `top`
// (a static-pie, spec C5, aligned to its largest p_align; an interpreter, spec C6, not aligned).
// `huge_aligned`: the file is on a file system whose mappings the kernel aligns to 2 MiB when
// they are that large (thp_get_unmapped_area: ext4, xfs): it maps 2 MiB more than asked,
// top-down, and starts at the first 2 MiB boundary inside.
uint64_t TopDownLoadBias(const ElfFile& file, uint64_t top, bool align, bool huge_aligned = false);

constexpr uint64_t kHugePageSize = uint64_t{2} << 20;

// The same in the legacy layout (spec C16): mmap(NULL, span) takes the lowest free address at or
// above the mmap base, `start` (found for BottomUpSearchSize bytes); with `huge_aligned`, up to
// the next 2 MiB boundary, as thp_get_unmapped_area does; with `align` (a static-pie), down to
// its largest p_align, as the kernel realigns that first mapping (which may go below the base).
uint64_t BottomUpLoadBias(const ElfFile& file, uint64_t start, bool align, bool huge_aligned = false);

// How many bytes BottomUpLoadBias needs free at `start`: the span, 2 MiB more where
// thp_get_unmapped_area pads its search.
uint64_t BottomUpSearchSize(const ElfFile& file, bool align, bool huge_aligned = false);

// The program break of the new program (spec C11): after the main image's bss, or at
// ELF_ET_DYN_BASE for an ET_DYN without interpreter; then randomized over 1 GiB.
uint64_t StartBrk(const ElfFile& main, uint64_t image_brk_end, bool has_interp, const AddressSpace& space,
                  uint64_t random);

// The E2BIG limit of execve for argument and environment strings (spec D2).
uint64_t ArgumentSpaceLimit(uint64_t rlimit_stack_cur);

}  // namespace ulexec
