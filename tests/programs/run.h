// Running a command and capturing what it did, for differential tests.
#pragma once

#include <string>
#include <vector>

namespace ulexec_test {

struct Outcome {
  std::string out, err;
  int status = -1;  // exit status, or 128 + signal
};

// Runs argv (argv[0] a path) with `env` (nullptr: inherit) in directory `cwd` (empty: inherit).
Outcome RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>* env = nullptr,
            const std::string& cwd = "", const std::string& stdin_data = "");

}  // namespace ulexec_test
