// binfmt_misc (docs/execve.md#D3): with handlers registered by this test, a file only a handler
// takes runs the same through ulexec as through execve: by extension with the P flag, by magic at
// an offset, the newest entry first; with O (AT_EXECFD: the file open for the interpreter), C
// (the file's set-id bits) and F (the interpreter opened at registration, which ulexec cannot
// have); qemu-user-static's aarch64 handler as Debian registers it. Needs root; handlers go to a
// binfmt_misc instance of the test's own where the kernel has one (binfmt-instance.h).
#include "binfmt-instance.h"
#include "support/binaries.h"
#include "support/elf-builder.h"
#include "support/run.h"

#include <gtest/gtest.h>
#include <ulexec/ulexec.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using binfmt_test::Register;
using binfmt_test::Unregister;
using ulexec::test::DescribeResult;
using ulexec::test::RunChild;
using ulexec::test::RunResult;

namespace {

constexpr const char* kQemuConf = "/usr/lib/binfmt.d/qemu-aarch64.conf";
std::string g_ulexec, g_dir, g_tag;
std::string g_skip;  // why the tests cannot run here, or empty

std::string Write(const std::string& name, const std::string& bytes, mode_t mode = 0755) {
  const std::string path = g_dir + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  chmod(path.c_str(), mode);
  return path;
}

void ExpectSameResult(const RunResult& direct, const RunResult& via) {
  EXPECT_EQ(via.status(), direct.status()) << DescribeResult(via);
  EXPECT_EQ(via.out, direct.out);
}

// `file` with two arguments, by execve and through the ulexec command.
RunResult ExpectSame(const std::string& file, int status = 0) {
  SCOPED_TRACE(file);
  const RunResult direct = RunChild({.argv = {file, "a1", "a 2"}});
  const RunResult via = RunChild({.argv = {g_ulexec, file, "a1", "a 2"}});
  EXPECT_EQ(direct.status(), status) << DescribeResult(direct);
  EXPECT_FALSE(direct.out.empty());
  ExpectSameResult(direct, via);
  return direct;
}

// Opens `file` close-on-exec as `fd`, then `exec(fd)` in the child: the kernel's or the library's.
RunResult RunWithCloexecFd(const std::string& file, int (*exec)(int fd, char* const argv[], char* const envp[])) {
  return RunChild({.argv = {file},
                   .exec = [&file, exec](const char*, char* const argv[], char* const envp[]) {
                     const int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
                     return fd < 0 ? errno : exec(fd, argv, envp);
                   }});
}

int KernelExecveat(int fd, char* const argv[], char* const envp[]) {
  syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
  return errno;
}

int LibraryFexecve(int fd, char* const argv[], char* const envp[]) { return -ulexec_fexecve(fd, argv, envp, nullptr); }

int KernelExecveDevFd(int fd, char* const argv[], char* const envp[]) {
  execve(("/dev/fd/" + std::to_string(fd)).c_str(), argv, envp);
  return errno;
}

int LibraryExecveDevFd(int fd, char* const argv[], char* const envp[]) {
  return -ulexec_execve(("/dev/fd/" + std::to_string(fd)).c_str(), argv, envp, nullptr);
}

// A shell script that shows what it was given: argv, AT_EXECFD, its descriptors 3-9 and the
// credentials the exec set (AT_UID 11, AT_EUID 12, AT_SECURE 23).
constexpr const char* kShowScript = R"(echo "$0 $*"
od -An -tu8 -w16 /proc/$$/auxv | awk '$1 == 2 || $1 == 11 || $1 == 12 || $1 == 23 { print "auxv", $1, $2 }'
for fd in 3 4 5 6 7 8 9; do
  [ -e /proc/$$/fd/$fd ] || continue
  case $(awk '/^flags/ { print $2 }' /proc/$$/fdinfo/$fd) in *2??????) how=close-on-exec ;; *) how=inherited ;; esac
  echo "fd $fd: $(readlink /proc/$$/fd/$fd) $how"
done
)";

