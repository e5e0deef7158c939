// Stage (pure): one line of /proc/self/maps, and what overlaps the mappings it lists.
//   7ffd5a3c1000-7ffd5a3e2000 rw-p 00000000 00:00 0                          [stack]
#pragma once

#include <crt/string.h>

#include <cstdint>
#include <string_view>

namespace ulexec {

// An address range [start, end).
struct Range {
  uint64_t start = 0, end = 0;
  bool Overlaps(const Range& o) const { return start < o.end && o.start < end; }
  uint64_t size() const { return end - start; }
};

struct MapsLine {
  uint64_t start = 0, end = 0;
  char perms[5] = {};
  std::string_view name;  // path, [stack], [vdso], ... or empty
};

[[nodiscard]] bool ParseMapsLine(std::string_view line, MapsLine* out);

// Calls f(const MapsLine&) for each well-formed line of `text`; returns false on a malformed one.
template <typename F>
bool ForEachMapsLine(std::string_view text, F&& f) {
  return crt::ForEachLine(text, [&](std::string_view line) {
    MapsLine m;
    if (line.empty()) return true;
    if (!ParseMapsLine(line, &m)) return false;
    f(m);
    return true;
  });
}

// True if `r` overlaps any mapping listed in `maps` outside `ignore`.
bool OverlapsAnyMapping(std::string_view maps, const Range& r, const Range& ignore = {});

}  // namespace ulexec
