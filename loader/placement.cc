// Plan, part one (pure): where each image and the vDSO go, and which rule chose it (placement.h).
#include "placement.h"

#include "mapper.h"

namespace ulexec {
namespace {

Placement At(const ElfFile& elf, uint64_t bias, BiasRule rule, bool random) {
  return {bias, {elf.span_start + bias, elf.span_end + bias}, rule, random};
}

// The lowest address at or above `base` (bottom-up, the legacy layout, spec C16), or the highest
// end at or below it (top-down), where `size` bytes meet none of the ranges for_each_taken(f)
// calls f with: get_unmapped_area in an mm that holds nothing else there during an exec.
template <typename ForEachTaken>
uint64_t FirstFit(uint64_t base, uint64_t size, bool bottom_up, ForEachTaken&& for_each_taken) {
  uint64_t at = bottom_up ? base : base - size;
  for (bool moved = true; moved;) {
    moved = false;
    for_each_taken([&](const Range& r) {
      if (r.Overlaps({at, at + size})) {
        at = bottom_up ? r.end : r.start - size;
        moved = true;
      }
    });
  }
  return at;
}

// Calls f(Range) for each mapping the images make: the holes between segments stay free.
template <typename F>
void ForEachTaken(std::span<const PlacedElf> images, F&& f) {
  for (const PlacedElf& image : images) {
    ForEachMappedRun(Mapping{image.range.start, image.range.size(), image.elf}, [&](uint64_t offset, uint64_t length) {
      f(Range{image.range.start + offset, image.range.start + offset + length});
    });
  }
}

// An ET_DYN that the kernel places with mmap(NULL, span): `align` for a static-pie (C5), not for
// an interpreter (C6); top-down below mmap_base, or bottom-up above it in the legacy layout.
Placement MmapPlaced(const ElfFile& elf, bool align, bool huge, const ProcessState& state,
                     std::span<const PlacedElf> taken) {
  const uint64_t base = state.space.mmap_base;
  if (state.space.legacy) {
    const uint64_t start =
        FirstFit(base, BottomUpSearchSize(elf, align, huge), true, [&](auto&& f) { ForEachTaken(taken, f); });
    return At(elf, BottomUpLoadBias(elf, start, align, huge), huge ? BiasRule::kBottomUpHuge : BiasRule::kBottomUp,
              false);
  }
  return At(elf, TopDownLoadBias(elf, base, align, huge), huge ? BiasRule::kTopDownHuge : BiasRule::kTopDown, false);
}

}  // namespace

const char* BiasRuleName(BiasRule rule) {
  switch (rule) {
    case BiasRule::kFixed:
      return "ET_EXEC: its link address";
    case BiasRule::kPieBase:
      return "PIE: ELF_ET_DYN_BASE + random offset";
    case BiasRule::kTopDown:
      return "top-down from mmap_base";
    case BiasRule::kTopDownHuge:
      return "top-down from mmap_base, 2 MiB-aligned (thp_get_unmapped_area)";
    case BiasRule::kBottomUp:
      return "bottom-up from mmap_base (legacy layout)";
    case BiasRule::kBottomUpHuge:
      return "bottom-up from mmap_base (legacy layout), 2 MiB-aligned (thp_get_unmapped_area)";
  }
  return "?";
}

bool HugeAligned(const ElfFile& elf, bool on_thp_fs, const ProcessState& state) {
  return on_thp_fs && state.thp && elf.span_end - elf.span_start >= kHugePageSize;
}

Placement PlaceProgram(const ElfFile& elf, bool has_interp, bool on_thp_fs, const ProcessState& state,
                       uint64_t random) {
  const AddressSpace& space = state.space;
  if (elf.ehdr.e_type == ET_EXEC) return At(elf, 0, BiasRule::kFixed, false);
  if (has_interp) return At(elf, PieLoadBias(elf, space.randomize, random), BiasRule::kPieBase, space.randomize);
  // (The 2 MiB alignment applies only where p_align asks for no more.)
  const bool huge = HugeAligned(elf, on_thp_fs, state) && elf.max_align <= kHugePageSize;
  return MmapPlaced(elf, true, huge, state, {});
}

Placement PlaceInterpreter(const ElfFile& elf, bool on_thp_fs, const ProcessState& state, const PlacedElf& program) {
  if (!elf.is_dyn()) return At(elf, 0, BiasRule::kFixed, false);
  return MmapPlaced(elf, false, HugeAligned(elf, on_thp_fs, state), state, {&program, 1});
}

Range PlaceVdso(const ProcessState& state, std::span<const PlacedElf> images) {
  const Range& now = state.vdso.range;
  const uint64_t size = now.size();
  if (size == 0) return now;
  const uint64_t start =
      FirstFit(state.space.mmap_base, size, state.space.legacy, [&](auto&& f) { ForEachTaken(images, f); });
  return {start, start + size};
}

}  // namespace ulexec