// The aarch64 hello: write(1, msg, 19), exit(7), hand-encoded A64, in one R+X PT_LOAD.
std::string Aarch64Hello() {
  const uint32_t code[] = {0xd2800020,  // mov x0, #1
                           0x100000e1,  // adr x1, msg (28 bytes on)
                           0xd2800262,  // mov x2, #19
                           0xd2800808,  // mov x8, #64 (write)
                           0xd4000001,  // svc #0
                           0xd28000e0,  // mov x0, #7
                           0xd2800ba8,  // mov x8, #93 (exit)
                           0xd4000001};  // svc #0
  constexpr uint64_t kBase = 0x400000, kCode = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
  std::string text(reinterpret_cast<const char*>(code), sizeof code);
  text += "hello from aarch64\n";
  auto b = ulexec::test::ElfBuilder::Empty(ET_EXEC, kBase + kCode);
  b.ehdr().e_machine = EM_AARCH64;
  const uint64_t size = kCode + text.size();
  b.Append({PT_LOAD, PF_R | PF_X, 0, kBase, kBase, size, size, 0x1000});
  b.Write(kCode, text);
  const auto bytes = b.Build();
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Debian's registration of qemu-aarch64 (magic, mask, interpreter, flags) after ":NAME:", or "".
std::string QemuRule() {
  std::string line;
  std::getline(std::ifstream(kQemuConf), line);
  const size_t second = line.find(':', 1);
  if (line.empty() || second == std::string::npos) return "";
  const std::string rule = line.substr(second + 1);
  const size_t interp = rule.rfind(':', rule.rfind(':') - 1);
  const std::string path = rule.substr(interp + 1, rule.rfind(':') - interp - 1);
  return access(path.c_str(), X_OK) == 0 ? rule : "";
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

// A handler that reads its argument (cat) reads the file through ulexec's memfd (`-`: the memfd
// stays open, as a non-close-on-exec descriptor fexecve'd does for the kernel) ...
TEST_F(BinfmtMisc, HandlerReadsTheFileFromUlexecsMemfd) {
  const std::string text = "==" + g_tag + " read me\n";
  const std::string file = Write("cat-file", text);
  const RunResult direct = RunChild({.argv = {file}});
  const RunResult via = RunChild({.argv = {g_ulexec, "-"}, .stdin_data = text});
  EXPECT_EQ(direct.out, text) << DescribeResult(direct);
  ExpectSameResult(direct, via);
}

// ... but not from a caller's close-on-exec descriptor: ENOENT (BINPRM_FLAGS_PATH_INACCESSIBLE).
TEST_F(BinfmtMisc, CloseOnExecDescriptorIsEnoent) {
  const std::string file = Write("cat-cloexec", "==" + g_tag + "\n");
  const RunResult direct = RunWithCloexecFd(file, KernelExecveat);
  const RunResult via = RunWithCloexecFd(file, LibraryFexecve);
  EXPECT_EQ(direct.exec_errno, ENOENT) << DescribeResult(direct);
  EXPECT_EQ(via.exec_errno, ENOENT) << DescribeResult(via);
}

// O: the file open as AT_EXECFD, at the lowest number free after the close-on-exec ones close,
// inherited; through the command (its own descriptors) and the library (the runner's
// close-on-exec status pipe, which the descriptor replaces).
TEST_F(BinfmtMisc, OpenBinaryPassesTheFileAsAtExecfd) {
  const std::string file = Write("show." + g_tag + "o", kShowScript);
  const RunResult direct = ExpectSame(file);
  EXPECT_NE(direct.out.find("auxv 2 "), std::string::npos) << direct.out;
  EXPECT_NE(direct.out.find(file + " inherited"), std::string::npos) << direct.out;
  const RunResult library = RunChild({.argv = {file, "a1", "a 2"},
                                      .exec = [](const char* path, char* const argv[], char* const envp[]) {
                                        return -ulexec_execve(path, argv, envp, nullptr);
                                      }});
  ExpectSameResult(RunChild({.argv = {file, "a1", "a 2"}}), library);
}

// O with a gap in the caller's table below its close-on-exec descriptors (the runner's status
// pipe): the number is the gap, as execve's; ulexec's own descriptors hold it until the hand-off
// (ExecFdPlan).
void MoveFd3Away(int) {
  const int moved = fcntl(3, F_DUPFD_CLOEXEC, 100);
  if (moved >= 0) close(3);
}

int LibraryExecPath(const char* path, char* const argv[], char* const envp[]) {
  return -ulexec::ExecPath(path, argv, envp, {}, nullptr);
}

TEST_F(BinfmtMisc, OpenBinaryTakesAGapInTheCallersTable) {
  const std::string file = Write("gap." + g_tag + "o", kShowScript);
  const RunResult direct = RunChild({.argv = {file}, .prepare = MoveFd3Away});
  EXPECT_NE(direct.out.find("auxv 2 3\n"), std::string::npos) << direct.out;
  EXPECT_NE(direct.out.find("fd 3: " + file + " inherited"), std::string::npos) << direct.out;
  ExpectSameResult(direct, RunChild({.argv = {file}, .prepare = MoveFd3Away, .exec = LibraryExecPath}));
}

// The same exec cancelled at its last step before the point of no return (Options::before_entry):
// the caller's table is as it was, the gap free. The child reports ECANCELED only then.
constexpr int kLeaked = EMFILE;

bool Cancel(const ulexec::EntryView&, void*) { return false; }

uint64_t OpenBelow64() {
  uint64_t open = 0;
  for (int fd = 0; fd < 64; ++fd) open |= uint64_t{fcntl(fd, F_GETFD) >= 0} << fd;
  return open;
}

int CancelledLibraryExec(const char* path, char* const argv[], char* const envp[]) {
  const uint64_t before = OpenBelow64();
  const int r = ulexec::ExecPath(path, argv, envp, {.before_entry = Cancel}, nullptr);
  return OpenBelow64() != before ? kLeaked : -r;
}

TEST_F(BinfmtMisc, OpenBinaryCancelledLeavesNoDescriptor) {
  const std::string file = Write("cancel." + g_tag + "o", kShowScript);
  const RunResult r = RunChild({.argv = {file}, .prepare = MoveFd3Away, .exec = CancelledLibraryExec});
  EXPECT_EQ(r.exec_errno, ECANCELED) << DescribeResult(r);
}

// exec_binprm keeps one file for AT_EXECFD: an O entry's interpreter that needs another level is
// ENOEXEC (the command as execve, without execvp's /bin/sh for it).
TEST_F(BinfmtMisc, OpenBinaryInterpreterMustBeElf) {
  const std::string file = Write("any." + g_tag + "s", "text\n");
  const RunResult direct = RunChild({.argv = {file}});
  const RunResult via = RunChild({.argv = {g_ulexec, "--no-path-search", file}});
  EXPECT_EQ(direct.exec_errno, ENOEXEC) << DescribeResult(direct);
  EXPECT_EQ(via.status(), 126) << DescribeResult(via);
  EXPECT_NE(via.err.find("Exec format error"), std::string::npos) << via.err;
}

// C: a setuid-nobody file run by root through a C handler runs as nobody (its bits, not the
// interpreter's); through an O handler, as root.
TEST_F(BinfmtMisc, CredentialsComeFromTheFileUnderC) {
  for (const char* kind : {"c", "o"}) {
    const std::string file = Write(std::string("setuid.") + g_tag + kind, kShowScript, 04755);
    ASSERT_EQ(chown(file.c_str(), 65534, 65534), 0);
    ASSERT_EQ(chmod(file.c_str(), 04755), 0);
    const RunResult direct = ExpectSame(file);
    const std::string euid = std::string("auxv 12 ") + (kind[0] == 'c' ? "65534" : "0") + "\n";
    EXPECT_NE(direct.out.find(euid), std::string::npos) << direct.out;
  }
}

// F: the kernel keeps the interpreter it opened at registration; ulexec opens it by path and,
// where the path no longer resolves, says which entry named it.
TEST_F(BinfmtMisc, FixedBinaryInterpreterGoneFromItsPath) {
  const std::string file = Write("fixed." + g_tag + "f", "text\n");
  const RunResult direct = RunChild({.argv = {file}});
  const RunResult via = RunChild({.argv = {g_ulexec, file}});
  EXPECT_EQ(direct.status(), 0) << DescribeResult(direct);
  EXPECT_EQ(via.status(), 127) << DescribeResult(via);
  EXPECT_NE(via.err.find("binfmt_misc entry ulexec-test-" + g_tag + "-fixed (flag F"), std::string::npos) << via.err;
}

class Qemu : public BinfmtMisc {
 protected:
  void SetUp() override {
    BinfmtMisc::SetUp();
    if (IsSkipped()) return;
    rule_ = QemuRule();
    if (rule_.empty()) GTEST_SKIP() << "qemu-user-static is not installed (" << kQemuConf << ")";
    ASSERT_TRUE(Register(name_, rule_)) << rule_;
  }
  void TearDown() override {
    if (!rule_.empty()) Unregister(name_);
  }
  std::string rule_, name_ = "ulexec-test-" + g_tag + "-qemu-aarch64";
};

TEST_F(Qemu, Aarch64Hello) {
  const RunResult direct = ExpectSame(Write("hello-aarch64", Aarch64Hello()), 7);
  EXPECT_EQ(direct.out, "hello from aarch64\n");
}

// Named /dev/fd/N with N close-on-exec, the program's path is gone once the exec is done: qemu
// runs it only from AT_EXECFD (O). Without O it cannot open it, through ulexec as through execve.
TEST_F(Qemu, ReadsTheProgramFromAtExecfd) {
  const std::string file = Write("hello-aarch64-fd", Aarch64Hello());
  const RunResult direct = RunWithCloexecFd(file, KernelExecveDevFd);
  EXPECT_EQ(direct.status(), 7) << DescribeResult(direct);
  EXPECT_EQ(direct.out, "hello from aarch64\n");
  ExpectSameResult(direct, RunWithCloexecFd(file, LibraryExecveDevFd));
  if (rule_.substr(rule_.rfind(':')).find('O') == std::string::npos) {
    GTEST_SKIP() << "the qemu rule has no O flag: the run without it is the run above";
  }
  std::string without_o = rule_.substr(0, rule_.rfind(':') + 1) + "P";
  ASSERT_TRUE(Register(name_ + "-without-o", without_o));
  const RunResult direct_without = RunWithCloexecFd(file, KernelExecveDevFd);
  EXPECT_NE(direct_without.status(), 7) << DescribeResult(direct_without);
  EXPECT_EQ(RunWithCloexecFd(file, LibraryExecveDevFd).status(), direct_without.status());
  Unregister(name_ + "-without-o");
}

// This test's handlers (the newest registered is tried first); or the reason why not.
std::string RegisterHandlers() {
  g_tag = "ulxt" + std::to_string(getpid());
  const std::string prefix = "ulexec-test-" + g_tag;
  const std::string gone = g_dir + "/echo-then-gone";
  std::filesystem::copy_file("/bin/echo", gone);
  const std::string interp_script = Write("interp-script", "#!/bin/sh\necho \"$@\"\n");
  const bool ok = Register(prefix + "-ext", "E::" + g_tag + "::/bin/echo:P") &&
                  Register(prefix + "-magic", "M:2:" + g_tag + "::/bin/echo:") &&
                  Register(prefix + "-cat", "M::==" + g_tag + "::/bin/cat:") &&
                  Register(prefix + "-open", "E::" + g_tag + "o::/bin/dash:O") &&
                  Register(prefix + "-creds", "E::" + g_tag + "c::/bin/dash:C") &&
                  Register(prefix + "-script", "E::" + g_tag + "s::" + interp_script + ":O") &&
                  Register(prefix + "-fixed", "E::" + g_tag + "f::" + gone + ":F");
  std::filesystem::remove(gone);  // the kernel keeps it open
  return ok ? "" : "cannot register binfmt_misc handlers";
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  bool mounted = false, in_child = false;
  if (geteuid() != 0) {
    g_skip = "not root: cannot register binfmt_misc handlers";
  } else if (const int status = binfmt_test::RunInPrivateInstance(&in_child); status >= 0 && !in_child) {
    return status;  // the tests ran in the child
  } else if (status < 0) {
    g_skip = binfmt_test::UseMachineInstance(&mounted);
  }
  g_ulexec = ulexec::test::Binary("ulexec");
  char dir[] = "/tmp/ulexec-binfmt-XXXXXX";
  g_dir = mkdtemp(dir);
  chmod(g_dir.c_str(), 0755);
  if (g_skip.empty()) g_skip = RegisterHandlers();
  const int result = RUN_ALL_TESTS();
  binfmt_test::RemoveAll();
  if (mounted) umount(binfmt_test::kBinfmtDir);
  std::filesystem::remove_all(g_dir);
  return result;
}
