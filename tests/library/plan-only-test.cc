// PlanOnly, the dry run behind --explain: Resolve, Observe and Plan of a real program, with the
// kernel's errors, and no effect on the process (its descriptors and mappings stay as they were).
#include "exec.h"
#include "support/binaries.h"

#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>

namespace ulexec {
namespace {

std::string g_hello;  // hello-static-pie

std::string ReadFile(const char* path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t CountDescriptors() {
  size_t n = 0;
  DIR* d = opendir("/proc/self/fd");
  while (readdir(d) != nullptr) ++n;
  closedir(d);
  return n;
}

DryRun g_run;  // large: static

TEST(PlanOnly, PlansAStaticPieTopDownAndChangesNothing) {
  const char* argv[] = {"hello", "one", nullptr};
  const char* envp[] = {"A=b", nullptr};
  const size_t fds = CountDescriptors();
  const std::string maps = ReadFile("/proc/self/maps");
  ulexec_error error{};
  ASSERT_EQ(PlanOnly(g_hello.c_str(), -1, argv, envp, {}, &g_run, &error), 0) << error.text;
  EXPECT_EQ(CountDescriptors(), fds);
  EXPECT_EQ(ReadFile("/proc/self/maps"), maps);

  const ExecPlan& plan = g_run.plan;
  ASSERT_EQ(plan.image_count, 1u);
  EXPECT_EQ(plan.images[0].place.rule, BiasRule::kTopDown);
  EXPECT_EQ(plan.images[0].place.range.end, g_run.state.space.mmap_base);
  EXPECT_EQ(plan.entry, g_run.target.program->elf.ehdr.e_entry + plan.images[0].place.bias);
  EXPECT_EQ(g_run.target.execfn, g_hello);
  EXPECT_EQ(plan.stack.request.argv.size(), 1u);
  EXPECT_EQ(plan.stack.request.envp.size(), 1u);
  EXPECT_EQ(plan.stack.request.random, g_run.random.at_random);
  EXPECT_EQ(plan.stack.request.stack_top, g_run.state.stack.end);
  EXPECT_GT(plan.step_count, 5u);
}

TEST(PlanOnly, PlansADynamicProgramWithItsInterpreter) {
  const char* argv[] = {"true", nullptr};
  const char* envp[] = {nullptr};
  ulexec_error error{};
  ASSERT_EQ(PlanOnly("/bin/true", -1, argv, envp, {}, &g_run, &error), 0) << error.text;
  ASSERT_EQ(g_run.plan.image_count, 2u);
  EXPECT_EQ(g_run.plan.images[0].place.rule, BiasRule::kPieBase);
  EXPECT_STREQ(g_run.target.interp_path, "/lib64/ld-linux-x86-64.so.2");
  EXPECT_EQ(g_run.plan.entry, g_run.target.interpreter->elf.ehdr.e_entry + g_run.plan.images[1].place.bias);
}

TEST(PlanOnly, FailsAsTheExecWould) {
  const char* argv[] = {"x", nullptr};
  ulexec_error error{};
  EXPECT_EQ(PlanOnly("/nonexistent/x", -1, argv, argv + 1, {}, &g_run, &error), -ENOENT);
  EXPECT_EQ(PlanOnly("/tmp", -1, argv, argv + 1, {}, &g_run, &error), -EACCES);
  const int fd = open(g_hello.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(PlanOnly(nullptr, fd, argv, argv + 1, {}, &g_run, &error), 0) << error.text;
  EXPECT_EQ(g_run.target.execfn, "/dev/fd/" + std::to_string(fd));
  EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);  // the caller's descriptor stays open
  close(fd);
}

}  // namespace
}  // namespace ulexec

int main(int argc, char** argv, char**) {
  testing::InitGoogleTest(&argc, argv);
  ulexec::g_hello = ulexec::test::Binary("hello-static-pie");
  return RUN_ALL_TESTS();
}
