// Stage (pure): /proc/self/maps lines, and what overlaps the mappings they list (proc-maps.h).
#include "proc-maps.h"

#include <crt/string.h>

namespace ulexec {

namespace {

std::string_view NextField(std::string_view& s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  const size_t sp = s.find(' ');
  const std::string_view f = crt::Slice(s, 0, sp);
  s = sp == std::string_view::npos ? std::string_view() : crt::Slice(s, sp);
  return f;
}

}  // namespace

bool ParseMapsLine(std::string_view line, MapsLine* out) {
  MapsLine m;
  if (!crt::ConsumeHex(line, &m.start) || line.empty() || line.front() != '-') return false;
  line.remove_prefix(1);
  if (!crt::ConsumeHex(line, &m.end)) return false;
  const std::string_view perms = NextField(line);
  if (perms.size() != 4) return false;
  for (size_t i = 0; i < 4; ++i) m.perms[i] = perms[i];
  NextField(line);  // offset
  NextField(line);  // device
  NextField(line);  // inode
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  m.name = line;
  *out = m;
  return true;
}

bool OverlapsAnyMapping(std::string_view maps, const Range& r, const Range& ignore) {
  bool overlaps = false;
  (void)ForEachMapsLine(maps, [&](const MapsLine& m) {
    const Range mapping{m.start, m.end};
    if (!ignore.Overlaps(mapping)) overlaps |= r.Overlaps(mapping);
  });
  return overlaps;
}

}  // namespace ulexec
