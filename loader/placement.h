// Plan, part one (pure): where the kernel puts each image (spec C3-C7) — ET_EXEC at its link
// address, a PIE at ELF_ET_DYN_BASE plus a random offset, a static-pie or an interpreter top-down
// from mmap_base, 2 MiB-aligned where the kernel's thp_get_unmapped_area would do so — and the
// vDSO. The rule that chose each address is part of the answer, for --explain.
#pragma once

#include "elf-file.h"
#include "layout.h"
#include "process-state.h"

#include <cstdint>

namespace ulexec {

enum class BiasRule {
  kFixed,        // ET_EXEC: its link addresses (bias 0)
  kPieBase,      // ET_DYN with an interpreter: ELF_ET_DYN_BASE + random, aligned to p_align (C4)
  kTopDown,      // static-pie (aligned to p_align, C5) or interpreter (C6), below mmap_base
  kTopDownHuge,  // the same, 2 MiB-aligned as thp_get_unmapped_area places a large file mapping
};

const char* BiasRuleName(BiasRule rule);

struct Placement {
  uint64_t bias = 0;
  Range range;  // span_start + bias .. span_end + bias
  BiasRule rule = BiasRule::kFixed;
  bool random = false;  // the address depends on the random bytes (not only on mmap_base)
};

// The program's place. `has_interp`: it has a PT_INTERP. `on_thp_fs`: see Target. `random`: any
// random 64-bit value.
Placement PlaceProgram(const ElfFile& elf, bool has_interp, bool on_thp_fs, const ProcessState& state, uint64_t random);

// The interpreter's place (an ET_EXEC interpreter stays at its link addresses).
Placement PlaceInterpreter(const ElfFile& elf, bool on_thp_fs, const ProcessState& state);

// Whether an image of this size on this file system gets a 2 MiB-aligned address.
bool HugeAligned(const ElfFile& elf, bool on_thp_fs, const ProcessState& state);

// The vDSO block's new place: at the top of the mmap area if it fits above the images placed
// top-down there, else right below them (spec C7). `top_down`: the lowest start and highest end
// of those images, or an empty range at mmap_base.
Range PlaceVdso(const ProcessState& state, const Range& top_down);

}  // namespace ulexec
