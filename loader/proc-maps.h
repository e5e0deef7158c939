// Stage (pure): one line of /proc/self/maps.
//   7ffd5a3c1000-7ffd5a3e2000 rw-p 00000000 00:00 0                          [stack]
#pragma once

#include <crt/string.h>

#include <cstdint>
#include <string_view>

namespace ulexec {

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

}  // namespace ulexec
