// The tests' one child runner: start a program in a forked child with a given argv, environment,
// directory and standard input, and collect its output, how it ended, and the errno of a failed
// exec. Hooks let a test prepare the child (limits, descriptors, signals) or replace the execve
// (the library's ulexec_execve, ulexec::ExecPath). Every member has a default, so that designated
// initializers name only what a test sets.
//
//   RunResult r = RunChild({.argv = {hello, "x"}, .env = std::vector<std::string>{"A=1"}});
//   EXPECT_EQ(r.status(), 0) << DescribeResult(r);
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ulexec::test {

struct Command {
  std::vector<std::string> argv{};                // argv[0] is passed as is
  std::string path{};                             // the file to execve; empty: argv[0]
  std::optional<std::vector<std::string>> env{};  // the exact environment; nullopt: this process's
  std::string cwd{};                              // the child's directory; empty: this process's
  std::string stdin_data{};                       // what the child reads on fd 0 before EOF
  int timeout_ms = 120000;                      // then the child is killed (SIGKILL)
  // Runs in the child once fds 0-2 are in place, right before the exec; async-signal-safe calls
  // only. `status_fd` (close-on-exec) must stay open: FailInChild reports through it.
  std::function<void(int status_fd)> prepare{};
  // Replaces execve(path, argv, envp) in the child; returns the errno of its failure.
  std::function<int(const char* path, char* const argv[], char* const envp[])> exec{};
};

struct RunResult {
  std::string out, err;
  bool exec_returned = false;  // the exec (or FailInChild) reported a failure ...
  int exec_errno = 0;          // ... with this errno
  bool exited = false;         // WIFEXITED
  int exit_code = -1;          // WEXITSTATUS, -1 unless it exited
  int term_signal = 0;         // WTERMSIG, 0 unless a signal killed it
  bool timed_out = false;      // killed after timeout_ms

  // As a shell reports it: the exit code, or 128 + the signal.
  int status() const { return exited ? exit_code : 128 + term_signal; }
};

// Runs the command and waits for it. A pipe or fork failure is reported as exec_errno.
RunResult RunChild(const Command& command);

// For Command::prepare: reports `err` as the exec's errno and ends the child.
[[noreturn]] void FailInChild(int status_fd, int err);

// "exited 0", "killed by signal 11 (timed out)", "execve failed: ENOENT", then stderr if any.
std::string DescribeResult(const RunResult& r);

// NUL-terminated pointers to `strings`, for execve and the like (valid while `strings` is).
std::vector<char*> CStrings(const std::vector<std::string>& strings);

}  // namespace ulexec::test
