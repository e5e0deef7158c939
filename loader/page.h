// Page arithmetic and overflow-checked address math.
#pragma once

#include <cstdint>

namespace ulexec {

constexpr uint64_t kPageSize = 4096;

constexpr uint64_t PageStart(uint64_t a) { return a & ~(kPageSize - 1); }
constexpr uint64_t PageOffset(uint64_t a) { return a & (kPageSize - 1); }
// Rounds up; callers check for overflow with PageAlignChecked where the input is untrusted.
constexpr uint64_t PageAlign(uint64_t a) { return (a + kPageSize - 1) & ~(kPageSize - 1); }
constexpr bool PageAlignChecked(uint64_t a, uint64_t* out) {
  if (a > ~uint64_t{0} - (kPageSize - 1)) return false;
  *out = PageAlign(a);
  return true;
}
constexpr uint64_t AlignDown(uint64_t a, uint64_t align) { return a & ~(align - 1); }
constexpr bool IsPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }
constexpr bool AddOverflows(uint64_t a, uint64_t b, uint64_t* sum) { return __builtin_add_overflow(a, b, sum); }

}  // namespace ulexec
