// The job table: each pipeline started by the shell is a job of one or more processes, in its
// own process group when job control is on (an interactive shell on a terminal). Waiting,
// stopping (Ctrl+Z), resuming (fg, bg) and the "[1]+ Done" reports live here.
#pragma once

#include <cstddef>
#include <string_view>

namespace minish {

struct Job {
  struct Process {
    int pid;
    int status;  // the wait status, once stopped or ended
    bool done;
    bool stopped;
  };
  static constexpr size_t kMaxProcesses = 1024;  // a longer pipeline is refused before it starts

  int id = 0;  // [id] in reports; 0 for a free slot
  int pgid = 0;
  Process processes[kMaxProcesses];
  size_t count = 0;
  char text[200];
  bool notified = false;  // its last change was reported

  bool Done() const;
  bool Stopped() const;  // none running, some stopped
  // The shell's $? for it: the last process's exit status, or 128 + the signal.
  int Status() const;
};

class JobTable {
 public:
  static constexpr size_t kMaxJobs = 64;

  // job_control: put jobs in process groups and hand them the terminal (fd 0).
  void Init(bool job_control);
  bool job_control() const { return job_control_; }

  Job* Create(std::string_view text);
  // Records a child started for `job`; the first one leads its process group.
  void Add(Job* job, int pid);
  // Runs `job` in the foreground until it ends or stops; returns its status (128 + SIGTSTP
  // etc. when stopped, as shells do).
  int Foreground(Job* job, bool resume);
  // Leaves `job` running in the background: "[1] PID" with job control, or resumed ("bg").
  void Background(Job* job, bool resume);
  // Whether a foreground job was ended by Ctrl+C on the terminal since the last clear: then,
  // as bash and dash do, the rest of the command line is dropped.
  bool interrupted() const { return interrupted_; }
  void clear_interrupted() { interrupted_ = false; }
  // Collects what ended or stopped without blocking, and reports background jobs that ended
  // (when `report`), then forgets them.
  void Reap(bool report);
  // Waits for `job`, or for every job when nullptr; returns the status of the last one.
  int Wait(Job* job);
  void Free(Job* job);

  // A job by %N, %% / %+ / nothing (the current one) or a pid; nullptr if none.
  Job* Find(std::string_view spec);
  // The jobs builtin: every job with its state; the ended ones are then forgotten.
  void List();
  void Forget();  // in a child: these jobs are the parent's

 private:
  bool WaitOne(bool block);
  void Print(int fd, const Job& job, bool with_state) const;
  void TakeTerminal() const;

  Job jobs_[kMaxJobs];
  int current_ = 0;  // the id of the "+" job
  bool job_control_ = false;
  bool interrupted_ = false;
  int shell_pgid_ = 0;
  char tty_modes_[64];  // the shell's terminal modes (TCGETS: the kernel's 36-byte termios)
  bool have_tty_modes_ = false;
};

// "Segmentation fault", "Killed"... as shells print them; nullptr for an unknown signal.
const char* SignalDescription(int sig);

}  // namespace minish
