// ulexec under small limits: RLIMIT_STACK at 16 KiB (ulexec's own stack use must stay within two
// pages) and RLIMIT_NOFILE with 1 or 2 free descriptors (what ulexec needs, and a clear message
// when they are missing). Each case starts the program many times, directly and through ulexec.
#include "support/binaries.h"
#include "support/run.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using ulexec::test::Binary;
using ulexec::test::DescribeResult;
using ulexec::test::FailInChild;
using ulexec::test::RunChild;
using ulexec::test::RunResult;

const std::string kDynamic = "/bin/true";
constexpr int kStarts = 60;

struct Limits {
  rlim_t stack = RLIM_INFINITY;  // RLIMIT_STACK, or leave it
  int free_fds = -1;             // free descriptor numbers under RLIMIT_NOFILE, or leave it
  bool no_aslr = false;
  std::string env_pad;  // PAD=<this> in the environment (it fills the stack)
};

// In the child: only 0-2 and the runner's status descriptor (close-on-exec: gone in the program)
// stay open, and RLIMIT_NOFILE leaves `free_fds` numbers above 0-2.
void LimitDescriptors(int status_fd, int free_fds) {
  if (status_fd > 3) close_range(3, status_fd - 1, 0);
  close_range(status_fd + 1, ~0u, 0);
  const rlimit nofile{rlim_t(3 + free_fds), rlim_t(3 + free_fds)};
  if (setrlimit(RLIMIT_NOFILE, &nofile) != 0) FailInChild(status_fd, errno);
}

// Starts argv with the limits set in the child just before execve.
RunResult Start(const std::vector<std::string>& argv, const Limits& limits) {
  return RunChild({
      .argv = argv,
      .env = std::vector<std::string>{"PATH=/usr/bin:/bin", "PAD=" + limits.env_pad},
      .prepare =
          [&limits](int status_fd) {
            if (limits.stack != RLIM_INFINITY) {
              const rlimit stack{limits.stack, limits.stack};
              if (setrlimit(RLIMIT_STACK, &stack) != 0) FailInChild(status_fd, errno);
            }
            if (limits.no_aslr && personality(ADDR_NO_RANDOMIZE) < 0) FailInChild(status_fd, errno);
            if (limits.free_fds >= 0) LimitDescriptors(status_fd, limits.free_fds);
          },
  });
}

// How many of kStarts starts fail (the first failure is reported).
int Failures(const std::vector<std::string>& argv, const Limits& limits) {
  int failed = 0;
  for (int i = 0; i < kStarts; ++i) {
    const RunResult r = Start(argv, limits);
    if (r.status() != 0 && failed++ == 0) ADD_FAILURE() << argv.back() << ": " << DescribeResult(r);
  }
  return failed;
}

TEST(StackLimit, SixteenKiBDirectAndThroughUlexec) {
  Limits limits;
  limits.stack = 16 * 1024;
  for (const std::string& program : {Binary("hello-static"), kDynamic}) {
    SCOPED_TRACE(program);
    EXPECT_EQ(Failures({program}, limits), 0);
    EXPECT_EQ(Failures({Binary("ulexec"), program}, limits), 0);
  }
}

// The largest PAD that still runs under RLIMIT_STACK 16 KiB without ASLR (so without the
// random pad of up to 8 KiB below the strings).
size_t LargestPad(const std::vector<std::string>& argv) {
  Limits limits;
  limits.stack = 16 * 1024;
  limits.no_aslr = true;
  size_t ok = 0, bad = 16 * 1024;
  while (bad - ok > 16) {
    limits.env_pad.assign((ok + bad) / 2, 'x');
    if (Start(argv, limits).status() == 0)
      ok = (ok + bad) / 2;
    else
      bad = (ok + bad) / 2;
  }
  return ok;
}

// ulexec's own stack (its frames; its argv holds one string and pointer more) is what a program
// started through it has less of: at most two pages.
TEST(StackLimit, UlexecUsesAtMostTwoPagesOfStack) {
  const std::string hello = Binary("hello-static");
  const size_t direct = LargestPad({hello}), via = LargestPad({Binary("ulexec"), hello});
  const size_t own = direct - via;
  RecordProperty("ulexec_stack_bytes", std::to_string(own));
  printf("ulexec's own stack use: about %zu bytes (largest environment at RLIMIT_STACK 16 KiB: %zu directly, %zu "
         "through ulexec)\n",
         own, direct, via);
  EXPECT_GT(direct, via);
  EXPECT_LE(own, 8192u);
}

TEST(DescriptorLimit, OneFreeForAStaticProgramTwoWithAnInterpreter) {
  Limits one, two;
  one.free_fds = 1;
  two.free_fds = 2;
  const std::string hello = Binary("hello-static"), ulexec = Binary("ulexec");
  EXPECT_EQ(Failures({hello}, one), 0);
  EXPECT_EQ(Failures({ulexec, hello}, one), 0);
  EXPECT_EQ(Failures({kDynamic}, one), 0);
  EXPECT_EQ(Failures({ulexec, kDynamic}, two), 0);
}

TEST(DescriptorLimit, MissingDescriptorsAreReportedClearly) {
  Limits none, one;
  none.free_fds = 0;
  one.free_fds = 1;
  const std::string hello = Binary("hello-static");
  EXPECT_EQ(Start({hello}, none).status(), 0);  // execve needs none
  for (const auto& [program, limits] : {std::pair{hello, none}, std::pair{kDynamic, one}}) {
    const RunResult r = Start({Binary("ulexec"), program}, limits);
    EXPECT_EQ(r.status(), 126) << DescribeResult(r);
    EXPECT_NE(r.err.find("Too many open files"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("ulexec needs 1 free descriptor, 2 for a program with an interpreter, 1 more for a "
                         "set-id one (RLIMIT_NOFILE)"),
              std::string::npos)
        << r.err;
  }
}

}  // namespace
