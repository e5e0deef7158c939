// Wait statuses and resource usage in words (wait-report.h).
#include "wait-report.h"

#include "narrate.h"

#include <crt/names.h>

#include <sys/wait.h>

namespace forkexec {
namespace {

void Signal(crt::Writer& w, int sig) {
  w << "signal " << sig;
  if (const std::string_view name = crt::SignalName(sig); !name.empty()) w << " (" << name << ')';
}

uint64_t Ns(const struct timeval& tv) {
  return static_cast<uint64_t>(tv.tv_sec) * 1000000000 + static_cast<uint64_t>(tv.tv_usec) * 1000;
}

}  // namespace

void DescribeStatus(crt::Writer& w, int status) {
  if (WIFEXITED(status)) {
    w << "exited with status " << WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    w << "killed by ";
    Signal(w, WTERMSIG(status));
    w << (WCOREDUMP(status) ? ", core dumped" : ", no core dumped");
  } else if (WIFSTOPPED(status)) {
    w << "stopped by ";
    Signal(w, WSTOPSIG(status));
  } else if (WIFCONTINUED(status)) {
    w << "continued";
  } else {
    w << "status " << crt::Hex{static_cast<unsigned>(status)};
  }
}

void DescribeUsage(crt::Writer& w, const struct rusage& ru) {
  w << "user " << Millis{Ns(ru.ru_utime)} << " ms, system " << Millis{Ns(ru.ru_stime)} << " ms, max RSS "
    << ru.ru_maxrss << " KiB";
}

int ShellStatus(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

}  // namespace forkexec
