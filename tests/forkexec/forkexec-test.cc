// forkexec on each fate (exit 0, exit 3, SIGSEGV with and without a core, stop and continue, a
// signal blocked then delivered, a signal handled, exec failures, -n 1000), its narration checked
// field by field. The kernel is the oracle: the same program started by a direct fork + execve
// gives the wait status, the core bit and the errno forkexec must report.
//   forkexec-test FORKEXEC FORKEXEC_CHILD HELLO_STATIC
#include "../programs/run.h"
#include "transcript.h"

#include <gtest/gtest.h>

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using ulexec_test::Outcome;
using ulexec_test::RunCommand;
using forkexec_test::Line;
using forkexec_test::Parse;
using forkexec_test::Transcript;

extern char** environ;

namespace {

std::string g_forkexec, g_child, g_hello;

// What every narrated run shows: the parent's pid on each parent line, the forked child's on
// each child line, time never going back within a process, and the child's states from fork to
// reaping. Returns the child's pid.
int CheckLifecycle(const Transcript& t) {
  std::smatch m;
  EXPECT_EQ(t.Find("parent", R"(^pid (\d+);)", &m), 0);
  const int parent = m.empty() ? -1 : std::stoi(m[1]);
  const int forked = t.Find("parent", R"(^forked child (\d+); /proc/\d+/stat: [RSDZ] )", &m);
  EXPECT_GE(forked, 0);
  const int child = forked < 0 ? -1 : std::stoi(m[1]);
  double last_parent = 0, last_child = 0;
  for (const Line& l : t.lines) {
    EXPECT_EQ(l.pid, l.role == "parent" ? parent : child) << l.text;
    double& last = l.role == "parent" ? last_parent : last_child;
    EXPECT_GE(l.ms, last) << l.text;
    last = l.ms;
  }
  const int zombie = t.Find("parent", R"(^the child changed state \(waitid with WNOWAIT\); /proc/\d+/stat: Z \(zombie)");
  const int reaped = t.Find("parent", "^wait4\\(" + std::to_string(child) + "\\) reaped it: ");
  EXPECT_GE(zombie, 0);
  EXPECT_GT(reaped, zombie);
  EXPECT_GE(t.Find("parent", R"(^its resource usage \(wait4's rusage\): )"
                             R"(user \d+\.\d{3} ms, system \d+\.\d{3} ms, max RSS \d+ KiB$)"),
            reaped);
  EXPECT_EQ(t.Find("parent", R"(^/proc/\d+/stat now: \(gone from /proc: reaped\)$)"), static_cast<int>(t.lines.size()) - 1);
  return child;
}

struct Send {
  int signal;
  int at_ms;  // after the fork
};

// The wait status of `argv` started by a direct fork + execve and sent `sends`, output
// discarded; -errno if the execve failed.
int Direct(const std::vector<std::string>& args, const std::vector<Send>& sends = {}) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    execve(argv[0], argv.data(), environ);
    const int err = errno;
    (void)!write(fds[1], &err, sizeof err);
    _exit(127);
  }
  close(fds[1]);
  int err = 0;
  const bool failed = read(fds[0], &err, sizeof err) == sizeof err;
  close(fds[0]);
  for (const Send& s : sends) {
    std::this_thread::sleep_until(start + std::chrono::milliseconds(s.at_ms));
    kill(pid, s.signal);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return failed ? -err : status;
}

std::string Status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  const int sig = WTERMSIG(status);
  std::string s = "killed by signal " + std::to_string(sig) + " \\(SIG" + sigabbrev_np(sig) + "\\)";
  return s + (WCOREDUMP(status) ? ", core dumped" : ", no core dumped");
}

std::string TempDir() {
  char tmpl[] = "/tmp/forkexec-test-XXXXXX";
  return mkdtemp(tmpl);
}

