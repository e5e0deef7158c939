// The test helpers themselves (run.h, binaries.h, elf-builder.h): what every other test relies on,
// checked against /bin/sh and the environment. Run under the sanitizers by tools/sanitize-tests.
#include "support/binaries.h"
#include "support/elf-builder.h"
#include "support/run.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace ulexec::test {
namespace {

TEST(RunChild, CollectsOutputErrorAndExitCode) {
  const RunResult r = RunChild({.argv = {"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}});
  EXPECT_FALSE(r.exec_returned);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.status(), 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(DescribeResult(r), "exited 3; stderr: err\n");
}

TEST(RunChild, ReportsTheErrnoOfAFailedExec) {
  const RunResult r = RunChild({.argv = {"/nonexistent/program"}});
  EXPECT_TRUE(r.exec_returned);
  EXPECT_EQ(r.exec_errno, ENOENT);
  EXPECT_EQ(DescribeResult(r), "execve failed: ENOENT");
  const RunResult named = RunChild({.argv = {"sh", "-c", "exit 4"}, .path = "/bin/sh"});
  EXPECT_EQ(named.status(), 4) << DescribeResult(named);
}

TEST(RunChild, ReportsASignalAndKillsAtTheDeadline) {
  const RunResult killed = RunChild({.argv = {"/bin/sh", "-c", "kill -9 $$"}});
  EXPECT_FALSE(killed.exited);
  EXPECT_EQ(killed.term_signal, SIGKILL);
  EXPECT_EQ(killed.status(), 128 + SIGKILL);
  const RunResult slow = RunChild({.argv = {"/bin/sh", "-c", "exec sleep 10"}, .timeout_ms = 200});
  EXPECT_TRUE(slow.timed_out);
  EXPECT_EQ(slow.term_signal, SIGKILL);
}

TEST(RunChild, GivesTheEnvironmentDirectoryAndStandardInput) {
  const std::string input(300 * 1024, 'x');  // more than a pipe holds by default
  const RunResult r = RunChild({.argv = {"/bin/sh", "-c", "echo \"$ONLY|$HOME\"; pwd; wc -c"},
                                .env = std::vector<std::string>{"ONLY=this", "PATH=/usr/bin:/bin"},
                                .cwd = "/proc",
                                .stdin_data = input});
  EXPECT_EQ(r.status(), 0) << DescribeResult(r);
  EXPECT_EQ(r.out, "this|\n/proc\n" + std::to_string(input.size()) + "\n");
  setenv("ULEXEC_SUPPORT_TEST_INHERITED", "yes", 1);
  EXPECT_EQ(RunChild({.argv = {"/bin/sh", "-c", "echo $ULEXEC_SUPPORT_TEST_INHERITED"}}).out, "yes\n");
  EXPECT_EQ(RunChild({.argv = {"/bin/sh", "-c", "cat"}}).out, "");  // EOF at once
}

TEST(RunChild, PrepareAndExecHooksRunInTheChild) {
  const RunResult failed = RunChild({.argv = {"/bin/true"}, .prepare = [](int status_fd) { FailInChild(status_fd, EPERM); }});
  EXPECT_TRUE(failed.exec_returned);
  EXPECT_EQ(failed.exec_errno, EPERM);
  const RunResult replaced = RunChild({.argv = {"/bin/true", "arg"},
                                       .exec = [](const char* path, char* const argv[], char* const envp[]) {
                                         return path == std::string("/bin/true") && argv[1] == std::string("arg") &&
                                                        argv[2] == nullptr && envp != nullptr
                                                    ? 42
                                                    : 1;
                                       }});
  EXPECT_TRUE(replaced.exec_returned);
  EXPECT_EQ(replaced.exec_errno, 42);
}

TEST(Binary, ReadsTheVariableAndNamesAMissingOne) {
  EXPECT_EQ(BinaryVariable("hello-static-pie"), "ULEXEC_HELLO_STATIC_PIE");
  setenv("ULEXEC_SUPPORT_TEST_PROGRAM", "/path/to/it", 1);
  EXPECT_EQ(Binary("support-test-program"), "/path/to/it");
  setenv("ULEXEC_SUPPORT_TEST_PROGRAM", "", 1);
  EXPECT_EQ(Binary("support-test-program"), "");  // set but not available here
  unsetenv("ULEXEC_SUPPORT_TEST_PROGRAM");
  try {
    Binary("support-test-program");
    ADD_FAILURE() << "no exception for an unset variable";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("ULEXEC_SUPPORT_TEST_PROGRAM is not set"), std::string::npos) << e.what();
  }
}

TEST(ElfBuilder, SizeToContentCountsOnlyWhatIsWritten) {
  ElfBuilder b = ElfBuilder::Empty(ET_EXEC, 0x401000);
  EXPECT_EQ(b.Build().size(), sizeof(Elf64_Ehdr));
  b.Append(Phdr(PT_LOAD, PF_R, 0x5000, 0x405000, 0x10, 0x10));
  EXPECT_EQ(b.ehdr().e_phnum, 1);
  EXPECT_EQ(b.Build().size(), 0x5010u);  // the segment's file range is in the file
  b.SizeToContent();
  EXPECT_EQ(b.Build().size(), sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr));
  b.Write(0, std::string(0x100, '\0'));
  const uint64_t at = b.AppendBytes("/interp");
  EXPECT_EQ(at, 0x100u);
  const std::vector<std::byte> bytes = b.Build();
  ASSERT_EQ(bytes.size(), 0x107u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()) + at, 7), "/interp");
  EXPECT_EQ(b.Truncate(0x20).Build().size(), 0x20u);
}

}  // namespace
}  // namespace ulexec::test
