// The thin layer that performs an image's mapping plan with system calls.
//
// Mapping is reversible until the point of no return: Unmap() removes everything. An image
// is mapped at a given address, never over anything (MAP_FIXED_NOREPLACE): its final address, or,
// when that is still occupied by something that goes away at the point of no return (a library
// host's own image, the old vDSO), a temporary one from which the hand-off moves it with mremap
// (ForEachMappedRun lists what to move).
#pragma once

#include "elf-file.h"
#include "error.h"

#include <cstdint>

namespace ulexec {

struct Mapping {
  uint64_t start = 0;  // where the image's span_start is mapped now
  uint64_t size = 0;   // span_end - span_start
  uint64_t bias() const { return start - file->span_start; }
  const ElfFile* file = nullptr;
};

// Maps every PT_LOAD of `file` from descriptor `fd` (spec C1, C2) with the image's span_start at
// `address`; zeroes partial bss pages of writable segments; leaves holes between segments
// unmapped, as the kernel does.
[[nodiscard]] bool MapSegments(int fd, const ElfFile& file, uint64_t address, Mapping* out, Error& error);

void Unmap(const Mapping& image);

// Calls f(offset, length) for each maximal run of the image (offsets from `start`) that is one
// mapping, in ascending order: the units mremap can move.
template <typename F>
void ForEachMappedRun(const Mapping& image, F&& f);

}  // namespace ulexec

#include "mapper-inl.h"
