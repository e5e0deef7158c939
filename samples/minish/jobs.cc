// Job control as POSIX shells do it: setpgid in parent and child (whichever runs first), the
// terminal's foreground group set with TIOCSPGRP, wait4 with WUNTRACED to see Ctrl+Z.
#include "jobs.h"

#include <crt/format.h>
#include <crt/string.h>
#include <crt/sys.h>

#include <errno.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

namespace minish {

bool Job::Done() const {
  for (size_t i = 0; i < count; ++i) {
    if (!processes[i].done) return false;
  }
  return true;
}

bool Job::Stopped() const {
  bool any = false;
  for (size_t i = 0; i < count; ++i) {
    if (!processes[i].done && !processes[i].stopped) return false;
    any = any || processes[i].stopped;
  }
  return any;
}

int Job::Status() const {
  if (count == 0) return 0;
  const int s = processes[count - 1].status;
  if (WIFEXITED(s)) return WEXITSTATUS(s);
  if (WIFSIGNALED(s)) return 128 + WTERMSIG(s);
  if (WIFSTOPPED(s)) return 128 + WSTOPSIG(s);
  return 0;
}

const char* SignalDescription(int sig) {
  switch (sig) {
    case SIGHUP: return "Hangup";
    case SIGINT: return "Interrupt";
    case SIGQUIT: return "Quit";
    case SIGILL: return "Illegal instruction";
    case SIGTRAP: return "Trace/breakpoint trap";
    case SIGABRT: return "Aborted";
    case SIGBUS: return "Bus error";
    case SIGFPE: return "Floating point exception";
    case SIGKILL: return "Killed";
    case SIGUSR1: return "User defined signal 1";
    case SIGSEGV: return "Segmentation fault";
    case SIGUSR2: return "User defined signal 2";
    case SIGPIPE: return "Broken pipe";
    case SIGALRM: return "Alarm clock";
    case SIGTERM: return "Terminated";
    case SIGTSTP: return "Stopped";
    case SIGSTOP: return "Stopped (signal)";
    case SIGTTIN: return "Stopped (tty input)";
    case SIGTTOU: return "Stopped (tty output)";
    default: return nullptr;
  }
}

void JobTable::Init(bool job_control) {
  job_control_ = job_control;
  shell_pgid_ = crt::sys::Getpgid(0).value();
  have_tty_modes_ = job_control && crt::sys::Ioctl(0, TCGETS, tty_modes_).ok();
}

Job* JobTable::Create(std::string_view text) {
  int id = 1;
  for (const Job& j : jobs_) {
    if (j.id >= id) id = j.id + 1;
  }
  for (Job& j : jobs_) {
    if (j.id != 0) continue;
    j = Job{};
    j.id = id;
    crt::FormatTo(j.text, sizeof j.text, text);
    return &j;
  }
  return nullptr;
}

void JobTable::Add(Job* job, int pid) {
  if (job->count == 0) job->pgid = pid;
  if (job_control_) (void)crt::sys::Setpgid(pid, job->pgid);
  if (job->count < Job::kMaxProcesses) job->processes[job->count++] = Job::Process{pid, 0, false, false};
}

void JobTable::Free(Job* job) {
  if (current_ == job->id) current_ = 0;
  job->id = 0;
}

// One wait4: records the change in the job that owns the child. False when nothing is left to
// wait for (or, not blocking, nothing changed).
bool JobTable::WaitOne(bool block) {
  int status = 0;
  auto r = crt::sys::Wait4(-1, &status, WUNTRACED | WCONTINUED | (block ? 0 : WNOHANG));
  while (!r && r.error() == EINTR) r = crt::sys::Wait4(-1, &status, WUNTRACED | WCONTINUED | (block ? 0 : WNOHANG));
  if (!r || r.value() == 0) return false;
  for (Job& j : jobs_) {
    for (size_t i = 0; j.id && i < j.count; ++i) {
      Job::Process& p = j.processes[i];
      if (p.pid != r.value()) continue;
      if (WIFCONTINUED(status)) {
        p.stopped = false;
        continue;
      }
      p.status = status;
      p.stopped = WIFSTOPPED(status);
      p.done = !p.stopped;
      j.notified = false;
    }
  }
  return true;
}

void JobTable::TakeTerminal() const {
  if (!job_control_) return;
  int pgid = shell_pgid_;
  (void)crt::sys::Ioctl(0, TIOCSPGRP, &pgid);
  if (have_tty_modes_) (void)crt::sys::Ioctl(0, TCSETSW, const_cast<char*>(tty_modes_));
}

int JobTable::Foreground(Job* job, bool resume) {
  if (job_control_) {
    int pgid = job->pgid;
    (void)crt::sys::Ioctl(0, TIOCSPGRP, &pgid);
  }
  if (resume) {
    for (size_t i = 0; i < job->count; ++i) job->processes[i].stopped = false;
    (void)crt::sys::Kill(job_control_ ? -job->pgid : job->processes[0].pid, SIGCONT);
  }
  while (!job->Done() && !job->Stopped() && WaitOne(true)) {
  }
  TakeTerminal();
  const int status = job->Status();
  if (job->Stopped()) {
    current_ = job->id;
    (void)crt::WriteAll(2, "\n", 1);  // the terminal shows ^Z after the prompt's line
    Print(2, *job, true);
    job->notified = true;
    return status;
  }
  const Job::Process& last = job->processes[job->count - 1];
  // As shells do: a word for a signal that ended the job, except the two a user expects
  // (Ctrl+C gets a new line on a terminal; a closed pipe is the normal end of `yes | head`).
  const int sig = WIFSIGNALED(last.status) ? WTERMSIG(last.status) : 0;
  interrupted_ = interrupted_ || (sig == SIGINT && job_control_);
  if (sig && sig != SIGPIPE && (sig != SIGINT || job_control_)) {
    crt::Writer err(2);
    if (sig != SIGINT) {
      const char* what = SignalDescription(sig);
      if (what) err << what;
      else err << "Signal " << sig;
      if (WCOREDUMP(last.status)) err << " (core dumped)";
    }
    err << '\n';
  }
  Free(job);
  return status;
}

void JobTable::Background(Job* job, bool resume) {
  current_ = job->id;
  if (!resume) {
    if (job_control_) crt::Writer(2) << '[' << job->id << "] " << job->processes[job->count - 1].pid << '\n';
    return;
  }
  for (size_t i = 0; i < job->count; ++i) job->processes[i].stopped = false;
  (void)crt::sys::Kill(job_control_ ? -job->pgid : job->processes[0].pid, SIGCONT);
  crt::Writer out(1);
  out << '[' << job->id << "]+ " << job->text << " &\n";
}

void JobTable::Reap(bool report) {
  while (WaitOne(false)) {
  }
  for (Job& j : jobs_) {
    if (!j.id || j.notified) continue;
    if (j.Done() || j.Stopped()) {
      if (report) Print(2, j, true);
      j.notified = true;
    }
    if (j.Done()) Free(&j);
  }
}

int JobTable::Wait(Job* job) {
  int status = 0;
  for (Job& j : jobs_) {
    if (!j.id || (job && &j != job)) continue;
    while (!j.Done() && !j.Stopped() && WaitOne(true)) {
    }
    status = j.Status();
    if (j.Done()) Free(&j);
  }
  return status;
}

Job* JobTable::Find(std::string_view spec) {
  unsigned long n = 0;
  const bool current = spec.empty() || spec == "%" || spec == "%%" || spec == "%+";
  const bool by_id = !current && spec[0] == '%' && crt::ParseUnsigned(crt::Slice(spec, 1), &n);
  const bool by_pid = !current && !by_id && crt::ParseUnsigned(spec, &n);
  Job* newest = nullptr;
  for (Job& j : jobs_) {
    if (!j.id) continue;
    if (current && (j.id == current_ || (!current_ && (!newest || j.id > newest->id)))) newest = &j;
    if (by_id && static_cast<unsigned long>(j.id) == n) return &j;
    for (size_t i = 0; by_pid && i < j.count; ++i) {
      if (static_cast<unsigned long>(j.processes[i].pid) == n) return &j;
    }
  }
  return current ? newest : nullptr;
}

void JobTable::Print(int fd, const Job& job, bool with_state) const {
  crt::Writer w(fd);
  w << '[' << job.id << ']' << (job.id == current_ ? '+' : ' ') << "  ";
  if (with_state) {
    char state[32];
    const Job::Process& last = job.processes[job.count - 1];
    if (job.Stopped()) crt::FormatTo(state, sizeof state, "Stopped");
    else if (!job.Done()) crt::FormatTo(state, sizeof state, "Running");
    else if (WIFSIGNALED(last.status) && SignalDescription(WTERMSIG(last.status)))
      crt::FormatTo(state, sizeof state, SignalDescription(WTERMSIG(last.status)));
    else if (job.Status() == 0) crt::FormatTo(state, sizeof state, "Done");
    else crt::FormatTo(state, sizeof state, "Exit ", job.Status());
    w << state;
    for (size_t n = crt::View(state).size(); n < 24; ++n) w << ' ';
  }
  w << job.text << '\n';
}

void JobTable::List() {
  while (WaitOne(false)) {
  }
  for (Job& j : jobs_) {
    if (!j.id) continue;
    Print(1, j, true);
    j.notified = true;
    if (j.Done()) Free(&j);
  }
}

void JobTable::Forget() {
  for (Job& j : jobs_) j.id = 0;
  current_ = 0;
}

}  // namespace minish
