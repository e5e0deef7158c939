// The probe runner and report comparator (probe-runner.h).
#include "probe-runner.h"

#include "support/binaries.h"

#include <cerrno>
#include <cstring>
#include <sstream>

#include <fcntl.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/syscall.h>

namespace probe_test {
namespace {

using ulexec::test::FailInChild;

// The kernel's struct sigaction, for resetting every signal, 32 and 33 included (which glibc's
// sigaction refuses).
struct KernelSigaction {
  void* handler;
  unsigned long flags;
  void (*restorer)();
  uint64_t mask;
};

alignas(16) char g_altstack[64 * 1024];

void Handler(int) {}

// --- In the child, before execve (Command::prepare): async-signal-safe calls only. -------------

constexpr int kScratchFd = 300;  // where a descriptor waits before it moves to its place

// Opens `path` at exactly `fd`, close-on-exec only if `flags` has O_CLOEXEC.
void OpenAt(const char* path, int flags, int fd, int status_fd) {
  const int opened = open(path, flags | O_CLOEXEC);
  if (opened < 0) FailInChild(status_fd, errno);
  const int parked = fcntl(opened, F_DUPFD_CLOEXEC, kScratchFd);
  close(opened);
  if (parked < 0 || dup3(parked, fd, flags & O_CLOEXEC) < 0) FailInChild(status_fd, errno);
  close(parked);
}

// The runner has put the pipes at 1 and 2 and `status_fd` above kInheritedFd.
void PrepareDescriptors(int status_fd) {
  OpenAt("/dev/null", O_RDONLY, 0, status_fd);
  OpenAt(kCloexecPath, O_RDONLY | O_CLOEXEC, kCloexecFd, status_fd);
  OpenAt(kInheritedPath, O_WRONLY | O_APPEND | O_NONBLOCK, kInheritedFd, status_fd);
  // Everything else goes, except the status pipe.
  syscall(SYS_close_range, 3, kCloexecFd - 1, 0);
  syscall(SYS_close_range, kInheritedFd + 1, status_fd - 1, 0);
  syscall(SYS_close_range, status_fd + 1, ~0U, 0);
}

void PrepareSignals(int status_fd) {
  KernelSigaction dfl{};
  for (int sig = 1; sig <= 64; ++sig) syscall(SYS_rt_sigaction, sig, &dfl, nullptr, sizeof(uint64_t));
  stack_t ss{};
  ss.ss_sp = g_altstack;
  ss.ss_size = sizeof g_altstack;
  if (sigaltstack(&ss, nullptr) != 0) FailInChild(status_fd, errno);
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  if (sigaction(kIgnoredSignal, &ign, nullptr) != 0) FailInChild(status_fd, errno);
  struct sigaction handled {};
  handled.sa_handler = Handler;
  handled.sa_flags = SA_RESTART | SA_ONSTACK;
  sigemptyset(&handled.sa_mask);
  sigaddset(&handled.sa_mask, SIGINT);
  if (sigaction(kHandledSignal, &handled, nullptr) != 0) FailInChild(status_fd, errno);
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, kBlockedSignal);
  if (sigprocmask(SIG_SETMASK, &blocked, nullptr) != 0) FailInChild(status_fd, errno);
}

void DirtyFpu() {
  const unsigned mxcsr = kDirtyMxcsr;
  const unsigned short fcw = kDirtyFcw;
  __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
  __asm__ volatile("fldcw %0" : : "m"(fcw));
}

// Root becomes `id` as setpriv --reuid --regid --clear-groups makes it: leaving uid 0 for good
// empties the capability sets (no keep-caps). Raw system calls: glibc's set*id would signal
// threads the child does not have.
void DropTo(int id, int status_fd) {
  if (syscall(SYS_setgroups, 0, nullptr) != 0 || syscall(SYS_setresgid, id, id, id) != 0 ||
      syscall(SYS_setresuid, id, id, id) != 0) {
    FailInChild(status_fd, errno);
  }
}

}  // namespace

const std::vector<std::string> kAslrDependent = {"addr.", "random."};
const std::vector<std::string> kRunDependent = {"random."};

RunResult RunCommand(const RunOptions& o) {
  const unsigned long persona = o.personality | (o.no_aslr ? ADDR_NO_RANDOMIZE : 0);
  const int run_as = o.run_as;
  return ulexec::test::RunChild({
      .argv = o.argv,
      .path = o.path,
      .env = o.env,
      .timeout_ms = o.timeout_ms,
      .prepare =
          [persona, run_as](int status_fd) {
            if (personality(persona) < 0) FailInChild(status_fd, errno);
            PrepareDescriptors(status_fd);
            PrepareSignals(status_fd);
            if (run_as >= 0) DropTo(run_as, status_fd);
            DirtyFpu();
          },
  });
}

std::string Report::Get(const std::string& key) const {
  auto it = values.find(key);
  return it == values.end() ? "<missing " + key + ">" : it->second;
}

std::vector<std::string> Report::KeysWithPrefix(std::string_view prefix) const {
  std::vector<std::string> keys;
  for (const auto& [k, v] : lines) {
    if (std::string_view(k).substr(0, prefix.size()) == prefix) keys.push_back(k);
  }
  return keys;
}

Report ParseReport(std::string_view text) {
  Report r;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    const size_t sep = line.find(": ");
    if (sep == std::string_view::npos || sep == 0) {
      r.problems.push_back("malformed line: " + std::string(line));
      continue;
    }
    std::string key(line.substr(0, sep));
    std::string value(line.substr(sep + 2));
    if (!r.values.emplace(key, value).second) {
      r.problems.push_back("duplicate key: " + key);
      continue;
    }
    r.lines.emplace_back(std::move(key), std::move(value));
  }
  return r;
}

std::vector<KeyDiff> CompareReports(const Report& a, const Report& b, const std::vector<std::string>& allowed) {
  auto is_allowed = [&](const std::string& key) {
    for (const auto& p : allowed) {
      if (key.compare(0, p.size(), p) == 0) return true;
    }
    return false;
  };
  std::vector<KeyDiff> diffs;
  for (const auto& [key, value] : a.lines) {
    if (is_allowed(key)) continue;
    auto it = b.values.find(key);
    if (it == b.values.end()) diffs.push_back({key, value, std::nullopt});
    else if (it->second != value) diffs.push_back({key, value, it->second});
  }
  for (const auto& [key, value] : b.lines) {
    if (!is_allowed(key) && !a.Has(key)) diffs.push_back({key, std::nullopt, value});
  }
  return diffs;
}

std::string FormatDiff(const std::vector<KeyDiff>& diffs, std::string_view a_name, std::string_view b_name) {
  std::ostringstream s;
  for (const auto& d : diffs) {
    s << d.key << ": " << a_name << '=' << (d.a ? *d.a : "<missing>") << " | " << b_name << '='
      << (d.b ? *d.b : "<missing>") << '\n';
  }
  return s.str();
}

::testing::AssertionResult ReportsMatch(const Report& a, const Report& b, const std::vector<std::string>& allowed,
                                        std::string_view a_name, std::string_view b_name) {
  const auto diffs = CompareReports(a, b, allowed);
  if (diffs.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << diffs.size() << " key(s) differ:\n" << FormatDiff(diffs, a_name, b_name);
}

std::string ProbePath(std::string_view variant) { return ulexec::test::Binary("probe-" + std::string(variant)); }

}  // namespace probe_test
