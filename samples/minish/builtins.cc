// Each built-in takes argv as a command would and returns its exit status; errors are
// "minish: NAME: ..." on stderr with status 1 (2 for a usage error), as bash reports them.
#include "builtins.h"

#include "lexer.h"

#include <crt/errno-names.h>
#include <crt/format.h>
#include <crt/string.h>
#include <crt/sys.h>

namespace minish {
namespace {

template <typename... Parts>
int Error(int status, const Parts&... parts) {
  crt::Writer w(2);
  w << "minish: ";
  (w << ... << parts);
  w << '\n';
  return status;
}

int Cd(Shell& shell, size_t argc, char** argv) {
  if (argc > 2) return Error(1, "cd: too many arguments");
  const char* dir = argc == 2 ? argv[1] : shell.vars.Get("HOME");
  const bool back = argc == 2 && crt::View(dir) == "-";
  if (back) dir = shell.vars.Get("OLDPWD");
  if (!dir) return Error(1, "cd: ", back ? "OLDPWD" : "HOME", " not set");
  auto r = crt::sys::Chdir(dir);
  if (!r) return Error(1, "cd: ", dir, ": ", crt::ErrnoMessage(r.error()));
  static char cwd[4096];
  const char* old = shell.vars.Get("PWD");
  if (old) (void)shell.vars.Set("OLDPWD", old);
  if (crt::sys::Getcwd(cwd, sizeof cwd)) (void)shell.vars.Set("PWD", cwd);
  if (back) crt::Writer(1) << cwd << '\n';
  return 0;
}

int Exit(Shell& shell, size_t argc, char** argv) {
  unsigned long status = static_cast<unsigned long>(shell.vars.status());
  if (argc > 1 && !crt::ParseUnsigned(argv[1], &status)) return Error(2, "exit: ", argv[1], ": numeric argument required");
  ExitShell(static_cast<int>(status & 0xff));
}

int Export(Shell& shell, size_t argc, char** argv) {
  int status = 0;
  if (argc == 1) {
    char** env = shell.vars.Environ(*shell.arena, nullptr, 0);
    crt::Writer out(1);
    for (; env && *env; ++env) out << "export " << *env << '\n';
  }
  for (size_t i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    const std::string_view name = crt::Slice(arg, 0, arg.find('='));
    if (!IsName(name)) {
      status = Error(1, "export: '", arg, "': not a valid identifier");
    } else if (name.size() < arg.size()) {
      if (!shell.vars.Set(name, crt::Slice(arg, name.size() + 1), true)) status = Error(1, "export: no room for ", name);
    } else {
      shell.vars.Export(name);
    }
  }
  return status;
}

int Unset(Shell& shell, size_t argc, char** argv) {
  for (size_t i = 1; i < argc; ++i) shell.vars.Unset(argv[i]);
  return 0;
}

int Wait(Shell& shell, size_t argc, char** argv) {
  if (argc == 1) {
    (void)shell.jobs.Wait(nullptr);
    return 0;
  }
  int status = 0;
  for (size_t i = 1; i < argc; ++i) {
    Job* job = shell.jobs.Find(argv[i]);
    status = job ? shell.jobs.Wait(job) : 127;
    if (!job) Error(127, "wait: ", argv[i], ": no such job");
  }
  return status;
}

int Jobs(Shell& shell, size_t, char**) {
  shell.jobs.List();
  return 0;
}

Job* FindJob(Shell& shell, const char* builtin, size_t argc, char** argv) {
  if (!shell.jobs.job_control()) {
    Error(1, builtin, ": no job control");
    return nullptr;
  }
  Job* job = shell.jobs.Find(argc > 1 ? argv[1] : "");
  if (!job) Error(1, builtin, ": ", argc > 1 ? argv[1] : "current", ": no such job");
  return job;
}

int Fg(Shell& shell, size_t argc, char** argv) {
  Job* job = FindJob(shell, "fg", argc, argv);
  if (!job) return 1;
  crt::Writer(1) << job->text << '\n';
  return shell.jobs.Foreground(job, true);
}

int Bg(Shell& shell, size_t argc, char** argv) {
  Job* job = FindJob(shell, "bg", argc, argv);
  if (!job) return 1;
  shell.jobs.Background(job, true);
  return 0;
}

struct Builtin {
  std::string_view name;
  int (*run)(Shell&, size_t, char**);
};
constexpr Builtin kBuiltins[] = {
    {"cd", Cd},     {"exit", Exit}, {"export", Export}, {"unset", Unset},
    {"wait", Wait}, {"jobs", Jobs}, {"fg", Fg},         {"bg", Bg},
};

}  // namespace

bool IsBuiltin(const char* name) {
  for (const Builtin& b : kBuiltins) {
    if (b.name == crt::View(name)) return true;
  }
  return false;
}

int RunBuiltin(Shell& shell, size_t argc, char** argv) {
  for (const Builtin& b : kBuiltins) {
    if (b.name == crt::View(argv[0])) return b.run(shell, argc, argv);
  }
  return 127;
}

}  // namespace minish
