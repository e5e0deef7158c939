// gdb unwinds through crt's signal frames: a backtrace taken inside a handler of sigdemo shows
// `<signal handler called>` and then the interrupted function, for the static and the static-pie
// build. gdb recognises the frame by __restore_rt's bytes and name (see crt/signal.h).
#include "harness.h"

#include <string>
#include <vector>

namespace crt_test {
namespace {

using Frames = std::vector<std::string>;

// "#3  0x0000000000401160 in main () at ../samples/sigdemo.cc:224" -> "main";
// "#0  (anonymous namespace)::OnUsr1 (sig=10, ...) at ..."        -> "OnUsr1";
// "#1  <signal handler called>"                                    -> "<signal handler called>".
std::string FrameFunction(std::string line) {
  line.erase(0, line.find_first_not_of(' ', line.find(' ')));
  if (line.rfind("0x", 0) == 0) {
    const size_t in = line.find(" in ");
    if (in != std::string::npos) line.erase(0, in + 4);
  }
  if (line.rfind("<signal handler called>", 0) == 0) return "<signal handler called>";
  line = line.substr(0, line.find(" ("));
  const std::string anon = "(anonymous namespace)::";
  if (line.rfind(anon, 0) == 0) line.erase(0, anon.size());
  return line;
}

// Each "bt" in the output: the function of every "#N" line, a new backtrace at each "#0".
std::vector<Frames> Backtraces(const std::string& output) {
  std::vector<Frames> traces;
  for (const std::string& line : Lines(output)) {
    if (line.size() < 2 || line[0] != '#' || line[1] < '0' || line[1] > '9') continue;
    if (line.rfind("#0 ", 0) == 0) traces.emplace_back();
    if (!traces.empty()) traces.back().push_back(FrameFunction(line));
  }
  return traces;
}

class GdbTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    sigdemo_ = Binary(std::string("sigdemo-") + GetParam());
    gdb_ = Binary("gdb");
    if (gdb_.empty()) GTEST_SKIP() << "gdb was not found at configure time";
  }
  std::string sigdemo_;
  std::string gdb_;
};

TEST(GdbOutputTest, FrameFunctionParsesGdbFrameLines) {
  EXPECT_EQ(FrameFunction("#0  (anonymous namespace)::OnUsr1 (sig=10, info=0x7ff) at ../samples/sigdemo.cc:104"),
            "OnUsr1");
  EXPECT_EQ(FrameFunction("#1  <signal handler called>"), "<signal handler called>");
  EXPECT_EQ(FrameFunction("#2  crt::Raise (sig=sig@entry=10) at ../crt/include/crt/sys.h:41"), "crt::Raise");
  EXPECT_EQ(FrameFunction("#13 0x0000000000401160 in main () at ../samples/sigdemo.cc:224"), "main");
  EXPECT_EQ(FrameFunction("#2  0x00007ffff7ff4652 in ProbeLoad ()"), "ProbeLoad");
}

TEST_P(GdbTest, BacktraceInsideHandlersShowsTheSignalFrames) {
  // Stops: OnUsr1 from main; OnUsr1 nested in OnInt; OnSegv for the faulting load; OnSegv on the
  // alternate stack after the overflow (only the innermost frames: the recursion is deep).
  const std::vector<std::string> commands = {
      "set pagination off",
      "set confirm off",
      "handle SIGSEGV nostop noprint pass",
      "handle SIGINT nostop noprint pass",
      "handle SIGUSR1 nostop noprint pass",
      "break OnUsr1",
      "run",
      "bt",
      "continue",
      "bt",
      "delete",
      "break OnSegv",
      "continue",
      "bt",
      "continue",
      "bt 4",
      "delete",
      "continue",
  };
  std::vector<std::string> argv = {gdb_, "-batch", "-nx"};
  for (const std::string& c : commands) {
    argv.push_back("-ex");
    argv.push_back(c);
  }
  argv.push_back(sigdemo_);
  const RunResult r = RunChild({.argv = argv});
  if (r.err.find("ptrace: Operation not permitted") != std::string::npos) {
    GTEST_SKIP() << "ptrace is not permitted here: " << r.err;
  }
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("sigdemo: all steps behaved\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("exited normally]"), std::string::npos) << r.out;

  const std::vector<Frames> traces = Backtraces(r.out);
  ASSERT_EQ(traces.size(), 4u) << r.out;
  const std::string kSig = "<signal handler called>";
  EXPECT_EQ(traces[0], (Frames{"OnUsr1", kSig, "crt::Raise", "main"})) << r.out;
  EXPECT_EQ(traces[1], (Frames{"OnUsr1", kSig, "crt::Raise", "OnInt", kSig, "crt::Raise", "main"})) << r.out;
  EXPECT_EQ(traces[2], (Frames{"OnSegv", kSig, "ProbeLoad", "main"})) << r.out;
  EXPECT_EQ(traces[3], (Frames{"OnSegv", kSig, "Recurse", "Recurse"})) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Kinds, GdbTest, ::testing::Values("static", "static-pie"),
                         [](const auto& info) { return std::string(info.param) == "static" ? "Static" : "StaticPie"; });

}  // namespace
}  // namespace crt_test
