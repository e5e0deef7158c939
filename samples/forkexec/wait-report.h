// Wait statuses and resource usage in words, for the parent's lines.
#pragma once

#include <crt/format.h>

#include <sys/resource.h>

namespace forkexec {

// "exited with status 3", "killed by signal 11 (SIGSEGV), core dumped", "stopped by signal 19
// (SIGSTOP)", "continued".
void DescribeStatus(crt::Writer& w, int status);
// "user 0.123 ms, system 0.456 ms, max RSS 1024 KiB".
void DescribeUsage(crt::Writer& w, const struct rusage& ru);
// The status a shell shows for it: the exit status, or 128 + the signal.
int ShellStatus(int status);

}  // namespace forkexec
