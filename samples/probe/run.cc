// The probe's driver: picks the sections (`--sections=a,b,...` as the first argument; every
// argument is still reported as argv), gathers the shared context and prints the sections in a
// fixed order to stdout through one buffer.
#include "probe.h"

#include <crt/string.h>

namespace probe {
namespace {

struct Section {
  std::string_view name;
  void (*report)(const Context&, crt::Writer&);
};

// Report order. The sections only read state, except that rseq registers and unregisters an area
// and task sets umask back to what it was: both come after everything they could disturb.
constexpr Section kSections[] = {
    {"regs", ReportRegs},       {"args", ReportArgs},     {"env", ReportEnv},       {"auxv", ReportAuxv},
    {"image", ReportImage},     {"stack", ReportStack},   {"signals", ReportSignals}, {"fds", ReportFds},
    {"maps", ReportMaps},       {"smaps", ReportSmaps},   {"proc", ReportProc},     {"brk", ReportBrk},       {"task", ReportTask},
    {"personality", ReportPersonality}, {"canary", ReportCanary}, {"rseq", ReportRseq},
};
constexpr size_t kSectionCount = sizeof kSections / sizeof kSections[0];

constinit Context g_context;
char g_out[64 * 1024];

// Parses "a,b,c" into `selected`; false (with a message) for an unknown name.
bool SelectSections(std::string_view list, bool (&selected)[kSectionCount]) {
  for (auto& s : selected) s = false;
  while (!list.empty()) {
    size_t comma = 0;
    while (comma < list.size() && list[comma] != ',') ++comma;
    const std::string_view name(list.data(), comma);
    list.remove_prefix(comma < list.size() ? comma + 1 : comma);
    bool found = false;
    for (size_t i = 0; i < kSectionCount; ++i) {
      if (kSections[i].name == name) selected[i] = found = true;
    }
    if (!found) {
      crt::Writer err(2);
      err << "probe: unknown section " << Quoted{name} << "; sections are:";
      for (const auto& s : kSections) err << ' ' << s.name;
      err << '\n';
      return false;
    }
  }
  return true;
}

}  // namespace

int Run(const long* sp, const EntryState* entry, std::string_view variant) {
  Context& ctx = g_context;
  ctx.sp = sp;
  ctx.process = crt::ParseInitialStack(sp);
  ctx.entry = entry;
  ctx.variant = variant;

  bool selected[kSectionCount];
  for (auto& s : selected) s = true;
  std::string_view list = "all";
  constexpr std::string_view kFlag = "--sections=";
  if (ctx.process.argc >= 2 && StartsWith(crt::View(ctx.process.argv[1]), kFlag)) {
    list = crt::View(ctx.process.argv[1]);
    list.remove_prefix(kFlag.size());
    if (!SelectSections(list, selected)) return 2;
  }

  // Before any output: /proc/self/maps as the program found it.
  const bool maps_ok = LoadContext(ctx);

  crt::Writer out(1, g_out, sizeof g_out);
  out << "probe.variant: " << variant << '\n';
  out << "probe.sections: " << list << '\n';
  if (!maps_ok) out << "probe.warning: /proc/self/maps unreadable\n";
  for (size_t i = 0; i < kSectionCount; ++i) {
    if (selected[i]) kSections[i].report(ctx, out);
  }
  return out.Flush() ? 0 : 1;
}

}  // namespace probe

extern "C" int probe_run_libc(char** argv, const char* variant) {
  // The C library passed main the kernel's argv: argc sits just below it.
  return probe::Run(reinterpret_cast<const long*>(argv) - 1, nullptr, crt::View(variant));
}
