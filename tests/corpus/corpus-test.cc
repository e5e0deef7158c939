// The malformed-ELF corpus (issue "Bad input gets a clear error and nothing is lost").
//
// Every case is generated here from small valid images built in memory (a static ELF whose entry
// does exit_group(42), an interpreter that does exit_group(43), #! scripts whose interpreter
// prints its argv), written to a temporary directory, and then
//
//   1. run with a real execve in a forked child: the oracle. Its outcome is an errno, an exit
//      status, or the signal that killed the new process after the point of no return;
//   2. run through the ulexec command, which must agree: the same errno as one error line
//      "ulexec: PROGRAM: <strerror> (detail)" and status 126 (127 for ENOENT); the same exit
//      status (and output) when the kernel ran it; a refusal (126, one line with a detail) where
//      the kernel got past its point of no return and killed the process (spec H3);
//   3. run in this very process through ulexec::ExecPath (first in a forked child, to be safe),
//      for every case the kernel or ulexec refuses: the same negative errno, and the process
//      intact afterwards (/proc/self/maps, descriptors, a signal handler, the signal mask, ...).
//
// The ulexec command and the tests/corpus/print-argv program come from the environment
// (ULEXEC_ULEXEC, ULEXEC_PRINT_ARGV). The cases are in cases-*.cc, by topic (corpus.h); running
// them through the kernel and the command in kernel-and-command.h; the snapshot of this process
// in process-snapshot.h.
// With ULEXEC_CORPUS_TABLE=FILE set, the table of every case and both outcomes is written to FILE
// in Markdown by corpus-table.cc (tests/corpus/CASES.md is made that way).
//
// Expectations are never written down: they come from the kernel, as this user. A case may carry
// `known` (a disagreement whose fix lies outside the loader's checking stages; it still fails) or
// `limitation` (what no userland exec can do; skipped when it is the reason). The noexec cases
// mount a tmpfs in a private mount namespace (root only; skipped otherwise).
#include "case-results.h"
#include "corpus.h"
#include "kernel-and-command.h"
#include "process-snapshot.h"
#include "support/binaries.h"
#include "support/run.h"

#include <ulexec/ulexec.h>

#include <gtest/gtest.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace corpus;
using ulexec::test::CStrings;
using ulexec::test::RunChild;
using ulexec::test::RunResult;

// Whether a read lease can be taken on a file of ours in `dir` (how ulexec finds writers).
bool LeasesWork(const std::string& dir) {
  const std::string probe = dir + "/lease-probe";
  WriteFile(probe, "x", 0644);
  const int fd = open(probe.c_str(), O_RDONLY | O_CLOEXEC);
  const bool ok = fd >= 0 && fcntl(fd, F_SETLEASE, F_RDLCK) == 0;
  if (ok) fcntl(fd, F_SETLEASE, F_UNLCK);
  if (fd >= 0) close(fd);
  unlink(probe.c_str());
  return ok;
}

void Prepare(Case& c) {
  if (c.prepared) return;
  c.prepared = true;
  const std::string dir = g_root + "/" + c.name;
  mkdir(dir.c_str(), 0755);
  c.path = dir + "/prog";
  if (c.needs_noexec && g_noexec.empty()) {
    c.prepare_error = g_noexec_why;
    return;
  }
  if (c.needs_lease && !LeasesWork(dir)) {
    c.prepare_error = "no file leases here (not the owner, no CAP_LEASE, or not supported): ulexec cannot see writers";
    return;
  }
  try {
    c.make(c, dir);
  } catch (const std::exception& e) {
    c.prepare_error = e.what();
  }
}

// --- In-process runs.

struct Argv {
  std::vector<std::string> argv;
  std::vector<char*> av, ev;
  explicit Argv(const Case& c) : argv(ProgramArgv(c)), av(CStrings(argv)), ev(CStrings(kEnv)) {}
};

int CallLibrary(const char* path, char* const argv[], char* const envp[], ulexec_error* error) {
  ulexec::Options options;  // the defaults: read /proc/self/auxv, scan the whole process state
  return ulexec::ExecPath(path, argv, envp, options, error);
}

// RLIMIT_AS for an in-process run: this process's size plus 256 MiB (the 1 GiB bss cannot fit).
rlim_t InProcessAsLimit() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmSize:", 0) == 0) return (std::stoull(line.substr(7)) << 10) + (256 << 20);
  }
  return 0;
}

