// The samples on crt/, each as a static and a static-pie program: hello's output and exit status,
// and sigdemo's exact report (handlers return and the program resumes; nesting; fault recovery;
// stack overflow on a sigaltstack).
#include "harness.h"

#include <signal.h>

#include <string>

namespace crt_test {
namespace {

std::string KindName(const ::testing::TestParamInfo<const char*>& info) {
  return std::string(info.param) == "static" ? "Static" : "StaticPie";
}

class HelloTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { hello_ = Binary(std::string("hello-") + GetParam()); }
  std::string hello_;
};

TEST_P(HelloTest, PrintsItsArgumentsAndExitsZero) {
  const RunResult r = RunChild({.argv = {hello_, "one", "two words", ""}});
  EXPECT_EQ(r.out, "hello from " + hello_ + "\nargv[1]: one\nargv[2]: two words\nargv[3]: \n");
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 0);
}

TEST_P(HelloTest, ExitsWithTheStatusGivenByExit) {
  for (int status : {0, 1, 42, 255}) {
    const RunResult r = RunChild({.argv = {hello_, "a", "--exit", std::to_string(status), "b"}});
    EXPECT_EQ(r.out, "hello from " + hello_ + "\nargv[1]: a\nargv[4]: b\n");
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.exit_code, status);
  }
}

TEST_P(HelloTest, ArgvZeroIsWhatTheCallerPassed) {
  const RunResult r = RunChild({.argv = {hello_, "--exit", "0x10"}});
  EXPECT_EQ(r.out, "hello from " + hello_ + "\n");
  EXPECT_EQ(r.exit_code, 16);
}

TEST_P(HelloTest, RejectsABadExitStatus) {
  for (const char* bad : {"256", "-1", "x", ""}) {
    const RunResult r = RunChild({.argv = {hello_, "--exit", bad}});
    EXPECT_EQ(r.out, "hello from " + hello_ + "\n") << bad;
    EXPECT_EQ(r.err, hello_ + ": --exit needs a number from 0 to 255\n") << bad;
    EXPECT_EQ(r.exit_code, 2) << bad;
  }
}

TEST_P(HelloTest, RunsWithAnEmptyEnvironment) {
  const std::vector<std::string> env;
  const RunResult r = RunChild({.argv = {hello_, "--exit", "3"}, .env = env});
  EXPECT_EQ(r.out, "hello from " + hello_ + "\n");
  EXPECT_EQ(r.exit_code, 3);
}

INSTANTIATE_TEST_SUITE_P(Kinds, HelloTest, ::testing::Values("static", "static-pie"), KindName);

class SigdemoTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { sigdemo_ = Binary(std::string("sigdemo-") + GetParam()); }
  std::string sigdemo_;
};

constexpr const char kSigdemoOutput[] =
    "sigdemo: handlers for SIGUSR1, SIGINT and SIGSEGV installed (SA_SIGINFO)\n"
    "1. a handler returns\n"
    "  SIGUSR1 handler: depth 1, SI_TKILL from this process, SIGUSR1 blocked, SIGINT not blocked\n"
    "  main: resumed, SIGUSR1 handler ran 1 time(s), depth 0\n"
    "2. a nested signal\n"
    "  SIGINT handler: depth 1, SI_TKILL from this process, SIGINT blocked, SIGUSR1 not blocked; raising SIGUSR1\n"
    "  SIGUSR1 handler: depth 2, SI_TKILL from this process, SIGUSR1 blocked, SIGINT blocked\n"
    "  SIGINT handler: back at depth 1, SIGUSR1 handler ran 1 time(s) inside it\n"
    "  main: resumed, SIGUSR1 handler ran 2 time(s), depth 0, SIGINT not blocked, SIGUSR1 not blocked\n"
    "3. recovery from a fault\n"
    "  SIGSEGV handler: SEGV_MAPERR at the unmapped page, RIP at the faulting load, on the main stack\n"
    "  SIGSEGV handler: RIP moved to the fix-up label, RAX set to the marker\n"
    "  main: the load returned the marker\n"
    "4. stack overflow on a sigaltstack\n"
    "  main: alternate stack of 65536 bytes, recursing\n"
    "  SIGSEGV handler: on the alternate stack (SS_ONSTACK), interrupted on the main stack, after more than 100 "
    "frames\n"
    "  SIGSEGV handler: resuming in OverflowRecovered on a fresh stack\n"
    "  OverflowRecovered: on the recovery stack, alternate stack no longer in use, SIGSEGV not blocked\n"
    "sigdemo: all steps behaved\n";

TEST_P(SigdemoTest, EveryStepBehaves) {
  const RunResult r = RunChild({.argv = {sigdemo_}});
  EXPECT_EQ(r.out, kSigdemoOutput);
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(r.exited) << "killed by signal " << r.term_signal;
  EXPECT_EQ(r.exit_code, 0);
}

// A blocked mask survives execve; sigdemo unblocks the signals it uses and gives the same report.
TEST_P(SigdemoTest, SameReportWhenStartedWithTheSignalsBlocked) {
  sigset_t block, old;
  sigemptyset(&block);
  for (int sig : {SIGUSR1, SIGINT, SIGSEGV}) sigaddset(&block, sig);
  ASSERT_EQ(sigprocmask(SIG_BLOCK, &block, &old), 0);
  const RunResult r = RunChild({.argv = {sigdemo_}});
  ASSERT_EQ(sigprocmask(SIG_SETMASK, &old, nullptr), 0);
  EXPECT_EQ(r.out, kSigdemoOutput);
  EXPECT_EQ(r.exit_code, 0);
}

INSTANTIATE_TEST_SUITE_P(Kinds, SigdemoTest, ::testing::Values("static", "static-pie"), KindName);

}  // namespace
}  // namespace crt_test
