// Running a corpus case (corpus.h) with a real execve, the oracle, and through the ulexec command,
// and judging the command's outcome against the kernel's.
#pragma once

#include "corpus.h"
#include "support/run.h"

#include <sys/resource.h>

#include <functional>
#include <string>
#include <vector>

namespace corpus {

struct Outcome {
  enum Kind { kNone, kErrno, kExit, kSignal, kTimeout } kind = kNone;
  int value = 0;
  std::string out, err;
};


std::string ErrnoName(int e);
// `command`: the outcome of the ulexec command (whose exit status may be its own 126/127).
std::string Describe(const Outcome& o, bool command = false);
// Sets RLIMIT_STACK's and RLIMIT_AS's soft limits where nonzero.
void ApplyLimits(rlim_t stack, rlim_t as);
// The runner's result as an outcome; a SIGALRM is the child's own alarm(20): a timeout.
Outcome ToOutcome(const ulexec::test::RunResult& r);
// A child's limits (Command::prepare): the case's RLIMIT_STACK, `as`, and 20 seconds.
std::function<void(int)> Limits(rlim_t stack, rlim_t as);
// [c.path, c.args...]
std::vector<std::string> ProgramArgv(const Case& c);
// The case run by a real execve in a child, and by the ulexec command in a child.
Outcome RunKernel(const Case& c);
Outcome RunCommand(const Case& c);
// Errors whose strerror text says all there is: the detail may be left out.
bool DetailOptional(int e);
// "" when the ulexec command did what the kernel's outcome asks (see corpus-test.cc).
std::string JudgeCommand(const Case& c, const Outcome& k, const Outcome& u);

}  // namespace corpus
