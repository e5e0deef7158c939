// ulexec under small limits: RLIMIT_STACK at 16 KiB (ulexec's own stack use must stay within two
// pages; the library refuses exactly where execve does) and RLIMIT_NOFILE with 1 or 2 free
// descriptors (what ulexec needs, and a clear message when they are missing). Each case starts
// the program many times, directly and through ulexec.
#include "support/binaries.h"
#include "support/elf-builder.h"
#include "support/run.h"

#include <ulexec/ulexec.h>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
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

using Exec = std::function<int(const char* path, char* const argv[], char* const envp[])>;

// Starts argv with the limits set in the child just before execve (or `exec`).
RunResult Start(const std::vector<std::string>& argv, const Limits& limits, const Exec& exec = {}) {
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
      .exec = exec,
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

// A static program whose entry is exit_group(0): it touches no stack, so that whether it runs
// depends on the exec alone. Written to a fresh directory; returns its path.
std::string WriteNoStackProgram() {
  char dir[] = "/tmp/ulexec-limits-XXXXXX";
  if (mkdtemp(dir) == nullptr) return "";
  using ulexec::test::ElfBuilder;
  constexpr uint64_t kBase = 0x400000, kCode = 0x100;
  const std::string code("\xb8\xe7\x00\x00\x00\x31\xff\x0f\x05", 9);  // mov $231,%eax; xor %edi,%edi; syscall
  ElfBuilder b = ElfBuilder::Empty(ET_EXEC, kBase + kCode);
  b.Append(ulexec::test::Phdr(PT_LOAD, PF_R | PF_X, 0, kBase, kCode + code.size(), kCode + code.size()));
  b.Write(kCode, code);
  const std::vector<std::byte> bytes = b.Build();
  const std::string path = std::string(dir) + "/no-stack";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return chmod(path.c_str(), 0755) == 0 ? path : "";
}

int LibraryExec(const char* path, char* const argv[], char* const envp[]) {
  ulexec_error error{};
  return -ulexec_execve(path, argv, envp, &error);
}

// The largest PAD for which `good` holds, by bisection below `limit`.
size_t Largest(size_t limit, const std::function<bool(size_t)>& good) {
  size_t ok = 0, bad = limit;
  while (bad - ok > 1) (good((ok + bad) / 2) ? ok : bad) = (ok + bad) / 2;
  return ok;
}

// execve's own limits on the stack (docs/execve.md#A13, #D2), to the byte, under RLIMIT_STACK
// 20 KiB and 20000 bytes without ASLR: the largest environment execve takes, the library takes;
// one byte more, execve kills the process past its point of no return (the whole image's pages
// exceed the limit) and the library refuses with that EFAULT; where the strings' pages alone
// exceed it, both refuse with E2BIG. (The ulexec command's own arguments and frames use the same
// stack first: README, known differences.)
TEST(StackLimit, LibraryRefusesExactlyWhereExecveDoes) {
  const std::string program = WriteNoStackProgram();
  ASSERT_FALSE(program.empty());
  for (rlim_t stack : {rlim_t{20480}, rlim_t{20000}}) {
    SCOPED_TRACE("RLIMIT_STACK " + std::to_string(stack));
    Limits limits;
    limits.stack = stack;
    limits.no_aslr = true;
    auto run = [&](size_t pad, const Exec& exec) {
      limits.env_pad.assign(pad, 'x');
      return Start({program}, limits, exec);
    };
    const size_t runs = Largest(stack, [&](size_t pad) { return run(pad, {}).status() == 0; });
    EXPECT_EQ(run(runs, LibraryExec).status(), 0) << DescribeResult(run(runs, LibraryExec));
    EXPECT_EQ(run(runs + 1, {}).term_signal, SIGSEGV) << DescribeResult(run(runs + 1, {}));
    EXPECT_EQ(run(runs + 1, LibraryExec).exec_errno, EFAULT) << DescribeResult(run(runs + 1, LibraryExec));
    const size_t starts = Largest(stack, [&](size_t pad) { return run(pad, {}).exec_errno != E2BIG; });
    EXPECT_GT(starts, runs);
    EXPECT_EQ(run(starts, LibraryExec).exec_errno, EFAULT) << DescribeResult(run(starts, LibraryExec));
    EXPECT_EQ(run(starts + 1, {}).exec_errno, E2BIG);
    EXPECT_EQ(run(starts + 1, LibraryExec).exec_errno, E2BIG) << DescribeResult(run(starts + 1, LibraryExec));
  }
  std::remove(program.c_str());
  std::remove(program.substr(0, program.rfind('/')).c_str());
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
