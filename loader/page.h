// Page arithmetic and overflow-checked address math.
#pragma once

#include <cstdint>

namespace ulexec {

constexpr uint64_t kPageSize = 4096;

constexpr uint64_t PageStart(uint64_t a) { return a & ~(kPageSize - 1); }
constexpr uint64_t PageOffset(uint64_t a) { return a & (kPageSize - 1); }
// Rounds up; values from a file are checked against overflow first (elf-file.cc).
constexpr uint64_t PageAlign(uint64_t a) { return (a + kPageSize - 1) & ~(kPageSize - 1); }
constexpr uint64_t AlignDown(uint64_t a, uint64_t align) { return a & ~(align - 1); }
constexpr uint64_t AlignUp(uint64_t a, uint64_t align) { return AlignDown(a + align - 1, align); }
constexpr bool IsPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }
constexpr bool AddOverflows(uint64_t a, uint64_t b, uint64_t* sum) { return __builtin_add_overflow(a, b, sum); }

}  // namespace ulexec
