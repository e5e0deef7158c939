// entry-start: one timed start of a time-to-entry probe (bench/entry-bench.cc). The child takes
// t0 just before starting the probe one way; the probe's entry writes t1 into an inherited pipe.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace entry_bench {

// The descriptor the probe writes its entry time to (ENTRY_PROBE_FD in entry-probe/entry.S).
inline constexpr int kProbeFd = 3;

enum class Way { kExecve, kUlexecCommand, kUlexecLibrary, kMemfdFexecve, kLdso };

// How one cell starts its probe, prepared in the parent so that the child only calls.
struct Launch {
  Way way = Way::kExecve;
  std::string path;               // what the child execs or loads (ulexec, ld.so or the probe)
  std::vector<std::string> args;  // argv, argv[0] included
  int image_fd = -1;              // kMemfdFexecve: the probe, copied from here into a memfd
  off_t image_size = 0;
};

// Moves `fd` to a close-on-exec descriptor at 10 or above, where the child's dup2 onto kProbeFd
// cannot hit it. False (fd closed) on failure.
bool MoveHigh(int* fd);

struct Sample {
  double us = 0;    // t0 to the probe's first instruction
  long faults = 0;  // the child's minor faults from t0 to the probe's entry
};

// Owns the pipe and the page shared with the children. Pins itself to CPU 0 and each child to
// CPU 1 when there are two.
class Starter {
 public:
  Starter() = default;
  Starter(const Starter&) = delete;
  Starter& operator=(const Starter&) = delete;
  ~Starter();
  bool Init(std::string* why);
  bool Start(const Launch& launch, Sample* sample, std::string* why);
  struct Slot;  // the page shared with the child

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
  Slot* slot_ = nullptr;
  int child_cpu_ = -1;
};

}  // namespace entry_bench