// Runs forkexec with a --signal for each of `sends` on `program` and checks its wait report and
// exit status against the direct run of the same program sent the same signals (and
// `forkexec_adds`, those forkexec sends on its own); returns the transcript.
Transcript RunAndCompare(const std::vector<Send>& sends, const std::vector<std::string>& program,
                         const std::string& cwd = "", const std::vector<Send>& forkexec_adds = {}) {
  std::vector<std::string> args{g_forkexec};
  for (const Send& s : sends) {
    args.push_back("--signal");
    args.push_back(std::string(sigabbrev_np(s.signal)) + "@" + std::to_string(s.at_ms));
  }
  args.insert(args.end(), program.begin(), program.end());
  const Outcome o = RunCommand(args, nullptr, cwd);
  const Transcript t = Parse(o.out);
  const int child = CheckLifecycle(t);
  std::vector<Send> direct_sends = sends;
  direct_sends.insert(direct_sends.end(), forkexec_adds.begin(), forkexec_adds.end());
  const int direct = Direct(program, direct_sends);
  EXPECT_GE(t.Find("parent", "^wait4\\(" + std::to_string(child) + "\\) reaped it: " + Status(direct) + "$"), 0)
      << o.out;
  EXPECT_EQ(o.status, WIFEXITED(direct) ? WEXITSTATUS(direct) : 128 + WTERMSIG(direct));
  return t;
}

// The entry point of a static ELF file (e_entry).
uint64_t ElfEntry(const std::string& path) {
  Elf64_Ehdr eh{};
  std::ifstream(path, std::ios::binary).read(reinterpret_cast<char*>(&eh), sizeof eh);
  return eh.e_entry;
}

// Entries of this process's auxv, AT_NULL included: the kernel gives every ELF program the same set.
size_t KernelAuxvCount() {
  std::ifstream f("/proc/self/auxv", std::ios::binary);
  uint64_t pair[2];
  size_t n = 0;
  while (f.read(reinterpret_cast<char*>(pair), sizeof pair)) {
    ++n;
    if (pair[0] == AT_NULL) break;
  }
  return n;
}

TEST(Forkexec, ExitZeroNarratesTheExecWithTheLibrarysValues) {
  const Transcript t = RunAndCompare({}, {g_hello, "one", "two"});
  std::smatch m;
  EXPECT_EQ(t.Find("child", "^about to run " + g_hello + " one two through ulexec::ExecPath$"), t.Find("child", ""));
  ASSERT_GE(t.Find("child", R"(^ulexec mapped (.*), load bias 0x0, entry (0x[0-9a-f]+)$)", &m), 0);
  EXPECT_EQ(m[1], g_hello);
  EXPECT_EQ(std::stoull(m[2], nullptr, 16), ElfEntry(g_hello));
  ASSERT_GE(t.Find("child", R"(^new stack: top (0x[0-9a-f]+), sp (0x[0-9a-f]+) \((\d+) bytes in use\), )"
                            R"((\d+) auxv entries; jumping to (0x[0-9a-f]+)$)", &m), 0);
  const uint64_t top = std::stoull(m[1], nullptr, 16), sp = std::stoull(m[2], nullptr, 16);
  EXPECT_EQ(top - sp, std::stoull(m[3]));
  EXPECT_EQ(sp % 16, 0u);
  EXPECT_EQ(std::stoull(m[4]), KernelAuxvCount());
  EXPECT_EQ(std::stoull(m[5], nullptr, 16), ElfEntry(g_hello));
  EXPECT_GE(t.Find("parent", R"(^the child's exec succeeded \(the library closed its close-on-exec pipe\); /proc/\d+/stat: [RSDZ] )"), 0);
  const std::vector<std::string> hello{"hello from " + g_hello, "argv[1]: one", "argv[2]: two"};
  EXPECT_EQ(t.other, hello);
}

TEST(Forkexec, ExitThree) { RunAndCompare({}, {g_child, "exit", "3"}); }

// The core bit is whatever the kernel gives the same crash under the same RLIMIT_CORE (and
// core_pattern): checked with the limit at 0 and at the hard limit, in a scratch directory.
TEST(Forkexec, SegvWithAndWithoutCore) {
  const std::string dir = TempDir();
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_EQ(chdir(dir.c_str()), 0);  // the direct run dumps its core here too
  struct rlimit hard {};
  ASSERT_EQ(getrlimit(RLIMIT_CORE, &hard), 0);
  for (const rlim_t limit : {rlim_t{0}, hard.rlim_max}) {
    const struct rlimit rl {limit, hard.rlim_max};
    ASSERT_EQ(setrlimit(RLIMIT_CORE, &rl), 0);
    const Transcript t = RunAndCompare({}, {g_child, "segv"}, dir);
    EXPECT_GE(t.Find("parent", R"(reaped it: killed by signal 11 \(SIGSEGV\))"), 0);
  }
  ASSERT_EQ(chdir(cwd), 0);
  EXPECT_EQ(system(("rm -rf " + dir).c_str()), 0);
}

