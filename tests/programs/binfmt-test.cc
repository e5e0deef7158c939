// binfmt_misc (docs/execve.md#D3): with handlers registered by this test (binfmt_misc mounted if
// it is not), a file only a handler takes runs the same through ulexec as through execve: by
// extension with the P flag (argv[0] kept), by magic at an offset without it, and the newest
// entry first where both match. Needs root; the entries are removed at the end.
#include "support/binaries.h"
#include "support/run.h"

#include <gtest/gtest.h>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using ulexec::test::DescribeResult;
using ulexec::test::RunChild;
using ulexec::test::RunResult;

namespace {

constexpr const char* kBinfmt = "/proc/sys/fs/binfmt_misc";
std::string g_ulexec, g_dir, g_tag;
std::string g_skip;  // why the tests cannot run here, or empty
std::vector<std::string> g_registered;

bool Register(const std::string& name, const std::string& rule) {
  std::ofstream(std::string(kBinfmt) + "/register") << ":" << name << ":" << rule << std::flush;
  if (access((std::string(kBinfmt) + "/" + name).c_str(), F_OK) != 0) return false;
  g_registered.push_back(name);
  return true;
}

std::string Write(const std::string& name, const std::string& bytes) {
  const std::string path = g_dir + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  chmod(path.c_str(), 0755);
  return path;
}

void ExpectSame(const std::string& file) {
  SCOPED_TRACE(file);
  const RunResult direct = RunChild({.argv = {file, "a1", "a 2"}});
  const RunResult via = RunChild({.argv = {g_ulexec, file, "a1", "a 2"}});
  EXPECT_EQ(direct.status(), 0) << DescribeResult(direct);
  EXPECT_FALSE(direct.out.empty());
  EXPECT_EQ(via.status(), direct.status()) << DescribeResult(via);
  EXPECT_EQ(via.out, direct.out);
}

class BinfmtMisc : public testing::Test {
 protected:
  void SetUp() override {
    if (!g_skip.empty()) GTEST_SKIP() << g_skip;
  }
};

TEST_F(BinfmtMisc, ByExtensionKeepingArgvZero) {
  ExpectSame(Write("text." + g_tag, "not a program\n"));
}

TEST_F(BinfmtMisc, ByMagicAtAnOffset) {
  ExpectSame(Write("magic-file", "--" + g_tag + " rest\n"));
}

TEST_F(BinfmtMisc, NewestEntryFirst) {
  ExpectSame(Write("both." + g_tag, "--" + g_tag + "\n"));
}

// binfmt_misc mounted (`*mounted` when this test did it) and this test's two handlers registered;
// or the reason why not.
std::string Prepare(bool* mounted) {
  if (geteuid() != 0) return "not root: cannot register binfmt_misc handlers";
  if (access((std::string(kBinfmt) + "/register").c_str(), F_OK) != 0) {
    if (mount("binfmt_misc", kBinfmt, "binfmt_misc", 0, nullptr) != 0) return "cannot mount binfmt_misc";
    *mounted = true;
  }
  g_tag = "ulxt" + std::to_string(getpid());
  // Older first: the extension handler keeps argv[0] (P); the magic one, newer, does not.
  if (!Register("ulexec-test-" + g_tag + "-ext", "E::" + g_tag + "::/bin/echo:P") ||
      !Register("ulexec-test-" + g_tag + "-magic", "M:2:" + g_tag + "::/bin/echo:")) {
    return "cannot register binfmt_misc handlers";
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  g_ulexec = ulexec::test::Binary("ulexec");
  char dir[] = "/tmp/ulexec-binfmt-XXXXXX";
  g_dir = mkdtemp(dir);
  bool mounted = false;
  g_skip = Prepare(&mounted);
  const int result = RUN_ALL_TESTS();
  for (const std::string& name : g_registered) std::ofstream(std::string(kBinfmt) + "/" + name) << "-1" << std::flush;
  if (mounted) umount(kBinfmt);
  std::filesystem::remove_all(g_dir);
  return result;
}
