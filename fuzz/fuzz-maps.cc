// Fuzz target "maps": /proc/self/maps text. The input is parsed as lines with ForEachMapsLine
// and, whole, with ParseMapsLine; then a line is formatted from the input as the kernel's
// show_map_vma() prints one ("%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu ", then, when there is
// a name, blanks to column 73 and the name) and must parse back to the same fields.
//
// Invariants (a violation aborts): an accepted line's name is empty or a suffix of the line
// without leading blanks, its perms are the four characters after the range; a kernel-format line
// round-trips.
#include "fuzz-check.h"
#include "proc-maps.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace {

void CheckParsed(std::string_view line, const ulexec::MapsLine& m) {
  FUZZ_CHECK(m.perms[4] == '\0' && strlen(m.perms) <= 4);
  if (!m.name.empty()) {
    FUZZ_CHECK(m.name.data() >= line.data() && m.name.data() + m.name.size() == line.data() + line.size());
    FUZZ_CHECK(m.name.front() != ' ');
  }
  const std::string_view perms(m.perms, 4);
  FUZZ_CHECK(line.find(perms) != std::string_view::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ulexec;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ulexec::MapsLine m;
  if (ParseMapsLine(text, &m)) CheckParsed(text, m);
  size_t lines = 0;
  (void)ForEachMapsLine(text, [&](const MapsLine& l) {
    FUZZ_CHECK(l.name.find('\n') == std::string_view::npos);
    FUZZ_CHECK(l.name.empty() ||
               (l.name.data() >= text.data() && l.name.data() + l.name.size() <= text.data() + text.size()));
    ++lines;
  });
  FUZZ_CHECK(lines <= size);

  // The round trip.
  FuzzedDataProvider in(data, size);
  const uint64_t start = in.ConsumeIntegral<uint64_t>(), end = in.ConsumeIntegral<uint64_t>();
  const uint64_t offset = in.ConsumeIntegral<uint64_t>(), inode = in.ConsumeIntegral<uint64_t>();
  const unsigned major = in.ConsumeIntegralInRange<unsigned>(0, 4095), minor = in.ConsumeIntegral<uint8_t>();
  char perms[5] = {in.ConsumeBool() ? 'r' : '-', in.ConsumeBool() ? 'w' : '-', in.ConsumeBool() ? 'x' : '-',
                   in.ConsumeBool() ? 's' : 'p', '\0'};
  std::string name = in.ConsumeRandomLengthString(300);
  for (char& c : name) {
    if (c == '\n' || c == '\0') c = '?';  // the kernel escapes a newline in a path as "\012"
  }
  if (!name.empty() && name[0] == ' ') name[0] = '/';  // paths start with '/', others with '['
  char buf[512];
  int n = snprintf(buf, sizeof buf, "%08" PRIx64 "-%08" PRIx64 " %s %08" PRIx64 " %02x:%02x %" PRIu64 " ", start, end,
                   perms, offset, major, minor, inode);
  FUZZ_CHECK(n > 0 && static_cast<size_t>(n) < sizeof buf);
  std::string line(buf, static_cast<size_t>(n));
  if (!name.empty()) {
    if (line.size() < 73) line.append(73 - line.size(), ' ');
    line += name;
  }
  MapsLine r;
  FUZZ_CHECK(ParseMapsLine(line, &r));
  FUZZ_CHECK(r.start == start && r.end == end && memcmp(r.perms, perms, 5) == 0 && r.name == name);
  return 0;
}
