// Stage 3 (pure): where the kernel would put things in the new address space (layout.h).
#include "layout.h"

#include "page.h"

#include <ulexec/arch/constants.h>

namespace ulexec {
namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kStackGuardGap = 256 * kPageSize;  // stack_guard_gap, 1 MiB

}  // namespace

uint64_t MmapBaseWithoutRandomization(uint64_t rlimit_stack_cur) {
  const uint64_t min_gap = 128 * kMiB;
  const uint64_t max_gap = arch::kTaskSize / 6 * 5;
  uint64_t gap = rlimit_stack_cur;
  if (gap > max_gap || AddOverflows(gap, kStackGuardGap, &gap)) gap = max_gap;
  if (gap < min_gap) gap = min_gap;
  if (gap > max_gap) gap = max_gap;
  return PageAlign(arch::kTaskSize - gap);
}

uint64_t PieLoadBias(const ElfFile& file, bool randomize, uint64_t random) {
  uint64_t base = arch::kEtDynBase;
  if (randomize) base += (random & ((uint64_t{1} << arch::kMmapRndBits) - 1)) * kPageSize;
  base = AlignDown(base, file.max_align);
  return PageStart(base - file.first_load_vaddr);
}

uint64_t TopDownLoadBias(const ElfFile& file, uint64_t top, bool align, bool huge_aligned) {
  const uint64_t span = file.span_end - file.span_start;
  const uint64_t alignment = align ? file.max_align : kPageSize;
  if (huge_aligned && span >= kHugePageSize && alignment <= kHugePageSize) {
    const uint64_t padded = top - span - kHugePageSize;
    return (padded + kHugePageSize - 1) / kHugePageSize * kHugePageSize - file.span_start;
  }
  return AlignDown(top - span, alignment) - file.span_start;
}

uint64_t StartBrk(const ElfFile& main, uint64_t image_brk_end, bool has_interp, const AddressSpace& space,
                  uint64_t random) {
  const bool loader_like = main.is_dyn() && !has_interp;
  uint64_t brk = loader_like ? PageAlign(arch::kEtDynBase) : image_brk_end;
  if (space.randomize && space.randomize_brk) {
    if (!loader_like) brk += kPageSize;  // a gap between bss and brk
    brk = PageAlign(brk) + (random % (kGiB / kPageSize)) * kPageSize;
  }
  return brk;
}

uint64_t ArgumentSpaceLimit(uint64_t rlimit_stack_cur) {
  const uint64_t quarter = rlimit_stack_cur / 4;
  uint64_t limit = quarter < 6 * kMiB ? quarter : 6 * kMiB;
  if (limit < 128 * kKiB) limit = 128 * kKiB;
  return limit;
}

}  // namespace ulexec
