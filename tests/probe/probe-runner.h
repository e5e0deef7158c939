// Running a program under a prepared process state and comparing probe reports.
//
// RunCommand runs the command through the tests' child runner (support/run.h), preparing the
// child first (exact environment, known descriptors, signal dispositions, blocked mask, an
// alternate signal stack, a dirty FPU control state, optionally ADDR_NO_RANDOMIZE). ParseReport turns probe output into keys and values; CompareReports lists
// the keys whose values differ, except those matching allowed prefixes; FormatDiff prints them.
//
// Typical use in a conformance test:
//   RunOptions o{.argv = {ProbePath("static"), "a"}, .env = {"A=1"}};
//   Report direct = ParseReport(RunCommand(o).out);
//   o.argv.insert(o.argv.begin(), ulexec_path);
//   Report loaded = ParseReport(RunCommand(o).out);
//   EXPECT_TRUE(ReportsMatch(direct, loaded, kAslrDependent));
//
// The prepared state, as the child has it right before execve:
//   fd 0                 /dev/null, O_RDONLY
//   fd 1, fd 2           pipes to the parent (stdout, stderr)
//   kCloexecFd (5)       kCloexecPath, O_RDONLY, FD_CLOEXEC: must be gone after exec (E4)
//   kInheritedFd (6)     kInheritedPath, O_WRONLY|O_APPEND|O_NONBLOCK, no FD_CLOEXEC: must stay
//   no other descriptors
//   kIgnoredSignal       SIG_IGN: stays ignored (E1)
//   kHandledSignal       a handler with SA_RESTART|SA_ONSTACK and mask {SIGINT}: must become
//                        SIG_DFL with flags 0 and an empty mask (E1)
//   every other signal   SIG_DFL
//   blocked mask         {kBlockedSignal}: kept (E2)
//   sigaltstack          enabled: must be disabled (E3)
//   MXCSR, x87 FCW       changed from their defaults: must be reset (B5)
//   personality          `personality`, with ADDR_NO_RANDOMIZE when no_aslr
//   credentials          with run_as >= 0, last: uid and gid run_as (real, effective, saved),
//                        no supplementary groups, so no capabilities (setpriv --reuid=N
//                        --regid=N --clear-groups); the state above is prepared before it
#pragma once

#include "support/run.h"

#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace probe_test {

constexpr int kCloexecFd = 5;
constexpr int kInheritedFd = 6;
constexpr const char* kCloexecPath = "/dev/null";
constexpr const char* kInheritedPath = "/dev/zero";
constexpr int kIgnoredSignal = SIGUSR1;
constexpr int kHandledSignal = SIGUSR2;
constexpr int kBlockedSignal = SIGWINCH;
// What the child loads before execve: round toward zero, all exceptions masked (default 0x1f80);
// 53-bit precision (default 0x37f).
constexpr unsigned kDirtyMxcsr = 0x7f80;
constexpr unsigned short kDirtyFcw = 0x27f;

struct RunOptions {
  std::vector<std::string> argv;  // argv[0] is passed as is
  std::string path;               // the file to execve; empty: argv[0]
  std::vector<std::string> env;   // the exact environment
  bool no_aslr = false;           // personality(ADDR_NO_RANDOMIZE) in the child
  unsigned long personality = 0;  // more personality flags for the child
  int run_as = -1;                // the uid and gid the child drops to right before the exec; -1: stay
  int timeout_ms = 20000;         // then SIGKILL
};

using ulexec::test::DescribeResult;
using ulexec::test::RunResult;

// Runs the command in the prepared state above. A fork/pipe failure is reported as exec_errno.
RunResult RunCommand(const RunOptions& options);

struct Report {
  std::vector<std::pair<std::string, std::string>> lines;  // in output order
  std::map<std::string, std::string> values;
  std::vector<std::string> problems;  // malformed lines, duplicate keys

  bool Has(const std::string& key) const { return values.count(key) != 0; }
  // The value, or "<missing KEY>" so that a failed comparison names the key.
  std::string Get(const std::string& key) const;
  // Keys in output order that start with `prefix`.
  std::vector<std::string> KeysWithPrefix(std::string_view prefix) const;
};

Report ParseReport(std::string_view text);

struct KeyDiff {
  std::string key;
  std::optional<std::string> a;  // nullopt: missing on that side
  std::optional<std::string> b;
};

// Keys present in only one report, or with different values, in `a`'s order then `b`'s extra
// keys, skipping keys that start with one of `allowed_prefixes`.
std::vector<KeyDiff> CompareReports(const Report& a, const Report& b, const std::vector<std::string>& allowed_prefixes);

// One line per differing key: "KEY: A_NAME=<value> | B_NAME=<value>".
std::string FormatDiff(const std::vector<KeyDiff>& diffs, std::string_view a_name = "a", std::string_view b_name = "b");

// What may differ between two starts of the same program in the same way.
extern const std::vector<std::string> kAslrDependent;    // {"addr.", "random."}
extern const std::vector<std::string> kRunDependent;     // {"random."}: with ADDR_NO_RANDOMIZE

// gtest: success when CompareReports finds nothing, else a failure listing the differences.
::testing::AssertionResult ReportsMatch(const Report& a, const Report& b, const std::vector<std::string>& allowed_prefixes,
                                        std::string_view a_name = "a", std::string_view b_name = "b");

// The probe builds, from the environment meson sets (ULEXEC_PROBE_<VARIANT>, e.g.
// ULEXEC_PROBE_GLIBC_STATIC_PIE for "glibc-static-pie"); throws naming the variable when unset.
std::string ProbePath(std::string_view variant);

}  // namespace probe_test
