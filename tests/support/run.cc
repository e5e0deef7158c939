// The child runner (run.h): fork, arrange the child's descriptors, exec, and collect stdout,
// stderr, the exec's errno and the wait status, killing the child at the deadline.
#include "support/run.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>

extern char** environ;

namespace ulexec::test {
namespace {

// Where the child parks its descriptors before arranging 0-2, so that no dup2 overwrites one.
constexpr int kStatusFd = 200;
constexpr int kParkFd = 300;

int Park(int fd, int at, int status_fd) {
  const int high = fcntl(fd, F_DUPFD_CLOEXEC, at);
  if (high < 0) FailInChild(status_fd, errno);
  close(fd);
  return high;
}

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void Child(const Command& c, const char* path, char* const* argv, char* const* envp, int in, int out,
                        int err, int status) {
  status = Park(status, kStatusFd, status);
  in = Park(in, kParkFd, status);
  out = Park(out, kParkFd, status);
  err = Park(err, kParkFd, status);
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) FailInChild(status, errno);
  close(in);
  close(out);
  close(err);
  if (!c.cwd.empty() && chdir(c.cwd.c_str()) != 0) FailInChild(status, errno);
  if (c.prepare) c.prepare(status);
  FailInChild(status, c.exec ? c.exec(path, argv, envp) : (execve(path, argv, envp), errno));
}

// The whole of stdin_data goes into the pipe before the fork (grown to hold it), so that the
// parent never writes to a child that may have gone (SIGPIPE).
bool FillStdin(int fd, const std::string& data) {
  if (data.size() > 65536 && fcntl(fd, F_SETPIPE_SZ, static_cast<int>(data.size())) < 0) return false;
  for (size_t done = 0; done < data.size();) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void Collect(RunResult& r, pid_t pid, int out, int err, int status, int timeout_ms) {
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
  for (const pollfd& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  if (status_bytes.size() >= sizeof(int)) {
    r.exec_returned = true;
    memcpy(&r.exec_errno, status_bytes.data(), sizeof(int));
  }
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  r.exited = WIFEXITED(wstatus);
  if (r.exited) r.exit_code = WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) r.term_signal = WTERMSIG(wstatus);
}

}  // namespace

[[noreturn]] void FailInChild(int status_fd, int err) {
  (void)!write(status_fd, &err, sizeof err);
  _exit(127);
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

RunResult RunChild(const Command& c) {
  RunResult r;
  if (c.argv.empty()) {
    r.exec_returned = true;
    r.exec_errno = EINVAL;
    return r;
  }
  const std::string path = c.path.empty() ? c.argv[0] : c.path;
  std::vector<char*> argv = CStrings(c.argv);
  std::vector<char*> envp = c.env ? CStrings(*c.env) : std::vector<char*>();
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, status[2] = {-1, -1};
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
      pipe2(status, O_CLOEXEC) != 0 || !FillStdin(in[1], c.stdin_data)) {
    r.exec_returned = true;
    r.exec_errno = errno ? errno : EIO;
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1], status[0], status[1]}) {
      if (fd >= 0) close(fd);
    }
    return r;
  }
  close(in[1]);
  const pid_t pid = fork();
  const int fork_errno = errno;
  if (pid == 0) {
    close(out[0]);
    close(err[0]);
    close(status[0]);
    Child(c, path.c_str(), argv.data(), c.env ? envp.data() : environ, in[0], out[1], err[1], status[1]);
  }
  for (int fd : {in[0], out[1], err[1], status[1]}) close(fd);
  if (pid < 0) {
    r.exec_returned = true;
    r.exec_errno = fork_errno;
    for (int fd : {out[0], err[0], status[0]}) close(fd);
    return r;
  }
  Collect(r, pid, out[0], err[0], status[0], c.timeout_ms);
  return r;
}

std::string DescribeResult(const RunResult& r) {
  std::ostringstream s;
  if (r.exec_returned) {
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

}  // namespace ulexec::test