// ExecPath in a forked child first: what it does there decides whether it is safe here. A child
// where it returns writes its message to stdout.
LibraryResult LibraryInChild(const Case& c) {
  const RunResult run = RunChild({
      .argv = ProgramArgv(c),
      .env = kEnv,
      .prepare = Limits(c.stack_limit, c.as_limit ? InProcessAsLimit() : 0),
      .exec =
          [](const char* path, char* const argv[], char* const envp[]) {
            ulexec_error error{};
            const int rc = CallLibrary(path, argv, envp, &error);
            (void)!write(1, error.text, strnlen(error.text, sizeof error.text));
            return -rc;
          },
  });
  LibraryResult r;
  if (run.exec_returned) {
    r.returned = true;
    r.rc = -run.exec_errno;
    r.text = run.out;
  } else {
    r.child = ToOutcome(run);
  }
  return r;
}

Snapshot g_before, g_after;  // static: too large for the stack

volatile sig_atomic_t g_usr1_count = 0;
void OnUsr1(int) { g_usr1_count = g_usr1_count + 1; }

InProcessResult LibraryInProcess(const Case& c) {
  const Argv a(c);
  const rlim_t as = c.as_limit ? InProcessAsLimit() : 0;
  rlimit old_stack, old_as;
  getrlimit(RLIMIT_STACK, &old_stack);
  getrlimit(RLIMIT_AS, &old_as);
  ApplyLimits(c.stack_limit, as);
  ulexec_error error{};
  Take(&g_before);
  const int rc = CallLibrary(c.path.c_str(), a.av.data(), a.ev.data(), &error);
  Take(&g_after);
  setrlimit(RLIMIT_STACK, &old_stack);
  setrlimit(RLIMIT_AS, &old_as);
  InProcessResult r;
  r.rc = rc;
  r.text = error.text;
  r.differences = Differences(g_before, g_after);
  const int before = g_usr1_count;
  raise(SIGUSR1);
  r.handler_works = g_usr1_count == before + 1;
  return r;
}

}  // namespace

// --- Results, computed once a case (case-results.h).

namespace corpus {

std::map<size_t, Results> g_results;

Results& KernelAndCommand(size_t i) {
  auto [it, fresh] = g_results.try_emplace(i);
  if (fresh) {
    Case& c = AllCases()[i];
    Prepare(c);
    if (c.prepare_error.empty()) {
      it->second.kernel = RunKernel(c);
      if (c.command) it->second.command = RunCommand(c);
    }
  }
  return it->second;
}

bool CommandRefused(const Outcome& u) {
  return u.kind == Outcome::kExit && (u.value == 126 || u.value == 127) && !u.err.empty();
}

bool Limited(const Case& c, const Results& r) {
  return !c.limitation.empty() && r.kernel.kind == Outcome::kExit && CommandRefused(r.command) &&
         r.command.err.find(std::string(": ") + strerror(c.limitation_errno)) != std::string::npos;
}

bool LibraryApplies(const Case& c, const Results& r) {
  if (r.kernel.kind == Outcome::kErrno || r.kernel.kind == Outcome::kSignal) return true;
  return c.command && CommandRefused(r.command);
}

}  // namespace corpus

