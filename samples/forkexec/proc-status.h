// What /proc says about a child: its state letter (/proc/PID/stat) and its signal sets
// (/proc/PID/status). The parsers are pure; Read* are the file reads.
#pragma once

#include <cstdint>
#include <string_view>

namespace forkexec {

struct SignalSets {
  uint64_t pending = 0;         // SigPnd: sent to this thread
  uint64_t shared_pending = 0;  // ShdPnd: sent to the process (kill)
  uint64_t blocked = 0;         // SigBlk
  uint64_t ignored = 0;         // SigIgn
  uint64_t caught = 0;          // SigCgt: a handler is installed
};

// The state field of /proc/PID/stat (after the last ')', since comm may hold anything); 0 if
// malformed.
char ParseStatState(std::string_view stat);
// The Sig* lines of /proc/PID/status; false unless all five are there.
bool ParseStatusSignals(std::string_view status, SignalSets* out);
// "running", "sleeping", "stopped", "zombie"...
std::string_view StateMeaning(char state);

// 0 when /proc/PID is gone (reaped).
char ReadState(int pid);
bool ReadSignalSets(int pid, SignalSets* out);

}  // namespace forkexec
