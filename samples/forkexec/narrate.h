// forkexec's narration: each line stamped with the time since start and the pid that prints it,
// and written in one write, so that the lines of the parent and of its children never interleave.
#pragma once

#include <crt/format.h>

#include <cstdint>

namespace forkexec {

// Records the start of the run (CLOCK_MONOTONIC, which a forked child shares).
void StartClock();
// Nanoseconds since StartClock().
uint64_t ElapsedNs();
// "[   12.345 ms] 4242 ": the time stamp and the calling process's pid.
void Stamp(crt::Writer& w);

struct Millis {  // nanoseconds shown as milliseconds with three decimals
  uint64_t ns;
};
crt::Writer& operator<<(crt::Writer& w, Millis m);

template <typename... Parts>
void Say(const Parts&... parts) {
  char buf[1024];
  crt::Writer w(1, buf, sizeof buf);
  Stamp(w);
  (w << ... << parts);
  w << '\n';
}

}  // namespace forkexec
