// Set-id files (spec E13), run by root: a setuid-nobody and a setgid copy of the probe, and a
// setuid-nobody grep reading its own /proc/self/status, started directly and through ulexec, on
// the normal file system and on a tmpfs mounted nosuid (in a mount namespace of this test). The
// credentials, capability sets, AT_SECURE, dumpable and pdeathsig must match execve's. As nobody,
// a setuid-root file through ulexec must give what execve gives on a nosuid mount.
#include "../probe/probe-runner.h"
#include "support/binaries.h"
#include "support/run.h"

#include <gtest/gtest.h>

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

using probe_test::ParseReport;
using probe_test::ProbePath;
using ulexec::test::DescribeResult;
using ulexec::test::RunChild;
using ulexec::test::RunResult;

namespace {

std::string g_ulexec;
std::string g_normal, g_nosuid;  // folders on a normal mount and on a nosuid tmpfs
std::string g_skip;              // why the tests cannot run here, or empty

const char* const kKeys[] = {"auxv.AT_UID", "auxv.AT_EUID", "auxv.AT_GID",   "auxv.AT_EGID",
                             "auxv.AT_SECURE", "task.dumpable", "task.pdeathsig", "personality"};

// Copies `from` to dir/name with the owner, group and mode given.
std::string Install(const std::string& from, const std::string& dir, const std::string& name, uid_t uid, gid_t gid,
                    mode_t mode) {
  const std::string to = dir + "/" + name;
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(chown(to.c_str(), uid, gid), 0);
  EXPECT_EQ(chmod(to.c_str(), mode), 0);
  return to;
}

// Runs argv (with `prefix` in front, e.g. setpriv) directly and through ulexec.
std::pair<RunResult, RunResult> Both(const std::vector<std::string>& prefix, const std::vector<std::string>& argv) {
  std::vector<std::string> direct = prefix;
  direct.insert(direct.end(), argv.begin(), argv.end());
  std::vector<std::string> via = direct;
  via.insert(via.begin() + static_cast<long>(prefix.size()), g_ulexec);
  const std::vector<std::string> env = {"PATH=/usr/bin:/bin"};
  return {RunChild({.argv = direct, .env = env}), RunChild({.argv = via, .env = env})};
}

void ExpectSameCredentials(const RunResult& direct, const RunResult& via) {
  ASSERT_EQ(direct.status(), 0) << DescribeResult(direct);
  ASSERT_EQ(via.status(), 0) << DescribeResult(via);
  const auto a = ParseReport(direct.out), b = ParseReport(via.out);
  for (const char* key : kKeys) EXPECT_EQ(b.Get(key), a.Get(key)) << key;
}

class SetId : public testing::TestWithParam<bool> {  // on the nosuid mount?
 protected:
  void SetUp() override {
    if (!g_skip.empty()) GTEST_SKIP() << g_skip;
  }
};

TEST_P(SetId, RootRunningSetuidNobodyAndSetgid) {
  const std::string& dir = GetParam() ? g_nosuid : g_normal;
  const std::string probe = ProbePath("static");
  for (const auto& [name, uid, gid, mode] : {std::tuple{"setuid-nobody", 65534, 0, 04755},
                                             std::tuple{"setgid-nobody", 0, 65534, 02755}}) {
    SCOPED_TRACE(name);
    const std::string file = Install(probe, dir, name, uid, gid, mode);
    const auto [direct, via] = Both({}, {file, "--sections=auxv,task,personality"});
    ExpectSameCredentials(direct, via);
    EXPECT_EQ(ParseReport(direct.out).Get("auxv.AT_SECURE"), GetParam() ? "0" : "1");
  }
  // Every id and capability set, as the program itself sees them.
  const std::string grep = Install("/bin/grep", dir, "grep-setuid-nobody", 65534, 0, 04755);
  const auto [direct, via] = Both({}, {grep, "-E", "^(Uid|Gid|Cap|NoNewPrivs)", "/proc/self/status"});
  EXPECT_EQ(direct.status(), 0) << DescribeResult(direct);
  EXPECT_EQ(via.out, direct.out) << via.err;
}

INSTANTIATE_TEST_SUITE_P(Mounts, SetId, testing::Bool(),
                         [](const testing::TestParamInfo<bool>& i) { return i.param ? "nosuid" : "normal"; });

// A user cannot raise privilege: a setuid-root file through ulexec runs as on a nosuid mount.
TEST(SetIdAsUser, SetuidRootRunsAsOnANosuidMount) {
  if (!g_skip.empty()) GTEST_SKIP() << g_skip;
  const std::vector<std::string> nobody = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  const std::string probe = ProbePath("static");
  const std::string normal = Install(probe, g_normal, "setuid-root", 0, 0, 04755);
  const std::string nosuid = Install(probe, g_nosuid, "setuid-root", 0, 0, 04755);
  const auto [on_nosuid, unused] = Both(nobody, {nosuid, "--sections=auxv,task,personality"});
  const auto [kernel, via] = Both(nobody, {normal, "--sections=auxv,task,personality"});
  EXPECT_EQ(ParseReport(kernel.out).Get("auxv.AT_EUID"), "0");  // execve elevates; ulexec cannot
  ExpectSameCredentials(on_nosuid, via);
  EXPECT_EQ(ParseReport(via.out).Get("auxv.AT_EUID"), "65534");
}

// A private mount namespace with a nosuid tmpfs (this process's and its children's alone), and a
// folder on a normal mount; or the reason why not in g_skip.
std::string PrepareMounts(char* normal, char* nosuid) {
  if (geteuid() != 0) return "not root: set-id files cannot be made";
  if (!mkdtemp(normal) || !mkdtemp(nosuid)) return std::string("mkdtemp: ") + strerror(errno);
  chmod(normal, 0755);
  if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      mount("tmpfs", nosuid, "tmpfs", MS_NOSUID, "mode=0755") != 0) {
    return std::string("mounting a nosuid tmpfs: ") + strerror(errno);
  }
  struct statvfs st = {};
  if (statvfs(normal, &st) != 0 || (st.f_flag & ST_NOSUID)) return std::string(normal) + " is on a nosuid mount";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  g_ulexec = ulexec::test::Binary("ulexec");
  char normal[] = "/var/tmp/ulexec-setid-XXXXXX", nosuid[] = "/var/tmp/ulexec-nosuid-XXXXXX";
  g_skip = PrepareMounts(normal, nosuid);
  g_normal = normal;
  g_nosuid = nosuid;
  const int result = RUN_ALL_TESTS();
  if (g_skip.empty()) {
    umount(nosuid);
    std::filesystem::remove_all(normal);
    rmdir(nosuid);
  }
  return result;
}
