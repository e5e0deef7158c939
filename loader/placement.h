// Plan, part one (pure): where the kernel puts each image (spec C3-C7, C16) — ET_EXEC at its link
// address, a PIE at ELF_ET_DYN_BASE plus a random offset, a static-pie or an interpreter top-down
// from mmap_base (bottom-up in the legacy layout), 2 MiB-aligned where the kernel's
// thp_get_unmapped_area would do so — and the vDSO. The rule that chose each address is part of
// the answer, for --explain.
#pragma once

#include "elf-file.h"
#include "layout.h"
#include "process-state.h"

#include <cstdint>
#include <span>

namespace ulexec {

enum class BiasRule {
  kFixed,        // ET_EXEC: its link addresses (bias 0)
  kPieBase,      // ET_DYN with an interpreter: ELF_ET_DYN_BASE + random, aligned to p_align (C4)
  kTopDown,      // static-pie (aligned to p_align, C5) or interpreter (C6), below mmap_base
  kTopDownHuge,  // the same, 2 MiB-aligned as thp_get_unmapped_area places a large file mapping
  kBottomUp,     // the same in the legacy layout: the lowest free place above mmap_base (C16)
  kBottomUpHuge,  // that, 2 MiB-aligned upward (thp_get_unmapped_area)
};

const char* BiasRuleName(BiasRule rule);

struct Placement {
  uint64_t bias = 0;
  Range range;  // span_start + bias .. span_end + bias
  BiasRule rule = BiasRule::kFixed;
  bool random = false;  // the address depends on the random bytes (not only on mmap_base)
};

// An image and its place: what it maps is taken, the holes between its segments are not.
struct PlacedElf {
  const ElfFile* elf = nullptr;
  Range range;
};

// The program's place. `has_interp`: it has a PT_INTERP. `on_thp_fs`: see Target. `random`: any
// random 64-bit value.
Placement PlaceProgram(const ElfFile& elf, bool has_interp, bool on_thp_fs, const ProcessState& state, uint64_t random);

// The interpreter's place (an ET_EXEC interpreter stays at its link addresses). `program`: the
// program, placed, which the legacy layout's bottom-up search steps over.
Placement PlaceInterpreter(const ElfFile& elf, bool on_thp_fs, const ProcessState& state, const PlacedElf& program);

// Whether an image of this size on this file system gets a 2 MiB-aligned address.
bool HugeAligned(const ElfFile& elf, bool on_thp_fs, const ProcessState& state);

// The vDSO block's new place (spec C7): the highest place below mmap_base that no image's
// mapping takes (above the image placed top-down there if it fits, else below it, or in a hole
// between its segments); in the legacy layout the lowest such place above mmap_base (C16).
// `images`: the program and the interpreter, placed.
Range PlaceVdso(const ProcessState& state, std::span<const PlacedElf> images);

}  // namespace ulexec
