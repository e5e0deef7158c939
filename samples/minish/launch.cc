// Where every external command starts: ulexec::ExecPath in the forked child. A file that is
// neither ELF nor #! (ENOEXEC, and not binary) is run by this child as a minish script, as
// POSIX shells do (execvp would hand it to /bin/sh instead).
#include "launch.h"

#include "builtins.h"
#include "redirect.h"

#include <crt/errno-names.h>
#include <crt/format.h>
#include <crt/path-search.h>
#include <crt/process.h>
#include <crt/string.h>
#include <crt/sys.h>
#include <ulexec/ulexec.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

namespace minish {
namespace {

constexpr int kNotFound = 127;
constexpr int kCannotRun = 126;

[[noreturn]] void Fail(std::string_view name, std::string_view reason, std::string_view detail, int status) {
  {
    crt::Writer w(2);
    w << "minish: " << name << ": " << reason;
    if (!detail.empty()) w << " (" << detail << ')';
    w << '\n';
  }
  ExitShell(status);
}

// bash's test for a file not to run as a script: an ELF header, or a NUL in the first line.
bool LooksBinary(const char* path) {
  auto fd = crt::sys::Open(path, O_RDONLY | O_CLOEXEC);
  if (!fd) return true;
  char head[128];
  auto n = crt::sys::Read(fd.value(), head, sizeof head);
  (void)crt::sys::Close(fd.value());
  if (!n) return true;
  const std::string_view s(head, n.value());
  if (s.starts_with("\x7f" "ELF")) return true;
  const size_t nul = s.find('\0');
  return nul != std::string_view::npos && nul < s.find('\n');
}

}  // namespace

void RunInChild(Shell& shell, const ExpandedCommand& command) {
  if (!ApplyRedirects(command, nullptr)) ExitShell(kRedirectFailed);
  if (command.argc == 0) ExitShell(0);
  for (size_t i = 0; i < command.assignment_count; ++i) (void)shell.vars.Assign(command.assignments[i], true);
  const char* name = command.argv[0];
  if (IsBuiltin(name)) ExitShell(RunBuiltin(shell, command.argc, command.argv));

  static char found[4096];
  const char* path = name;
  if (crt::View(name).find('/') == std::string_view::npos) {
    int err;
    if (!crt::SearchPath(name, shell.vars.Get("PATH"), found, sizeof found, &err)) {
      if (err == ENOENT) Fail(name, "command not found", {}, kNotFound);
      Fail(name, crt::ErrnoMessage(err), {}, kCannotRun);
    }
    path = found;
  }
  char** envp = shell.vars.Environ(*shell.arena, nullptr, 0);
  if (!envp) Fail(name, "out of memory", {}, kCannotRun);
  ulexec::Options options;
  options.auxv = reinterpret_cast<const unsigned long*>(crt::ThisProcess().auxv);
  ulexec_error error{};
  const int code = -ulexec::ExecPath(path, command.argv, envp, options, &error);
  if (code == ENOEXEC && !LooksBinary(path)) RunScriptInChild(shell, path, command.argv);
  Fail(name, crt::ErrnoMessage(code), error.text, code == ENOENT ? kNotFound : kCannotRun);
}

}  // namespace minish
