// The signal masks of /proc/self/status (proc-status.h).
#include "proc-status.h"

#include <crt/string.h>

namespace ulexec {
namespace {

// The mask after `key` and blanks: all of the line's rest must be hex.
bool ParseMask(std::string_view line, std::string_view key, uint64_t* mask, bool* found) {
  if (!line.starts_with(key)) return true;
  line.remove_prefix(key.size());
  while (!line.empty() && (line.front() == '\t' || line.front() == ' ')) line.remove_prefix(1);
  *found = true;
  return crt::ParseHex(line, mask);
}

}  // namespace

bool ParseSignalMasks(std::string_view status, SignalMasks* out) {
  bool ignored = false, caught = false;
  *out = {};
  return crt::ForEachLine(status,
                          [&](std::string_view line) {
                            return ParseMask(line, "SigIgn:", &out->ignored, &ignored) &&
                                   ParseMask(line, "SigCgt:", &out->caught, &caught);
                          }) &&
         ignored && caught;
}

}  // namespace ulexec
