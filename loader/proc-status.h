// Stage (pure): the signal masks of /proc/self/status, one line each ("SigCgt:\t0000000000004a02"),
// bit n-1 for signal n: what an exec resets, read once instead of a sigaction query per signal.
#pragma once

#include <cstdint>
#include <string_view>

namespace ulexec {

struct SignalMasks {
  uint64_t ignored = 0;  // SigIgn: SIG_IGN
  uint64_t caught = 0;   // SigCgt: a handler
};

// False when either line is missing or malformed.
[[nodiscard]] bool ParseSignalMasks(std::string_view status, SignalMasks* out);

}  // namespace ulexec
