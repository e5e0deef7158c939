// Runs parsed command lines: and-or lists, pipelines (one fork each, joined by pipes, one job),
// built-ins in the shell itself, background jobs.
#include "builtins.h"
#include "launch.h"
#include "redirect.h"
#include "shell.h"

#include <crt/errno-names.h>
#include <crt/format.h>
#include <crt/signal.h>
#include <crt/sys.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>

namespace minish {
namespace {

// The signals an interactive shell ignores or catches for itself; its children get them back.
constexpr int kJobControlSignals[] = {SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};

int Report(int status, std::string_view what, int err) {
  crt::Writer w(2);
  w << "minish: " << what << ": " << crt::ErrnoMessage(err) << '\n';
  return status;
}

// In a new child: its process group and signals, before anything runs in it. `pgid` 0 makes
// the child the leader of a new group.
void SetUpChild(Shell& shell, int pgid, bool background) {
  if (shell.jobs.job_control()) {
    int group = pgid ? pgid : crt::sys::Getpid().value();
    (void)crt::sys::Setpgid(0, group);
    if (!background) (void)crt::sys::Ioctl(0, TIOCSPGRP, &group);  // SIGTTOU is still ignored here
    for (int sig : kJobControlSignals) (void)crt::Signal(sig, SIG_DFL);
  } else if (background) {
    // POSIX: without job control, an asynchronous list ignores SIGINT and SIGQUIT (so that
    // Ctrl+C stops only the foreground) and reads /dev/null unless redirected.
    (void)crt::Signal(SIGINT, SIG_IGN);
    (void)crt::Signal(SIGQUIT, SIG_IGN);
    auto null = crt::sys::Open("/dev/null", O_RDONLY);
    if (null && null.value() != 0) {
      (void)crt::sys::Dup2(null.value(), 0);
      (void)crt::sys::Close(null.value());
    }
  }
  shell.jobs.Forget();
  shell.jobs.Init(false);
  shell.interactive = false;
}

// A command that runs in the shell: only assignments, or a built-in; redirections around it.
int RunHere(Shell& shell, const ExpandedCommand& command) {
  SavedFds saved;
  int status = kRedirectFailed;
  if (ApplyRedirects(command, &saved)) {
    status = 0;
    for (size_t i = 0; i < command.assignment_count; ++i) {
      if (!shell.vars.Assign(command.assignments[i])) status = Report(1, command.assignments[i], ENOMEM);
    }
    if (command.argc > 0) status = RunBuiltin(shell, command.argc, command.argv);
  }
  RestoreRedirects(&saved);
  return status;
}

// Forks the pipeline's commands into one job; returns the job's status, or 0 in the background.
int Launch(Shell& shell, const ExpandedCommand* commands, size_t count, std::string_view text, bool background) {
  Job* job = shell.jobs.Create(text);
  if (!job) return Report(1, "jobs", EAGAIN);
  int input = -1;
  for (size_t i = 0; i < count; ++i) {
    int pipe_fds[2] = {-1, -1};
    auto piped = i + 1 < count ? crt::sys::Pipe2(pipe_fds, O_CLOEXEC) : crt::Result<int>::FromRaw(0);
    if (!piped) {
      Report(1, "pipe", piped.error());
      break;  // what already runs is waited for below
    }
    auto pid = crt::sys::Fork();
    if (pid && pid.value() == 0) {
      SetUpChild(shell, job->count ? job->pgid : 0, background);
      if (input >= 0) (void)crt::sys::Dup2(input, 0), (void)crt::sys::Close(input);
      if (pipe_fds[1] >= 0) {
        (void)crt::sys::Dup2(pipe_fds[1], 1);
        (void)crt::sys::Close(pipe_fds[0]), (void)crt::sys::Close(pipe_fds[1]);
      }
      RunInChild(shell, commands[i]);
    }
    if (input >= 0) (void)crt::sys::Close(input);
    if (pipe_fds[1] >= 0) (void)crt::sys::Close(pipe_fds[1]);
    input = pipe_fds[0];
    if (!pid) {
      Report(1, "fork", pid.error());
      break;
    }
    shell.jobs.Add(job, pid.value());
  }
  if (input >= 0) (void)crt::sys::Close(input);  // left open only when the loop broke off
  if (job->count == 0) {
    shell.jobs.Free(job);
    return 1;
  }
  if (!background) return shell.jobs.Foreground(job, false);
  shell.jobs.Background(job, false);
  return 0;
}

int RunPipeline(Shell& shell, const Pipeline& pipeline, std::string_view text, bool background) {
  auto* commands = shell.arena->New<ExpandedCommand>(pipeline.count);
  bool ok = commands != nullptr;
  for (size_t i = 0; ok && i < pipeline.count; ++i) {
    ok = ExpandCommand(pipeline.commands[i], shell.vars, *shell.arena, &commands[i]);
  }
  if (!ok) return Report(1, "expansion", ENOMEM);
  if (pipeline.count > Job::kMaxProcesses) return Report(1, "pipeline", E2BIG);
  const bool here = pipeline.count == 1 && !background &&
                    (commands[0].argc == 0 || IsBuiltin(commands[0].argv[0]));
  return here ? RunHere(shell, commands[0]) : Launch(shell, commands, pipeline.count, text, background);
}

int RunAndOr(Shell& shell, const AndOr& list) {
  int status = shell.vars.status();
  for (size_t i = 0; i < list.count; ++i) {
    if (shell.jobs.interrupted()) break;
    if (i > 0 && (list.connectors[i - 1] == Connector::kAnd) != (status == 0)) continue;
    status = RunPipeline(shell, list.pipelines[i], list.text, false);
    shell.vars.set_status(status);
  }
  return status;
}

// `a && b &`: the whole list is one background job, a child minish that runs it.
int RunInBackground(Shell& shell, const AndOr& list) {
  if (list.count == 1) return RunPipeline(shell, list.pipelines[0], list.text, true);
  Job* job = shell.jobs.Create(list.text);
  if (!job) return Report(1, "jobs", EAGAIN);
  auto pid = crt::sys::Fork();
  if (pid && pid.value() == 0) {
    SetUpChild(shell, 0, true);
    ExitShell(RunAndOr(shell, list));
  }
  if (!pid) {
    shell.jobs.Free(job);
    return Report(1, "fork", pid.error());
  }
  shell.jobs.Add(job, pid.value());
  shell.jobs.Background(job, false);
  return 0;
}

}  // namespace

int RunCommandLine(Shell& shell, const CommandLine& line) {
  shell.jobs.clear_interrupted();
  for (size_t i = 0; i < line.count && !shell.jobs.interrupted(); ++i) {
    const AndOr& item = line.items[i];
    shell.vars.set_status(item.background ? RunInBackground(shell, item) : RunAndOr(shell, item));
  }
  return shell.vars.status();
}

}  // namespace minish