namespace {

class Corpus : public ::testing::TestWithParam<size_t> {};

TEST_P(Corpus, CommandMatchesKernel) {
  const Case& c = AllCases()[GetParam()];
  Results& r = KernelAndCommand(GetParam());
  if (!c.prepare_error.empty()) GTEST_SKIP() << c.prepare_error;
  if (!c.command) GTEST_SKIP() << "the kernel cannot start the ulexec command with this argv; see the library test";
  ASSERT_NE(r.kernel.kind, Outcome::kTimeout) << "the real execve did not finish";
  if (Limited(c, r)) GTEST_SKIP() << "a limitation of a userland exec: " << c.limitation;
  const std::string why = JudgeCommand(c, r.kernel, r.command);
  EXPECT_EQ(why, "") << c.name << " (" << c.what << ")\n"
                     << (c.known.empty() ? "" : "  known difference: " + c.known + "\n") << "  kernel: " << Describe(r.kernel) << "\n  ulexec: "
                     << Describe(r.command, true) << "\n  ulexec stderr: " << r.command.err;
}

TEST_P(Corpus, LibraryRefusesAndLeavesProcessIntact) {
  const Case& c = AllCases()[GetParam()];
  Results& r = KernelAndCommand(GetParam());
  if (!c.prepare_error.empty()) GTEST_SKIP() << c.prepare_error;
  if (!LibraryApplies(c, r)) GTEST_SKIP() << "the kernel and ulexec run it: not run in-process";
  r.library_run = true;
  r.child = LibraryInChild(c);
  ASSERT_TRUE(r.child.returned) << c.name << ": ulexec::ExecPath did not return in a child ("
                                << Describe(r.child.child) << "; kernel: " << Describe(r.kernel)
                                << "); not run in this process";
  if (r.kernel.kind == Outcome::kErrno) {
    EXPECT_EQ(r.child.rc, -r.kernel.value) << c.name << ": kernel " << ErrnoName(r.kernel.value) << ", library "
                                           << ErrnoName(-r.child.rc) << " (" << r.child.text << ")";
  } else {
    EXPECT_LT(r.child.rc, 0) << c.name << ": " << r.child.text << (c.known.empty() ? "" : "\n  known difference: " + c.known);
  }
  if (!(r.kernel.kind == Outcome::kErrno && DetailOptional(r.kernel.value))) {
    EXPECT_NE(r.child.text, "") << c.name << ": no message with " << ErrnoName(-r.child.rc);
  }
  r.in_process = LibraryInProcess(c);
  EXPECT_EQ(r.in_process->rc, r.child.rc) << c.name << ": " << r.in_process->text;
  EXPECT_EQ(r.in_process->text, r.child.text);
  EXPECT_EQ(r.in_process->differences, "") << c.name;
  EXPECT_TRUE(r.in_process->handler_works) << c.name << ": the SIGUSR1 handler no longer runs";
}

INSTANTIATE_TEST_SUITE_P(Cases, Corpus, ::testing::Range(size_t{0}, AllCases().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) { return AllCases()[info.param].name; });

TEST(CorpusSize, AtLeastSixtyDistinctCases) {
  EXPECT_GE(AllCases().size(), 60u);
  std::map<std::string, int> names;
  for (const auto& c : AllCases()) EXPECT_EQ(++names[c.name], 1) << c.name;
}

// ---------------------------------------------------------------------------------------------
// Setup

// Grows the stack now, so that no later call grows it between two snapshots of the maps.
__attribute__((noinline)) void GrowStack() {
  volatile char buf[1 << 21];
  for (size_t i = 0; i < sizeof buf; i += 4096) buf[i] = 0;
}

// A noexec tmpfs in a private mount namespace (this process's and its children's only).
void MountNoexec() {
  if (unshare(CLONE_NEWNS) != 0) {
    g_noexec_why = std::string("cannot unshare the mount namespace: ") + strerror(errno);
    return;
  }
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    g_noexec_why = std::string("cannot make / private: ") + strerror(errno);
    return;
  }
  const std::string dir = g_root + "/noexec-mount";
  mkdir(dir.c_str(), 0755);
  if (mount("corpus-noexec", dir.c_str(), "tmpfs", MS_NOEXEC, "size=16m") != 0) {
    g_noexec_why = std::string("cannot mount a noexec tmpfs: ") + strerror(errno);
    return;
  }
  g_noexec = dir;
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  g_ulexec = std::filesystem::absolute(ulexec::test::Binary("ulexec"));
  g_print_argv = std::filesystem::absolute(ulexec::test::Binary("print-argv"));
  GrowStack();
  const char* tmp = getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/ulexec-corpus-XXXXXX";
  if (!mkdtemp(templ.data())) {
    perror("mkdtemp");
    return 2;
  }
  g_root = templ;
  MountNoexec();
  struct sigaction sa {};
  sa.sa_handler = OnUsr1;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, nullptr);

  const int rc = RUN_ALL_TESTS();
  if (const char* table = getenv("ULEXEC_CORPUS_TABLE")) WriteTable(table);

  for (auto& c : AllCases()) {
    if (c.write_fd >= 0) close(c.write_fd);
  }
  if (!g_noexec.empty()) umount2(g_noexec.c_str(), MNT_DETACH);
  std::error_code ec;
  std::filesystem::remove_all(g_root, ec);
  return rc;
}
