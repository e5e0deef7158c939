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

size_t ForkAll(const Options& options, char** envp) {
  static char slot[32];
  BuildEnv(envp, slot);
  uint64_t mask = 0;
  (void)crt::sys::RtSigprocmask(SIG_BLOCK, nullptr, &mask);
  size_t started = 0;
  for (; started < options.children; ++started) {
    crt::FormatTo(slot, sizeof slot, "FORKEXEC_CHILD=", started);
    auto pid = crt::sys::Fork();
    if (!pid) {
      Say("parent: fork #", started, " failed: ", crt::ErrnoName(pid.error()), "; reaping the ", started, " started");
      break;
    }
    if (pid.value() == 0) RunChild({options.program, g_envp, mask, -1, false, false});
    g_pids[started] = pid.value();
  }
  return started;
}

}  // namespace

int RunMany(const Options& options, char** envp) {
  Say("parent: pid ", crt::sys::Getpid().value(), "; forking ", options.children, " children, each running ",
      options.program[0], " through ulexec");
  const size_t started = ForkAll(options, envp);
  Say("parent: ", started, " children forked; reaping them as they finish (wait4(-1))");
  size_t reaped = 0, failed = 0;
  while (reaped < started) {
    int status = 0;
    struct rusage ru {};
    auto pid = crt::sys::Wait4(-1, &status, 0, &ru);
    if (!pid) {
      if (pid.error() == EINTR) continue;
      Say("parent: wait4 failed: ", crt::ErrnoName(pid.error()));
      break;
    }
    ++reaped;
    failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char buf[256];
    crt::Writer w(buf, sizeof buf);
    DescribeStatus(w, status);
    w << "; ";
    DescribeUsage(w, ru);
    Say("parent: reaped #", reaped, ": child ", IndexOf(pid.value(), started), " (pid ", pid.value(), ") ", w.view());
  }
  char left[256];
  const std::string_view children = ChildrenLeft(left, sizeof left);
  Say("parent: reaped ", reaped, " of ", started, " children, ", failed, " not exiting 0; children left in /proc: ",
      children.empty() ? "none" : children);
  return failed == 0 && reaped == options.children && children.empty() ? 0 : 1;
}

}  // namespace forkexec