TEST(Forkexec, StopThenContinueShowTAndBothReports) {
  const Transcript t = RunAndCompare({{SIGSTOP, 50}, {SIGCONT, 150}}, {g_child, "sleep", "300"});
  const int generated = t.Find(
      "parent", R"(^SIGSTOP generated: kill\(\d+, 19\) \d+\.\d{3} ms after the fork; the child was S \(sleeping\)$)");
  const int stopped = t.Find("parent", R"(/proc/\d+/stat: T \(stopped\)$)", nullptr, generated);
  const int untraced = t.Find("parent", R"(^wait4\(\d+, WUNTRACED\): stopped by signal 19 \(SIGSTOP\)$)");
  const int cont = t.Find("parent", R"(^SIGCONT generated: kill\(\d+, 18\) .* the child was T \(stopped\)$)");
  const int continued = t.Find("parent", R"(^wait4\(\d+, WCONTINUED\): continued$)");
  EXPECT_GE(generated, 0);
  EXPECT_GT(stopped, generated);
  EXPECT_GT(untraced, stopped);
  EXPECT_GT(cont, untraced);
  EXPECT_GT(continued, cont);
  EXPECT_GE(t.lines[static_cast<size_t>(cont)].ms, 150.0);
}

TEST(Forkexec, AStoppedChildWithNoSignalLeftIsContinued) {
  // SIGSTOP: a SIGTSTP would be discarded if the test ran in an orphaned process group.
  const Transcript t = RunAndCompare({{SIGSTOP, 50}}, {g_child, "sleep", "400"}, "", {{SIGCONT, 150}});
  const int untraced = t.Find("parent", R"(^wait4\(\d+, WUNTRACED\): stopped by signal 19 \(SIGSTOP\)$)");
  EXPECT_GE(untraced, 0);
  EXPECT_GT(t.Find("parent", R"(^no --signal left to continue it: sending SIGCONT in 100 ms$)"), untraced);
  EXPECT_GT(t.Find("parent", R"(^wait4\(\d+, WCONTINUED\): continued$)"), untraced);
}

TEST(Forkexec, ABlockedSignalIsPendingUntilTheChildUnblocksIt) {
  const Transcript t = RunAndCompare({{SIGUSR1, 200}}, {g_child, "block", "USR1", "600"});
  const int generated = t.Find("parent", R"(^SIGUSR1 generated: kill\(\d+, 10\) )");
  const int pending = t.Find("parent", R"(^SIGUSR1 pending: /proc/\d+/status has it in ShdPnd; )"
                                       R"(SigBlk has it too: the child blocks it, so it waits$)");
  const int delivered = t.Find("parent", R"(^SIGUSR1 delivered: no longer pending in /proc/\d+/status .*; effect: default action: terminate )");
  ASSERT_GE(generated, 0);
  EXPECT_EQ(pending, generated + 1);
  ASSERT_GT(delivered, pending);
  // Delivered only once unblocked, 600 ms after the child started, not when sent at 200 ms.
  EXPECT_GE(t.lines[static_cast<size_t>(delivered)].ms - t.lines[static_cast<size_t>(generated)].ms, 250.0);
}

TEST(Forkexec, ASignalHandledByTheChild) {
  const Transcript t = RunAndCompare({{SIGUSR1, 200}}, {g_child, "handle", "USR1", "5000"});
  EXPECT_GE(t.Find("parent", R"(^SIGUSR1 (delivered at once .*|delivered: no longer pending .*); )"
                             R"(effect: handled: the child's handler runs \(SigCgt has it\)$)"), 0);
  EXPECT_NE(std::find(t.other.begin(), t.other.end(), "forkexec-child: handler: got SIGUSR1"), t.other.end());
}

