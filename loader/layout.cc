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

uint64_t Span(const ElfFile& file) { return file.span_end - file.span_start; }

uint64_t Alignment(const ElfFile& file, bool align) { return align ? file.max_align : kPageSize; }

// Whether thp_get_unmapped_area places this image: a large mapping of a file on a file system
// that asks for it, where p_align asks for no more than 2 MiB.
bool Huge(const ElfFile& file, bool align, bool huge_aligned) {
  return huge_aligned && Span(file) >= kHugePageSize && Alignment(file, align) <= kHugePageSize;
}

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
  const uint64_t span = Span(file);
  if (Huge(file, align, huge_aligned)) {
    const uint64_t padded = top - span - kHugePageSize;
    return AlignUp(padded, kHugePageSize) - file.span_start;
  }
  return AlignDown(top - span, Alignment(file, align)) - file.span_start;
}

uint64_t BottomUpLoadBias(const ElfFile& file, uint64_t start, bool align, bool huge_aligned) {
  if (Huge(file, align, huge_aligned)) start = AlignUp(start, kHugePageSize);
  return AlignDown(start, Alignment(file, align)) - file.span_start;
}

uint64_t BottomUpSearchSize(const ElfFile& file, bool align, bool huge_aligned) {
  return Span(file) + (Huge(file, align, huge_aligned) ? kHugePageSize : 0);
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
