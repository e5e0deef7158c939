// forkexec's command line, parsed (pure): `forkexec [OPTIONS] PROGRAM [ARG...]`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace forkexec {

constexpr std::string_view kUsage =
    "Usage: forkexec [OPTION]... PROGRAM [ARG]...\n"
    "Run PROGRAM in a child started by fork and the ulexec library (no execve), and\n"
    "narrate its life: each line is stamped with the milliseconds since the start\n"
    "and the pid that prints it. A PROGRAM without a slash is searched for in PATH.\n"
    "\n"
    "  --signal SIG@MS   send SIG (USR1, SIGTERM, 15...) to the child MS milliseconds\n"
    "                    after the fork and follow it: generated, pending (from\n"
    "                    /proc/PID/status), delivered, its effect; may be repeated.\n"
    "                    A child left stopped is sent SIGCONT.\n"
    "  --explain-stack   the child draws the new stack the library built, just\n"
    "                    before it jumps to the program\n"
    "  -n N              run N (up to 10000) children at once and reap them as they finish, one\n"
    "                    line each; each child has FORKEXEC_CHILD=i (0..N-1) in\n"
    "                    its environment\n"
    "  --help            show this help and exit\n"
    "\n"
    "Exit status: the child's (128+N when signal N ended it; 127 when PROGRAM is not\n"
    "found, 126 when it cannot be run); with -n, 0 when every child exited 0, else\n"
    "1; 125 for a usage error.\n";

// -n's limit (the parent looks pids up linearly).
constexpr unsigned long kMaxChildren = 10000;

struct PlannedSignal {
  int signal;
  uint64_t at_ms;  // after the fork
};

struct Options {
  static constexpr size_t kMaxSignals = 16;
  PlannedSignal signals[kMaxSignals] = {};  // in time order
  size_t signal_count = 0;
  unsigned long children = 0;  // -n; 0: one narrated child
  bool explain_stack = false;
  bool help = false;
  char** program = nullptr;  // PROGRAM ARG... NULL
  char error[160] = {};      // set when parsing fails
};

// False with `out->error` set on a usage error.
bool ParseOptions(int argc, char** argv, Options* out);

}  // namespace forkexec