// Exec failures: the errno is the one execve gives the same file; 127 for a missing file, 126
// otherwise, with the library's reason on stderr.
struct ExecFailure {
  std::string name, contents;  // contents empty: the file does not exist
  mode_t mode;
  int status;
  bool has_reason;
};

TEST(Forkexec, ExecFailures) {
  const std::string dir = TempDir();
  std::ifstream hello(g_hello, std::ios::binary);
  std::string truncated(100, '\0');
  hello.read(truncated.data(), 100);
  const ExecFailure cases[] = {{"missing", "", 0, 127, false},
                               {"not-executable", "#!/bin/sh\n", 0644, 126, true},
                               {"truncated-elf", truncated, 0755, 126, true}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = dir + "/" + c.name;
    if (!c.contents.empty()) {
      std::ofstream(path, std::ios::binary) << c.contents;
      chmod(path.c_str(), c.mode);
    }
    const int direct = Direct({path});
    ASSERT_LT(direct, 0);
    const Outcome o = RunCommand({g_forkexec, path});
    const Transcript t = Parse(o.out);
    CheckLifecycle(t);
    const std::string name = strerrorname_np(-direct);
    EXPECT_GE(t.Find("child", "^the exec failed: " + name + " \\(" + strerror(-direct) + "\\)"), 0) << o.out;
    EXPECT_GE(t.Find("parent", "^the child's exec failed \\(it wrote " + name +
                                   " to the close-on-exec pipe\\); it exits " + std::to_string(c.status) + "$"), 0);
    EXPECT_GE(t.Find("parent", "reaped it: exited with status " + std::to_string(c.status) + "$"), 0);
    EXPECT_EQ(o.status, c.status);
    const std::string line = "forkexec: " + path + ": " + strerror(-direct);
    EXPECT_EQ(o.err.substr(0, line.size()), line);
    EXPECT_EQ(o.err.find(" ("), c.has_reason ? line.size() : std::string::npos) << o.err;
  }
  const Outcome o = RunCommand({g_forkexec, "no-such-command-forkexec"});
  EXPECT_EQ(o.status, 127);
  EXPECT_EQ(o.err, "forkexec: no-such-command-forkexec: No such file or directory (not found in PATH)\n");
  EXPECT_EQ(system(("rm -rf " + dir).c_str()), 0);
}

// The processes this (subreaper) test still has as children: forkexec's orphans would be here.
std::vector<std::string> OwnChildren() {
  std::vector<std::string> out;
  const std::string task = "/proc/" + std::to_string(getpid()) + "/task";
  DIR* d = opendir(task.c_str());
  while (dirent* e = d ? readdir(d) : nullptr) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(task + "/" + e->d_name + "/children");
    std::string pid;
    while (f >> pid) out.push_back(pid);
  }
  if (d) closedir(d);
  return out;
}

TEST(Forkexec, AThousandChildrenAllReapedNoneLeft) {
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);  // an orphan of forkexec would become ours
  const Outcome o = RunCommand({g_forkexec, "-n", "1000", g_hello});
  const Transcript t = Parse(o.out);
  EXPECT_EQ(o.status, 0);
  const std::regex reaped(R"(^reaped #(\d+): child (\d+) \(pid (\d+)\) exited with status 0; user )");
  std::set<int> indices, pids;
  int expected_rank = 1;
  for (const Line& l : t.lines) {
    std::smatch m;
    if (!std::regex_search(l.text, m, reaped)) continue;
    EXPECT_EQ(std::stoi(m[1]), expected_rank++) << l.text;
    indices.insert(std::stoi(m[2]));
    pids.insert(std::stoi(m[3]));
  }
  EXPECT_EQ(expected_rank - 1, 1000);
  EXPECT_EQ(indices.size(), 1000u);
  EXPECT_EQ(*indices.begin(), 0);
  EXPECT_EQ(*indices.rbegin(), 999);
  EXPECT_EQ(pids.size(), 1000u);
  EXPECT_EQ(std::count(t.other.begin(), t.other.end(), "hello from " + g_hello), 1000);
  EXPECT_GE(t.Find("parent", R"(^reaped 1000 of 1000 children, 0 not exiting 0; children left in /proc: none$)"), 0);
  EXPECT_TRUE(OwnChildren().empty());
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);  // no zombie either
  EXPECT_EQ(errno, ECHILD);
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
}

