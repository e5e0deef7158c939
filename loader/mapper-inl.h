// Template part of mapper.h.
#pragma once

#include "image-plan.h"

namespace ulexec {
namespace internal {

// Calls f(start, end) in link addresses for each mapping PlanSegment asks for.
template <typename F>
void ForEachPiece(const ElfFile& file, F&& f) {
  for (const Elf64_Phdr& ph : file.phdrs) {
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    const SegmentPlan s = PlanSegment(ph);
    if (s.file_end > s.file_start) f(s.file_start, s.file_end);
    if (s.anon_end > s.anon_start) f(s.anon_start, s.anon_end);
  }
}

inline bool Covered(const ElfFile& file, uint64_t addr) {
  bool covered = false;
  ForEachPiece(file, [&](uint64_t s, uint64_t e) { covered |= (addr >= s && addr < e); });
  return covered;
}

// The smallest piece boundary above `addr`, or span_end.
inline uint64_t NextBoundary(const ElfFile& file, uint64_t addr) {
  uint64_t next = file.span_end;
  ForEachPiece(file, [&](uint64_t s, uint64_t e) {
    if (s > addr && s < next) next = s;
    if (e > addr && e < next) next = e;
  });
  return next;
}

// Calls f(start, end) for each run between consecutive boundaries; `covered` says whether a
// piece maps it.
template <typename F>
void ForEachRun(const ElfFile& file, F&& f) {
  for (uint64_t at = file.span_start; at < file.span_end;) {
    const uint64_t next = NextBoundary(file, at);
    f(at, next, Covered(file, at));
    at = next;
  }
}

}  // namespace internal

template <typename F>
void ForEachMappedRun(const Mapping& image, F&& f) {
  internal::ForEachRun(*image.file, [&](uint64_t s, uint64_t e, bool covered) {
    if (covered) f(s - image.file->span_start, e - s);
  });
}

}  // namespace ulexec
