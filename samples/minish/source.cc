// Runs source text command line by command line, as sh reads a script: each line is parsed
// just before it runs, so a syntax error on line 5 stops the script after line 4.
#include "input.h"
#include "parser.h"
#include "shell.h"

#include <crt/format.h>
#include <crt/sys.h>

#include <fcntl.h>

namespace minish {

void ReportSyntaxError(const Shell& shell, std::string_view source, const SyntaxError& error) {
  const Position p = Locate(source, error.offset);
  crt::Writer w(2);
  w << shell.name << ": ";
  if (shell.script) w << shell.script << ": ";
  w << "line " << p.line << ", column " << p.column << ": syntax error: " << error.message << '\n';
}

int RunSource(Shell& shell, std::string_view source) {
  size_t pos = 0;
  while (pos < source.size()) {
    shell.arena->Reset();
    const ParseResult r = ParseCommandLine(source, pos, *shell.arena);
    if (!r.ok) {
      ReportSyntaxError(shell, source, r.error);
      shell.vars.set_status(2);
      return 2;
    }
    RunCommandLine(shell, r.line);
    shell.jobs.Reap(false);
    pos = r.next;
  }
  return shell.vars.status();
}

void RunScriptInChild(Shell& shell, const char* path, char** argv) {
  std::string_view text;
  auto fd = crt::sys::Open(path, O_RDONLY | O_CLOEXEC);
  if (!fd || !ReadAll(fd.value(), &text)) {
    crt::Writer(2) << "minish: " << path << ": cannot read the script\n";
    ExitShell(126);
  }
  (void)crt::sys::Close(fd.value());
  size_t argc = 0;
  while (argv[argc]) ++argc;
  shell.vars.SetPositional(path, argv + 1, argc - 1);
  shell.script = path;
  ExitShell(RunSource(shell, text));
}

void ExitShell(int status) { crt::sys::ExitGroup(status); }

}  // namespace minish
