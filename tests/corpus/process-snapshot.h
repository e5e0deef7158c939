// What a failed ulexec::ExecPath must leave as it was in the corpus test's own process: a snapshot
// of it taken before and after, and the differences between two.
#pragma once

#include <signal.h>

#include <cstddef>
#include <string>

namespace corpus {

// What must be the same before and after a failed ExecPath. Filled without allocating (the heap
// growing would show in the maps).
struct Snapshot {
  char maps[1 << 18];
  size_t maps_len;
  char fds[1 << 14];
  size_t fds_len;
  struct sigaction usr1;
  sigset_t mask;
  char comm[17];
  int personality, dumpable;
  char cwd[512];
};

// Fills `s` from /proc/self and the process's state, without allocating.
void Take(Snapshot* s);
// "" when `a` and `b` are the same, else what changed, with both versions.
std::string Differences(const Snapshot& a, const Snapshot& b);

}  // namespace corpus
