// What every fuzz target shares: FUZZ_CHECK for the invariants a stage promises (a violation
// aborts, and libFuzzer keeps the input as a crash artifact) and the check that a refusal comes
// with a clear error (an errno and a message).
#pragma once

#include "error.h"

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond) ((cond) ? void(0) : ::fuzz::Fail(#cond, __FILE__, __LINE__))

namespace fuzz {

[[noreturn]] inline void Fail(const char* what, const char* file, int line) {
  fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
  abort();
}

// A stage that returns false has set an errno and a NUL-terminated, non-empty message.
inline void CheckRefusal(const ulexec::Error& error) {
  FUZZ_CHECK(error.code > 0 && error.code < 4096);
  const std::string_view text = error.detail();
  FUZZ_CHECK(!text.empty() && text.size() < sizeof error.text);
}

}  // namespace fuzz
