// LowestFdFreeAfterExec (loader/process-state.h), the number binfmt_misc's O flag gives AT_EXECFD
// (docs/execve.md#D3): the lowest free once the close-on-exec descriptors close, below
// RLIMIT_NOFILE. Checked in a child whose descriptor table the test sets up.
#include "process-state.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ulexec {
namespace {

// In the child: the number after each change to the table, or -1; exits with the first step
// whose number is not the expected one (1-based), or 0.
[[noreturn]] void CheckInChild() {
  close_range(3, ~0U, 0);
  struct Step {
    int (*change)();
    int expected;
  };
  const Step steps[] = {
      {[] { return 0; }, 3},                                       // 0-2 open: 3
      {[] { return dup2(0, 3); }, 4},                              // 3 inherited: 4
      {[] { return fcntl(0, F_DUPFD_CLOEXEC, 4); }, 4},            // 4 close-on-exec: still 4
      {[] { return dup2(0, 5); }, 4},                              // a gap below 5: 4
      {[] { return dup2(0, 4); }, 6},                              // 4 inherited now: 6
      {[] { return fcntl(0, F_DUPFD_CLOEXEC, 6); }, 6},            // 6 close-on-exec: still 6
      {[] {
         const rlimit lim{6, 6};
         return setrlimit(RLIMIT_NOFILE, &lim);
       },
       -1},                                                        // 0-5 inherited, limit 6: none
  };
  for (size_t i = 0; i < std::size(steps); ++i) {
    if (steps[i].change() < 0 || LowestFdFreeAfterExec() != steps[i].expected) _exit(static_cast<int>(i + 1));
  }
  _exit(0);
}

TEST(LowestFdFreeAfterExec, SkipsInheritedDescriptorsAndTakesCloseOnExecOnesAsFree) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) CheckInChild();
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "step " << WEXITSTATUS(status) << " gave another number";
}

}  // namespace
}  // namespace ulexec
