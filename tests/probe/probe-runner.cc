#include "probe-runner.h"

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace probe_test {
namespace {

constexpr int kStatusFd = 200;  // the child's end of the execve-errno pipe (FD_CLOEXEC)
constexpr int kScratchFd = 300;  // the child parks descriptors at or above this before arranging

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

// --- In the child, between fork and execve: async-signal-safe calls only. ---------------------

[[noreturn]] void ChildFail(int status_fd, int err) {
  (void)!write(status_fd, &err, sizeof err);
  _exit(127);
}

// A copy of `fd` at or above kScratchFd with FD_CLOEXEC; the original is closed.
int Park(int fd, int status_fd) {
  const int high = fcntl(fd, F_DUPFD_CLOEXEC, kScratchFd);
  if (high < 0) ChildFail(status_fd, errno);
  close(fd);
  return high;
}

void PrepareDescriptors(int out, int err, int status_fd) {
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0) ChildFail(status_fd, errno);
  null = Park(null, status_fd);
  int cloexec = open(kCloexecPath, O_RDONLY | O_CLOEXEC);
  if (cloexec < 0) ChildFail(status_fd, errno);
  cloexec = Park(cloexec, status_fd);
  int inherited = open(kInheritedPath, O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC);
  if (inherited < 0) ChildFail(status_fd, errno);
  inherited = Park(inherited, status_fd);
  if (dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) ChildFail(status_fd, errno);
  if (dup3(cloexec, kCloexecFd, O_CLOEXEC) < 0 || dup2(inherited, kInheritedFd) < 0) ChildFail(status_fd, errno);
  // Everything else goes, except the status pipe.
  syscall(SYS_close_range, 3, kCloexecFd - 1, 0);
  syscall(SYS_close_range, kInheritedFd + 1, kStatusFd - 1, 0);
  syscall(SYS_close_range, kStatusFd + 1, ~0U, 0);
}

void PrepareSignals(int status_fd) {
  KernelSigaction dfl{};
  for (int sig = 1; sig <= 64; ++sig) syscall(SYS_rt_sigaction, sig, &dfl, nullptr, sizeof(uint64_t));
  stack_t ss{};
  ss.ss_sp = g_altstack;
  ss.ss_size = sizeof g_altstack;
  if (sigaltstack(&ss, nullptr) != 0) ChildFail(status_fd, errno);
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  if (sigaction(kIgnoredSignal, &ign, nullptr) != 0) ChildFail(status_fd, errno);
  struct sigaction handled {};
  handled.sa_handler = Handler;
  handled.sa_flags = SA_RESTART | SA_ONSTACK;
  sigemptyset(&handled.sa_mask);
  sigaddset(&handled.sa_mask, SIGINT);
  if (sigaction(kHandledSignal, &handled, nullptr) != 0) ChildFail(status_fd, errno);
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, kBlockedSignal);
  if (sigprocmask(SIG_SETMASK, &blocked, nullptr) != 0) ChildFail(status_fd, errno);
}

void DirtyFpu() {
  const unsigned mxcsr = kDirtyMxcsr;
  const unsigned short fcw = kDirtyFcw;
  __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
  __asm__ volatile("fldcw %0" : : "m"(fcw));
}

[[noreturn]] void Child(const RunOptions& o, const char* path, char* const* argv, char* const* envp, int out, int err,
                        int status) {
  status = Park(status, status);
  if (dup3(status, kStatusFd, O_CLOEXEC) < 0) ChildFail(status, errno);
  status = kStatusFd;
  out = Park(out, status);
  err = Park(err, status);
  if (personality(o.no_aslr ? ADDR_NO_RANDOMIZE : 0) < 0) ChildFail(status, errno);
  if (o.prepare_state) {
    PrepareDescriptors(out, err, status);
    PrepareSignals(status);
    DirtyFpu();
  } else if (dup2(out, 1) < 0 || dup2(err, 2) < 0) {
    ChildFail(status, errno);
  }
  execve(path, argv, envp);
  ChildFail(status, errno);
}

// --- In the parent. ---------------------------------------------------------------------------

std::vector<char*> CStrings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

void Collect(RunResult& r, int pid, int out, int err, int status, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string status_bytes;
  pollfd fds[3] = {{out, POLLIN, 0}, {err, POLLIN, 0}, {status, POLLIN, 0}};
  std::string* sinks[3] = {&r.out, &r.err, &status_bytes};
  int open_count = 3;
  char buf[65536];
  while (open_count > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    const int n = poll(fds, 3, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (int i = 0; i < 3; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  if (status_bytes.size() >= sizeof(int)) memcpy(&r.exec_errno, status_bytes.data(), sizeof(int));
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(wstatus)) {
    r.exited = true;
    r.exit_code = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    r.term_signal = WTERMSIG(wstatus);
  }
}

}  // namespace

const std::vector<std::string> kAslrDependent = {"addr.", "random."};
const std::vector<std::string> kRunDependent = {"random."};

RunResult RunCommand(const RunOptions& o) {
  RunResult r;
  if (o.argv.empty()) {
    r.exec_errno = EINVAL;
    return r;
  }
  const std::string path = o.path.empty() ? o.argv[0] : o.path;
  std::vector<char*> argv = CStrings(o.argv);
  std::vector<char*> envp = CStrings(o.env);
  int out[2], err[2], status[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 || pipe2(status, O_CLOEXEC) != 0) {
    r.exec_errno = errno;
    return r;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    r.exec_errno = errno;
    for (int fd : {out[0], out[1], err[0], err[1], status[0], status[1]}) close(fd);
    return r;
  }
  if (pid == 0) {
    close(out[0]);
    close(err[0]);
    close(status[0]);
    Child(o, path.c_str(), argv.data(), envp.data(), out[1], err[1], status[1]);
  }
  close(out[1]);
  close(err[1]);
  close(status[1]);
  Collect(r, pid, out[0], err[0], status[0], o.timeout_ms);
  return r;
}

std::string DescribeResult(const RunResult& r) {
  std::ostringstream s;
  if (r.exec_errno != 0) {
    const char* name = strerrorname_np(r.exec_errno);
    s << "execve failed: " << (name ? name : "errno " + std::to_string(r.exec_errno));
  } else if (r.exited) {
    s << "exited " << r.exit_code;
  } else {
    s << "killed by signal " << r.term_signal;
  }
  if (r.timed_out) s << " (timed out)";
  if (!r.err.empty()) s << "; stderr: " << r.err;
  return s.str();
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

std::string ProbePath(std::string_view variant) {
  std::string name = "ULEXEC_PROBE_";
  for (char c : variant) name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const char* path = std::getenv(name.c_str());
  return path ? path : "";
}

}  // namespace probe_test
