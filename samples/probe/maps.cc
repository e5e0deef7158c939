// Section `maps`: /proc/self/maps summarised by kind (spec C1-C12, E7). Each mapping of a file
// or a special region is listed relative to the first mapping with the same label: "image" for
// the main executable, "[stack]", "[vdso]", "[vvar]", "[heap]", or a file's basename. Anonymous
// memory directly after a file's mapping is that file's bss; other anonymous mappings are only
// counted, since where they land depends on ASLR.
#include "probe.h"

namespace probe {

void ReportMaps(const Context& ctx, crt::Writer& w) {
  if (!ctx.maps_ok) {
    w << "maps: unreadable\n";
    return;
  }
  w << "maps.count: " << ctx.map_count << '\n';
  w << "maps.order:";
  std::string_view last;
  for (size_t i = 0; i < ctx.map_count; ++i) {
    if (i > 0 && ctx.maps[i].label == last) continue;
    last = ctx.maps[i].label;
    w << ' ' << last;
  }
  w << '\n';

  size_t anon_count = 0;
  uint64_t anon_bytes = 0;
  bool heap = false;
  for (size_t i = 0; i < ctx.map_count; ++i) {
    const Mapping& m = ctx.maps[i];
    if (m.label == "anon") {
      ++anon_count;
      anon_bytes += m.end - m.start;
      w << "addr.maps.anon." << anon_count - 1 << ": " << crt::Hex{m.start} << '-' << crt::Hex{m.end} << ' '
        << m.perms << '\n';
      continue;
    }
    heap |= m.label == "[heap]";
    w << "maps." << m.label << '.' << m.index << ": " << Offset{static_cast<long long>(m.start - m.label_base)}
      << " size=" << crt::Hex{m.end - m.start} << ' ' << m.perms;
    if (m.bss) w << " bss";
    else if (!StartsWith(m.label, "[")) w << " off=" << crt::Hex{m.offset};
    w << '\n';
    w << "addr.maps." << m.label << '.' << m.index << ": " << crt::Hex{m.start} << '-' << crt::Hex{m.end} << '\n';
  }
  w << "maps.anon.count: " << anon_count << '\n';
  w << "maps.anon.bytes: " << crt::Hex{anon_bytes} << '\n';
  w << "maps.heap: " << (heap ? "present" : "absent") << '\n';
  w << "maps.sp_in: ";
  if (ctx.stack) w << ctx.stack->label << '\n';
  else w << "unmapped\n";
}

}  // namespace probe
