// Time stamps and pids for forkexec's lines (narrate.h).
#include "narrate.h"

#include <crt/sys.h>

#include <time.h>

namespace forkexec {
namespace {

uint64_t g_start_ns = 0;

uint64_t NowNs() {
  struct timespec ts {};
  (void)crt::sys::ClockGettime(CLOCK_MONOTONIC, &ts);  // cannot fail for CLOCK_MONOTONIC
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000 + static_cast<uint64_t>(ts.tv_nsec);
}

// Right-aligns `v` in `width` columns.
void Padded(crt::Writer& w, uint64_t v, int width) {
  char digits[24];
  const int n = static_cast<int>(crt::FormatTo(digits, sizeof digits, v).size());
  for (int i = n; i < width; ++i) w << ' ';
  w << digits;
}

// ".042": the thousandths `frac` (0..999).
crt::Writer& ThreeDecimals(crt::Writer& w, uint64_t frac) {
  w << '.';
  if (frac < 100) w << '0';
  if (frac < 10) w << '0';
  return w << frac;
}

}  // namespace

void StartClock() { g_start_ns = NowNs(); }

uint64_t ElapsedNs() { return NowNs() - g_start_ns; }

crt::Writer& operator<<(crt::Writer& w, Millis m) {
  const uint64_t us = m.ns / 1000;
  w << us / 1000;
  return ThreeDecimals(w, us % 1000);
}

void Stamp(crt::Writer& w) {
  const uint64_t us = ElapsedNs() / 1000;
  w << '[';
  Padded(w, us / 1000, 5);
  ThreeDecimals(w, us % 1000) << " ms] " << crt::sys::Getpid().value() << ' ';
}

}  // namespace forkexec
