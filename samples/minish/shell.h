// The state of one minish: its variables, its jobs, the arena of the line being run, and how
// it was started. What runs a command line, a source text or a built-in gets it.
#pragma once

#include "arena.h"
#include "jobs.h"
#include "syntax.h"
#include "vars.h"

#include <string_view>

namespace minish {

struct Shell {
  VariableStore vars;
  JobTable jobs;
  Arena* arena = nullptr;  // reset before each command line
  bool interactive = false;
  const char* name = "minish";    // for messages: "minish: ..."
  const char* script = nullptr;  // the script file being run, for syntax errors
};

// Runs a whole source text (a -c string, a script) command line by command line; a syntax
// error stops it with status 2, as sh does. Returns the last status.
int RunSource(Shell& shell, std::string_view source);
// Runs one parsed command line; returns its status (also left in $?).
int RunCommandLine(Shell& shell, const CommandLine& line);
// Reports a syntax error: "minish: line L, column C: MESSAGE".
void ReportSyntaxError(const Shell& shell, std::string_view source, const SyntaxError& error);
// Runs a file as a script in this process (a child of the shell that found a file that is
// neither ELF nor #!, as POSIX shells do). Never returns.
[[noreturn]] void RunScriptInChild(Shell& shell, const char* path, char** argv);
// Exits the shell (the exit built-in, end of input).
[[noreturn]] void ExitShell(int status);

}  // namespace minish
