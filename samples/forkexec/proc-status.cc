// /proc/PID/stat and /proc/PID/status, parsed (proc-status.h).
#include "proc-status.h"

#include <crt/format.h>
#include <crt/string.h>
#include <crt/sys.h>

#include <fcntl.h>

namespace forkexec {
namespace {

// Reads /proc/PID/NAME into buf; the text read (empty when the process is gone).
std::string_view ReadProcFile(int pid, std::string_view name, char* buf, size_t cap) {
  char path[64];
  crt::FormatTo(path, sizeof path, "/proc/", pid, '/', name);
  auto fd = crt::sys::Open(path, O_RDONLY | O_CLOEXEC);
  if (!fd) return {};
  size_t len = 0;
  while (len < cap) {
    auto r = crt::sys::Read(fd.value(), buf + len, cap - len);
    if (!r || r.value() == 0) break;
    len += r.value();
  }
  (void)crt::sys::Close(fd.value());
  return {buf, len};
}

}  // namespace

char ParseStatState(std::string_view stat) {
  const size_t paren = stat.rfind(')');
  if (paren == std::string_view::npos || paren + 2 >= stat.size() || stat[paren + 1] != ' ') return 0;
  return stat[paren + 2];
}

bool ParseStatusSignals(std::string_view status, SignalSets* out) {
  struct Field {
    std::string_view key;
    uint64_t* value;
  } fields[] = {{"SigPnd:", &out->pending},  {"ShdPnd:", &out->shared_pending}, {"SigBlk:", &out->blocked},
                {"SigIgn:", &out->ignored}, {"SigCgt:", &out->caught}};
  int found = 0;
  crt::ForEachLine(status, [&](std::string_view line) {
    for (auto& f : fields) {
      if (crt::Slice(line, 0, f.key.size()) != f.key) continue;
      std::string_view value = crt::Slice(line, f.key.size());
      while (!value.empty() && (value[0] == '\t' || value[0] == ' ')) value.remove_prefix(1);
      if (crt::ParseHex(value, f.value)) ++found;
    }
    return true;
  });
  return found == 5;
}

std::string_view StateMeaning(char state) {
  switch (state) {
    case 'R': return "running";
    case 'S': return "sleeping";
    case 'D': return "in uninterruptible sleep";
    case 'T': return "stopped";
    case 't': return "stopped by a tracer";
    case 'Z': return "zombie: exited, not yet reaped";
    case 'X': return "dead";
    case 0: return "gone from /proc: reaped";
    default: return "other";
  }
}

char ReadState(int pid) {
  char buf[1024];
  const std::string_view stat = ReadProcFile(pid, "stat", buf, sizeof buf);
  return stat.empty() ? 0 : ParseStatState(stat);
}

bool ReadSignalSets(int pid, SignalSets* out) {
  char buf[4096];
  return ParseStatusSignals(ReadProcFile(pid, "status", buf, sizeof buf), out);
}

}  // namespace forkexec
