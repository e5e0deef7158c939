// forkexec's output parsed for the tests: its stamped lines ("[   12.345 ms] PID ROLE: TEXT")
// and everything else (the program's own output, the stack diagram).
#pragma once

#include <regex>
#include <string>
#include <vector>

namespace forkexec_test {

// One stamped line: "[   12.345 ms] PID ROLE: TEXT".
struct Line {
  double ms = 0;
  int pid = 0;
  std::string role, text;
};

struct Transcript {
  std::vector<Line> lines;
  std::vector<std::string> other;  // the program's own output, the stack diagram

  // The index of the first line of `role` whose text matches `pattern` (searched from `from`), or -1.
  int Find(const std::string& role, const std::string& pattern, std::smatch* m = nullptr, int from = 0) const;
};

Transcript Parse(const std::string& out);

}  // namespace forkexec_test
