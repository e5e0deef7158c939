// What the loader needs to know about the calling process: its auxv, its [stack], the vDSO
// block, where the top-down mmap area starts, its limits and personality. Read once per exec from
// /proc/self/maps (and /proc/self/auxv when the caller does not pass its auxv).
#pragma once

#include "error.h"
#include "layout.h"
#include "proc-maps.h"

#include <crt/process.h>

#include <cstdint>
#include <span>
#include <string_view>

namespace ulexec {

struct Range {
  uint64_t start = 0, end = 0;
  bool Overlaps(const Range& o) const { return start < o.end && o.start < end; }
  uint64_t size() const { return end - start; }
};

struct ProcessState {
  std::span<const crt::AuxEntry> auxv;  // without AT_NULL
  Range stack;                          // the [stack] mapping
  Range vdso_block;                     // [vvar], [vvar_vclock], [vdso] together (empty if none)
  Range vdso_vmas[4];
  size_t vdso_vma_count = 0;
  uint64_t vdso_start = 0;              // the [vdso] mapping itself
  uint64_t highest_end = 0;             // over all mappings but [stack] and [vsyscall]
  uint64_t rlimit_stack = 0;            // RLIMIT_STACK soft limit
  uint64_t rlimit_data = 0;
  unsigned long personality = 0;
  AddressSpace space;
  std::string_view maps;                // the text of /proc/self/maps
};

// `auxv`: the caller's vector, or nullptr to read /proc/self/auxv. `own_image`: the caller's
// image when it is not in the mmap area (ignored for mmap_base), or an empty range.
[[nodiscard]] bool ReadProcessState(const crt::AuxEntry* auxv, const Range& own_image, ProcessState* state,
                                    Error& error);

// True if [r.start, r.end) overlaps any mapping listed in `maps` outside `ignore`.
bool OverlapsAnyMapping(std::string_view maps, const Range& r, const Range& ignore = {});

}  // namespace ulexec
