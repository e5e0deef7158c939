// minish: a small POSIX-style shell on crt/ alone, whose every external command starts by fork
// and ulexec. Interactive with job control on a terminal; -c LINE; a script FILE; or stdin.
//   minish [-c LINE [NAME [ARG...]] | FILE [ARG...]]
#include "input.h"
#include "parser.h"
#include "shell.h"

#include <crt/errno-names.h>
#include <crt/format.h>
#include <crt/signal.h>
#include <crt/sys.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>

namespace minish {
namespace {

constexpr size_t kArenaSize = 16 << 20;  // one command line's tree and expansions (lazily paged)
constexpr size_t kLineMax = 64 * 1024;

volatile int g_interrupted = 0;

// Ctrl+C at the prompt: the read fails with EINTR (no SA_RESTART) and the line is dropped.
void OnInterrupt(int) { g_interrupted = 1; }

bool IsTerminal(int fd) {
  struct termios t;
  return crt::sys::Ioctl(fd, TCGETS, &t).ok();
}

// Job control for an interactive shell (POSIX XCU 2.11): wait until we are in the foreground,
// then lead our own process group and own the terminal.
void StartJobControl(Shell& shell) {
  for (;;) {
    int fg = 0;
    if (!crt::sys::Ioctl(0, TIOCGPGRP, &fg) || fg == crt::sys::Getpgid(0).value()) break;
    (void)crt::sys::Kill(0, SIGTTIN);
  }
  (void)crt::Signal(SIGINT, OnInterrupt);
  for (int sig : {SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU}) (void)crt::Signal(sig, SIG_IGN);
  int pid = crt::sys::Getpid().value();
  (void)crt::sys::Setpgid(0, pid);
  (void)crt::sys::Ioctl(0, TIOCSPGRP, &pid);
  shell.jobs.Init(true);
}

[[noreturn]] void Interactive(Shell& shell) {
  static char line[kLineMax];
  size_t len = 0;
  for (;;) {
    if (len == 0) shell.jobs.Reap(true);
    const char* prompt = len ? "> " : shell.vars.Get("PS1");
    crt::Writer(2) << (prompt ? prompt : "minish$ ");
    g_interrupted = 0;
    const long got = ReadLine(0, line, sizeof line, &len);
    if (got == -EINTR) {
      crt::Writer(2) << '\n';
      len = 0;
      continue;
    }
    if (got <= 0 && len == 0) {
      crt::Writer(2) << "exit\n";
      ExitShell(shell.vars.status());
    }
    const std::string_view source(line, len);
    shell.arena->Reset();
    const ParseResult r = ParseCommandLine(source, 0, *shell.arena);
    if (!r.ok && r.error.incomplete && got > 0 && len < sizeof line) continue;  // read the rest
    if (!r.ok) {
      ReportSyntaxError(shell, source, r.error);
      shell.vars.set_status(2);
    } else if (r.next < len) {
      (void)RunSource(shell, source);  // several lines at once (pasted)
    } else {
      RunCommandLine(shell, r.line);
    }
    len = 0;
  }
}

int Usage() {
  crt::Writer(2) << "usage: minish [-c LINE [NAME [ARG...]] | FILE [ARG...]]\n";
  return 2;
}

}  // namespace
}  // namespace minish

int main(int argc, char** argv, char** envp) {
  using namespace minish;
  static Shell shell;
  auto block = crt::sys::Mmap(nullptr, kArenaSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (!block) return 2;
  Arena arena(block.value(), kArenaSize);
  shell.arena = &arena;
  const std::string_view first = argc > 1 ? argv[1] : "";
  if (first == "-c") {
    if (argc < 3) return Usage();
    const int extra = argc > 3 ? argc - 4 : 0;
    shell.vars.Init(envp, argc > 3 ? argv[3] : argv[0], argv + 4, static_cast<size_t>(extra));
    shell.jobs.Init(false);
    ExitShell(RunSource(shell, argv[2]));
  }
  if (first.starts_with("-") && first != "-") return Usage();
  std::string_view text;
  if (argc > 1) {
    shell.vars.Init(envp, argv[1], argv + 2, static_cast<size_t>(argc - 2));
    auto fd = crt::sys::Open(argv[1], O_RDONLY | O_CLOEXEC);
    if (!fd || !ReadAll(fd.value(), &text)) {
      crt::Writer(2) << "minish: " << argv[1] << ": " << crt::ErrnoMessage(fd ? EIO : fd.error()) << '\n';
      return fd ? 126 : 127;  // bash's statuses for a script it cannot read
    }
    (void)crt::sys::Close(fd.value());
    shell.script = argv[1];
    shell.jobs.Init(false);
    ExitShell(RunSource(shell, text));
  }
  shell.vars.Init(envp, argv[0], nullptr, 0);
  if (IsTerminal(0) && IsTerminal(2)) {
    shell.interactive = true;
    StartJobControl(shell);
    Interactive(shell);
  }
  shell.jobs.Init(false);
  if (!ReadAll(0, &text)) return 2;
  ExitShell(RunSource(shell, text));
}
