// entry-start: fork, take t0 in the child and start the probe one way, reap, read t1 from the
// pipe. Everything the child does before t0 (pinning, dup2, first touches) is left out of both
// the time and the fault count.
#include "entry-start.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/wait.h>
#include <time.h>
#include <ulexec/ulexec.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

extern char** environ;

namespace entry_bench {

// Written by the child before it starts the probe, read by the parent after the reap.
struct Starter::Slot {
  long long t0_ns;
  long minflt0;
};

namespace {

// What the probe writes at its entry (entry-probe/entry.S).
struct EntryReport {
  timespec entry;  // CLOCK_MONOTONIC, its first instruction
  long minflt;     // its minor faults just after
};

long long Nanoseconds(const timespec& t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

std::vector<char*> CArgv(const std::vector<std::string>& args) {
  std::vector<char*> v;
  for (const auto& a : args) v.push_back(const_cast<char*>(a.c_str()));
  v.push_back(nullptr);
  return v;
}

// What a fileless launcher does: copy the image into a memfd, exec that.
void MemfdFexecve(const Launch& launch, char* const argv[]) {
  const int memfd = memfd_create("entry-probe", MFD_CLOEXEC);
  if (memfd < 0) return;
  for (off_t offset = 0; offset < launch.image_size;) {
    if (sendfile(memfd, launch.image_fd, &offset, static_cast<size_t>(launch.image_size - offset)) <= 0) return;
  }
  fexecve(memfd, argv, environ);
}

[[noreturn]] void Child(const Launch& launch, char* const argv[], int write_fd, int cpu, Starter::Slot* slot) {
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
  }
  if (dup2(write_fd, kProbeFd) < 0) _exit(125);
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);  // the vDSO's pages and the slot faulted in before t0
  slot->t0_ns = 0;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);  // the last system call before t0 (run-entry's strace marker)
  slot->minflt0 = usage.ru_minflt;
  clock_gettime(CLOCK_MONOTONIC, &t);
  slot->t0_ns = Nanoseconds(t);
  switch (launch.way) {
    case Way::kUlexecLibrary: {
      ulexec_error error;  // left uninitialised: written only on failure, after the measure
      ulexec_execve(launch.path.c_str(), argv, environ, &error);
      dprintf(STDERR_FILENO, "entry-bench: ulexec_execve(%s): %s\n", launch.path.c_str(), error.text);
      _exit(126);
    }
    case Way::kMemfdFexecve:
      MemfdFexecve(launch, argv);
      break;
    default:
      execve(launch.path.c_str(), argv, environ);
      break;
  }
  dprintf(STDERR_FILENO, "entry-bench: %s: %s\n", launch.path.c_str(), strerror(errno));
  _exit(127);
}

std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

}  // namespace

// Never the probe's descriptor itself: a dup2 onto itself would leave it close-on-exec.
bool MoveHigh(int* fd) {
  const int high = fcntl(*fd, F_DUPFD_CLOEXEC, 10);
  close(*fd);
  *fd = high;
  return high >= 0;
}

Starter::~Starter() {
  if (read_fd_ >= 0) close(read_fd_);
  if (write_fd_ >= 0) close(write_fd_);
  if (slot_ != nullptr) munmap(slot_, sizeof *slot_);
}

bool Starter::Init(std::string* why) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0 || !MoveHigh(&fds[0]) || !MoveHigh(&fds[1])) {
    return *why = std::string("pipe: ") + strerror(errno), false;
  }
  read_fd_ = fds[0];
  write_fd_ = fds[1];
  // The probe's write must not block or fail: only the read end is non-blocking.
  fcntl(write_fd_, F_SETFL, 0);
  void* page = mmap(nullptr, sizeof *slot_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return *why = std::string("mmap: ") + strerror(errno), false;
  slot_ = static_cast<Slot*>(page);
  cpu_set_t usable;
  if (sched_getaffinity(0, sizeof usable, &usable) == 0 && CPU_COUNT(&usable) >= 2) {
    int cpus[2], n = 0;
    for (int c = 0; c < CPU_SETSIZE && n < 2; ++c) {
      if (CPU_ISSET(c, &usable)) cpus[n++] = c;
    }
    cpu_set_t mine;
    CPU_ZERO(&mine);
    CPU_SET(cpus[0], &mine);
    if (sched_setaffinity(0, sizeof mine, &mine) == 0) child_cpu_ = cpus[1];
  }
  return true;
}

bool Starter::Start(const Launch& launch, Sample* sample, std::string* why) {
  const std::vector<char*> argv = CArgv(launch.args);
  slot_->t0_ns = -1;
  const pid_t pid = fork();
  if (pid < 0) return *why = std::string("fork: ") + strerror(errno), false;
  if (pid == 0) Child(launch, argv.data(), write_fd_, child_cpu_, slot_);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return *why = std::string("wait4: ") + strerror(errno), false;
  }
  EntryReport report{};
  const ssize_t got = read(read_fd_, &report, sizeof report);
  for (char rest[64]; read(read_fd_, rest, sizeof rest) > 0;) {
  }
  if (status != 0) return *why = DescribeStatus(status), false;
  if (got != static_cast<ssize_t>(sizeof report) || slot_->t0_ns <= 0) {
    return *why = "the probe reported no entry time", false;
  }
  sample->us = static_cast<double>(Nanoseconds(report.entry) - slot_->t0_ns) / 1000.0;
  sample->faults = report.minflt - slot_->minflt0;
  return true;
}

}  // namespace entry_bench
