// -n N (lifecycle.h): N children at once, each through fork + ulexec, reaped with wait4(-1) in
// the order they finish; then /proc shows that no child is left.
#include "child.h"
#include "lifecycle.h"
#include "narrate.h"
#include "wait-report.h"

#include <crt/errno-names.h>
#include <crt/format.h>
#include <crt/string.h>
#include <crt/sys.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>

namespace forkexec {
namespace {

using crt::Result;

int g_pids[kMaxChildren];  // child i's pid
constexpr size_t kMaxEnv = 4096;
char* g_envp[kMaxEnv + 2];

// envp with FORKEXEC_CHILD=<index> first; `slot` is that string, rewritten before each fork.
void BuildEnv(char** envp, char* slot) {
  size_t n = 0;
  g_envp[n++] = slot;
  for (char** e = envp; *e && n <= kMaxEnv; ++e) {
    if (crt::Slice(*e, 0, 15) != "FORKEXEC_CHILD=") g_envp[n++] = *e;
  }
  g_envp[n] = nullptr;
}

long IndexOf(int pid, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (g_pids[i] == pid) return static_cast<long>(i);
  }
  return -1;
}

// The children the kernel still lists for this process (/proc/PID/task/TID/children).
std::string_view ChildrenLeft(char* buf, size_t cap) {
  char path[64];
  const int pid = crt::sys::Getpid().value();
  crt::FormatTo(path, sizeof path, "/proc/", pid, "/task/", pid, "/children");
  auto fd = crt::sys::Open(path, O_RDONLY | O_CLOEXEC);
  if (!fd) return "(unreadable)";
  auto n = crt::sys::Read(fd.value(), buf, cap);
  (void)crt::sys::Close(fd.value());
  return n ? std::string_view(buf, n.value()) : "(unreadable)";
}

// The children started and reaped so far.
struct Tally {
  size_t started = 0, reaped = 0, failed = 0;
};

// Reaps one child if one has finished (or, with `block`, waits for one); false when there is none
// (or wait4 fails).
bool ReapOne(Tally& tally, bool block) {
  int status = 0;
  struct rusage ru {};
  Result<int> pid = crt::sys::Wait4(-1, &status, block ? 0 : WNOHANG, &ru);
  while (!pid && pid.error() == EINTR) pid = crt::sys::Wait4(-1, &status, block ? 0 : WNOHANG, &ru);
  if (!pid) {
    if (pid.error() != ECHILD || tally.reaped < tally.started) {
      Say("parent: wait4 failed: ", crt::ErrnoName(pid.error()));
    }
    return false;
  }
  if (pid.value() == 0) return false;
  ++tally.reaped;
  tally.failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  char buf[256];
  crt::Writer w(buf, sizeof buf);
  DescribeStatus(w, status);
  w << "; ";
  DescribeUsage(w, ru);
  Say("parent: reaped #", tally.reaped, ": child ", IndexOf(pid.value(), tally.started), " (pid ", pid.value(), ") ",
      w.view());
  return true;
}

// Forks the children, reaping those already finished after each fork, so that a child is
// reaped soon after it ends even while the others are still being started.
void ForkAll(const Options& options, char** envp, Tally& tally) {
  static char slot[32];
  BuildEnv(envp, slot);
  uint64_t mask = 0;
  (void)crt::sys::RtSigprocmask(SIG_BLOCK, nullptr, &mask);
  while (tally.started < options.children) {
    crt::FormatTo(slot, sizeof slot, "FORKEXEC_CHILD=", tally.started);
    auto pid = crt::sys::Fork();
    if (!pid) {
      Say("parent: fork #", tally.started, " failed: ", crt::ErrnoName(pid.error()), "; reaping the ",
          tally.started, " started");
      return;
    }
    if (pid.value() == 0) RunChild({options.program, g_envp, mask, -1, false, false});
    g_pids[tally.started++] = pid.value();
    while (ReapOne(tally, false)) {
    }
  }
}

}  // namespace

int RunMany(const Options& options, char** envp) {
  Say("parent: pid ", crt::sys::Getpid().value(), "; forking ", options.children, " children, each running ",
      options.program[0], " through ulexec, reaping each as it finishes (wait4(-1))");
  Tally tally;
  ForkAll(options, envp, tally);
  Say("parent: ", tally.started, " children forked, ", tally.reaped, " already reaped");
  while (tally.reaped < tally.started && ReapOne(tally, true)) {
  }
  char left[256];
  const std::string_view children = ChildrenLeft(left, sizeof left);
  Say("parent: reaped ", tally.reaped, " of ", tally.started, " children, ", tally.failed,
      " not exiting 0; children left in /proc: ", children.empty() ? "none" : children);
  return tally.failed == 0 && tally.reaped == options.children && children.empty() ? 0 : 1;
}

}  // namespace forkexec