TEST(Forkexec, ChildrenAreReapedInTheOrderTheyFinish) {
  // Child i sleeps (4 - i) * 100 ms: they finish in reverse order of their start.
  const Outcome o = RunCommand({g_forkexec, "-n", "5", g_child, "reverse", "5", "100"});
  const Transcript t = Parse(o.out);
  std::vector<int> order;
  for (const Line& l : t.lines) {
    std::smatch m;
    if (std::regex_search(l.text, m, std::regex(R"(^reaped #\d+: child (\d+) )"))) order.push_back(std::stoi(m[1]));
  }
  EXPECT_EQ(order, (std::vector<int>{4, 3, 2, 1, 0}));
}

// The diagram is read back from the library's bytes: its sp, argc, strings and auxv agree with
// the narration and the command line.
TEST(Forkexec, ExplainStackDrawsTheBuiltStack) {
  const Outcome o = RunCommand({g_forkexec, "--explain-stack", g_hello, "x y"});
  const Transcript t = Parse(o.out);
  CheckLifecycle(t);
  std::smatch m;
  ASSERT_GE(t.Find("child", R"(^new stack: top (0x[0-9a-f]+), sp (0x[0-9a-f]+) .*, (\d+) auxv entries)", &m), 0);
  const std::string top = m[1], sp = m[2];
  const size_t auxc = std::stoul(m[3]);
  std::string diagram;
  for (const auto& l : t.other) diagram += l + "\n";
  const uint64_t end_marker = std::stoull(top, nullptr, 16) - 8;
  char end_row[64];
  snprintf(end_row, sizeof end_row, "    0x%lx      8  end marker: a zero word (A1)\n", end_marker);
  EXPECT_NE(diagram.find(end_row), std::string::npos) << diagram;
  EXPECT_NE(diagram.find("argc = 2   <- sp " + sp + ", 16-byte aligned (A7)"), std::string::npos) << diagram;
  EXPECT_NE(diagram.find("argument strings (2): \"" + g_hello + "\" \"x y\""), std::string::npos) << diagram;
  EXPECT_NE(diagram.find("AT_EXECFN string \"" + g_hello + "\" (A2)"), std::string::npos);
  EXPECT_NE(diagram.find("AT_PLATFORM string \"x86_64\" (A5)"), std::string::npos);
  EXPECT_NE(diagram.find("auxv: " + std::to_string(auxc) + " (type, value) pairs, AT_NULL last (A10)"), std::string::npos);
  char entry[64];
  snprintf(entry, sizeof entry, "AT_ENTRY 0x%lx\n", ElfEntry(g_hello));
  EXPECT_NE(diagram.find(entry), std::string::npos);
  // High addresses first: each row's address is below the one above it.
  const std::regex row(R"(^    0x([0-9a-f]+) +\d+  )");
  uint64_t previous = ~uint64_t{0};
  for (const auto& l : t.other) {
    std::smatch r;
    if (!std::regex_search(l, r, row)) continue;
    const uint64_t addr = std::stoull(r[1], nullptr, 16);
    EXPECT_LT(addr, previous) << l;
    previous = addr;
  }
}

TEST(Forkexec, HelpAndUsageErrors) {
  const Outcome help = RunCommand({g_forkexec, "--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_EQ(help.out.rfind("Usage: forkexec [OPTION]... PROGRAM [ARG]...\n", 0), 0u);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {}, {"--signal", "NOPE@10", g_hello}, {"-n", "0", g_hello}, {"-n", "2", "--signal", "USR1@1", g_hello}}) {
    std::vector<std::string> argv{g_forkexec};
    argv.insert(argv.end(), args.begin(), args.end());
    const Outcome o = RunCommand(argv);
    EXPECT_EQ(o.status, 125);
    EXPECT_EQ(o.out, "");
    EXPECT_NE(o.err.find("Try 'forkexec --help'"), std::string::npos);
  }
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  if (argc != 4) {
    fprintf(stderr, "usage: forkexec-test FORKEXEC FORKEXEC_CHILD HELLO_STATIC\n");
    return 2;
  }
  g_forkexec = argv[1];
  g_child = argv[2];
  g_hello = argv[3];
  return RUN_ALL_TESTS();
}
