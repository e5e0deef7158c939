// Running a corpus case with execve and through the ulexec command, and judging the two
// (kernel-and-command.h).
#include "kernel-and-command.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

namespace corpus {

using ulexec::test::RunChild;
using ulexec::test::RunResult;

std::string ErrnoName(int e) {
  const char* n = strerrorname_np(e);
  return n ? n : "errno " + std::to_string(e);
}

std::string Describe(const Outcome& o, bool command) {
  switch (o.kind) {
    case Outcome::kErrno: return (command ? "cannot start ulexec: " : "execve fails: ") + ErrnoName(o.value);
    case Outcome::kExit: return (command ? "exit " : "runs: exit ") + std::to_string(o.value);
    case Outcome::kSignal: {
      const char* n = sigabbrev_np(o.value);
      return std::string("killed: SIG") + (n ? n : std::to_string(o.value).c_str());
    }
    case Outcome::kTimeout: return "timed out";
    default: return "not run";
  }
}

void ApplyLimits(rlim_t stack, rlim_t as) {
  if (stack) {
    rlimit r{stack, stack};
    getrlimit(RLIMIT_STACK, &r);
    r.rlim_cur = stack;
    setrlimit(RLIMIT_STACK, &r);
  }
  if (as) {
    rlimit r;
    getrlimit(RLIMIT_AS, &r);
    r.rlim_cur = as;
    setrlimit(RLIMIT_AS, &r);
  }
}

Outcome ToOutcome(const RunResult& r) {
  Outcome o;
  o.out = r.out;
  o.err = r.err;
  if (r.timed_out) {
    o.kind = Outcome::kTimeout;
  } else if (r.exec_returned) {
    o.kind = Outcome::kErrno;
    o.value = r.exec_errno;
  } else if (r.exited) {
    o.kind = Outcome::kExit;
    o.value = r.exit_code;
  } else {
    o.kind = r.term_signal == SIGALRM ? Outcome::kTimeout : Outcome::kSignal;
    o.value = r.term_signal;
  }
  return o;
}

std::function<void(int)> Limits(rlim_t stack, rlim_t as) {
  return [stack, as](int) {
    ApplyLimits(stack, as);
    alarm(20);
  };
}

namespace {

// Runs execve(file, argv, kEnv) in a forked child with the case's limits; collects its output.
Outcome Spawn(const std::string& file, const std::vector<std::string>& argv, const Case& c) {
  return ToOutcome(RunChild(
      {.argv = argv, .path = file, .env = kEnv, .timeout_ms = 30000, .prepare = Limits(c.stack_limit, c.as_limit)}));
}

}  // namespace

std::vector<std::string> ProgramArgv(const Case& c) {
  std::vector<std::string> argv{c.path};
  argv.insert(argv.end(), c.args.begin(), c.args.end());
  return argv;
}

Outcome RunKernel(const Case& c) { return Spawn(c.path, ProgramArgv(c), c); }

// As execve, not execvp: no /bin/sh for the files the kernel has no format for.
Outcome RunCommand(const Case& c) {
  std::vector<std::string> argv{g_ulexec, "--no-path-search"};
  const auto rest = ProgramArgv(c);
  argv.insert(argv.end(), rest.begin(), rest.end());
  return Spawn(g_ulexec, argv, c);
}

bool DetailOptional(int e) { return e == ENOENT || e == ENOTDIR || e == ENAMETOOLONG || e == ELOOP; }

namespace {

// Checks ulexec's one error line. `expected` is the errno, or 0 for "any errno (spec H3)".
std::string CheckErrorLine(const Case& c, const std::string& err, int expected) {
  if (err.empty() || err.back() != '\n' || err.find('\n') != err.size() - 1) {
    return "stderr is not exactly one line: \"" + err + "\"";
  }
  const std::string line = err.substr(0, err.size() - 1);
  const std::string head = "ulexec: " + c.path + ": ";
  if (line.compare(0, head.size(), head) != 0) return "the error line does not start with \"" + head + "\"";
  const std::string rest = line.substr(head.size());
  int code = expected;
  if (code == 0) {
    for (int e = 1; e < 134; ++e) {
      const std::string m = strerror(e);
      if (rest.compare(0, m.size(), m) == 0 && (rest.size() == m.size() || rest[m.size()] == ' ')) code = e;
    }
    if (code == 0) return "the error line names no errno: \"" + line + "\"";
  }
  const std::string message = strerror(code);
  if (rest.compare(0, message.size(), message) != 0) return "expected \"" + message + "\" in \"" + line + "\"";
  const std::string detail = rest.substr(message.size());
  if (detail.empty()) {
    if (expected == 0 || !DetailOptional(code)) return "the error line has no (detail): \"" + line + "\"";
    return "";
  }
  if (detail.size() < 4 || detail.compare(0, 2, " (") != 0 || detail.back() != ')') {
    return "malformed detail in \"" + line + "\"";
  }
  return "";
}

}  // namespace

// The rules are at the top of corpus-test.cc.
std::string JudgeCommand(const Case& c, const Outcome& k, const Outcome& u) {
  if (u.kind == Outcome::kErrno) return "ulexec itself could not be started: " + ErrnoName(u.value);
  if (u.kind == Outcome::kSignal) return "ulexec died of a signal";
  if (u.kind == Outcome::kTimeout) return "ulexec timed out";
  switch (k.kind) {
    case Outcome::kExit:
      if (u.value != k.value) return "the kernel ran it, ulexec exited " + std::to_string(u.value) + " (" + u.err + ")";
      if (u.err != k.err) return "stderr differs: kernel \"" + k.err + "\", ulexec \"" + u.err + "\"";
      if (u.out != k.out) return "stdout differs:\n--- kernel\n" + k.out + "--- ulexec\n" + u.out;
      return "";
    case Outcome::kErrno: {
      const int want = k.value == ENOENT ? 127 : 126;
      if (u.value != want) return "exit status " + std::to_string(u.value) + ", expected " + std::to_string(want);
      if (!u.out.empty()) return "unexpected stdout: " + u.out;
      return CheckErrorLine(c, u.err, k.value);
    }
    case Outcome::kSignal:
      if (u.value != 126) return "the kernel killed it; ulexec exited " + std::to_string(u.value) + ", expected 126";
      if (!u.out.empty()) return "unexpected stdout: " + u.out;
      return CheckErrorLine(c, u.err, 0);
    default:
      return "the kernel's outcome is unusable: " + Describe(k);
  }
}

}  // namespace corpus
