// Plan, part one (pure): where each image and the vDSO go, and which rule chose it (placement.h).
#include "placement.h"

namespace ulexec {
namespace {

Placement At(const ElfFile& elf, uint64_t bias, BiasRule rule, bool random) {
  return {bias, {elf.span_start + bias, elf.span_end + bias}, rule, random};
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
  // (TopDownLoadBias aligns to 2 MiB only where p_align asks for no more.)
  const bool huge = HugeAligned(elf, on_thp_fs, state) && elf.max_align <= kHugePageSize;
  return At(elf, TopDownLoadBias(elf, space.mmap_base, true, huge), huge ? BiasRule::kTopDownHuge : BiasRule::kTopDown,
            false);
}

Placement PlaceInterpreter(const ElfFile& elf, bool on_thp_fs, const ProcessState& state) {
  if (!elf.is_dyn()) return At(elf, 0, BiasRule::kFixed, false);
  const bool huge = HugeAligned(elf, on_thp_fs, state);
  return At(elf, TopDownLoadBias(elf, state.space.mmap_base, false, huge),
            huge ? BiasRule::kTopDownHuge : BiasRule::kTopDown, false);
}

Range PlaceVdso(const ProcessState& state, const Range& top_down) {
  const Range& now = state.vdso.range;
  const uint64_t size = now.size();
  if (size == 0) return now;
  const uint64_t end = state.space.mmap_base - top_down.end >= size ? state.space.mmap_base : top_down.start;
  return {end - size, end};
}

}  // namespace ulexec
