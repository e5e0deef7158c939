// crt/sys.h and crt/signal.h in a hosted (glibc) test: the wrappers are header-only, so they run
// here as they do in a program on crt/; crt_core supplies crt::Sigaction, crt::Raise and
// __restore_rt. Each test checks a wrapper's value against an independent source (glibc, /proc)
// and its errno on a failure the kernel documents. Raw fork/clone children only make raw system
// calls and leave through ExitGroup.
#include "harness.h"

#include <crt/signal.h>
#include <crt/sys.h>

#include <asm/prctl.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace crt_test {
namespace {

namespace sys = crt::sys;

// The kernel's SA_RESTORER (glibc's <signal.h> keeps it to itself).
constexpr unsigned long kSaRestorer = 0x04000000;

// Closes the descriptors it holds at scope exit.
struct Fds {
  std::vector<int> fds;
  ~Fds() {
    for (int fd : fds) close(fd);
  }
  int Add(int fd) {
    fds.push_back(fd);
    return fd;
  }
};

bool CloexecSet(int fd) { return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

// The permissions column of /proc/self/maps for the mapping that contains `addr` ("rw-p").
std::string MapsPerms(const void* addr) {
  std::ifstream maps("/proc/self/maps");
  const auto a = reinterpret_cast<uintptr_t>(addr);
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    uintptr_t lo, hi;
    char dash;
    std::string perms;
    in >> std::hex >> lo >> dash >> hi >> perms;
    if (a >= lo && a < hi) return perms;
  }
  return "unmapped";
}

// Waits for `pid` with crt's wrapper; the raw wait status.
int WaitStatus(int pid) {
  int status = -1;
  auto r = sys::Wait4(pid, &status, 0);
  EXPECT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value(), pid);
  return status;
}

// --- Result ---

TEST(ResultTest, DecodesRawKernelReturns) {
  auto zero = crt::Result<int>::FromRaw(0);
  EXPECT_TRUE(zero.ok());
  EXPECT_EQ(zero.value(), 0);
  EXPECT_EQ(zero.error(), 0);

  auto eperm = crt::Result<int>::FromRaw(-1);
  EXPECT_FALSE(eperm.ok());
  EXPECT_FALSE(static_cast<bool>(eperm));
  EXPECT_EQ(eperm.error(), EPERM);

  auto last = crt::Result<int>::FromRaw(-4095);
  EXPECT_FALSE(last.ok());
  EXPECT_EQ(last.error(), 4095);

  // -4096 is a value: errno values stop at 4095.
  auto value = crt::Result<long>::FromRaw(-4096);
  EXPECT_TRUE(value.ok());
  EXPECT_EQ(value.value(), -4096);
  EXPECT_EQ(value.error(), 0);

  auto ptr = crt::Result<void*>::FromRaw(0x7ffff7ff0000);
  EXPECT_TRUE(ptr.ok());
  EXPECT_EQ(ptr.value(), reinterpret_cast<void*>(0x7ffff7ff0000));

  auto err = crt::Result<size_t>::Error(ENOENT);
  EXPECT_FALSE(err.ok());
  EXPECT_EQ(err.error(), ENOENT);
  EXPECT_EQ(err.raw(), -ENOENT);
}

// --- descriptors ---

TEST(SysTest, CloseBadDescriptorIsEbadf) {
  EXPECT_EQ(sys::Close(-1).error(), EBADF);
  EXPECT_EQ(sys::Close(1 << 20).error(), EBADF);
}

TEST(SysTest, CloseClosesTheDescriptor) {
  auto fd = sys::Openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_TRUE(fd.ok()) << fd.error();
  EXPECT_GE(fd.value(), 0);
  EXPECT_TRUE(CloexecSet(fd.value()));
  EXPECT_TRUE(sys::Close(fd.value()).ok());
  EXPECT_EQ(sys::Fcntl(fd.value(), F_GETFD).error(), EBADF);
}

TEST(SysTest, OpenatErrors) {
  EXPECT_EQ(sys::Openat(AT_FDCWD, "/nonexistent-crt-test/file", O_RDONLY).error(), ENOENT);
  EXPECT_EQ(sys::Open("", O_RDONLY).error(), ENOENT);
  EXPECT_EQ(sys::Openat(AT_FDCWD, "/dev/null/file", O_RDONLY).error(), ENOTDIR);
  EXPECT_EQ(sys::Openat(-1, "relative", O_RDONLY).error(), EBADF);
  EXPECT_EQ(sys::Openat(AT_FDCWD, "/", O_WRONLY).error(), EISDIR);
  EXPECT_EQ(sys::Openat(AT_FDCWD, reinterpret_cast<const char*>(8), O_RDONLY).error(), EFAULT);
}

TEST(SysTest, OpenatCreatesRelativeToADirectory) {
  char dir[] = "/tmp/crt-sys-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  Fds fds;
  auto dirfd = sys::Open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_TRUE(dirfd.ok()) << dirfd.error();
  fds.Add(dirfd.value());
  auto f = sys::Openat(dirfd.value(), "file", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  ASSERT_TRUE(f.ok()) << f.error();
  fds.Add(f.value());
  EXPECT_EQ(sys::Openat(dirfd.value(), "file", O_CREAT | O_EXCL | O_WRONLY, 0600).error(), EEXIST);
  EXPECT_EQ(sys::Write(f.value(), "abc", 3).value(), 3u);
  struct stat st {};
  ASSERT_TRUE(sys::Fstatat(dirfd.value(), "file", &st, 0).ok());
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 3);
  EXPECT_EQ(sys::Fstatat(dirfd.value(), "missing", &st, 0).error(), ENOENT);
  EXPECT_EQ(unlinkat(dirfd.value(), "file", 0), 0);
  EXPECT_EQ(rmdir(dir), 0);
}

TEST(SysTest, PipeReadAndWrite) {
  int p[2] = {-1, -1};
  ASSERT_TRUE(sys::Pipe2(p, O_CLOEXEC).ok());
  Fds fds;
  fds.Add(p[0]);
  fds.Add(p[1]);
  EXPECT_TRUE(CloexecSet(p[0]));
  EXPECT_TRUE(CloexecSet(p[1]));
  auto w = sys::Write(p[1], "hello", 5);
  ASSERT_TRUE(w.ok()) << w.error();
  EXPECT_EQ(w.value(), 5u);
  char buf[16] = {};
  auto r = sys::Read(p[0], buf, sizeof buf);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value(), 5u);
  EXPECT_EQ(std::string(buf, 5), "hello");
  EXPECT_EQ(sys::Read(p[1], buf, 1).error(), EBADF);
  EXPECT_EQ(sys::Write(p[0], "x", 1).error(), EBADF);
  EXPECT_EQ(sys::Lseek(p[0], 0, SEEK_CUR).error(), ESPIPE);
  EXPECT_EQ(sys::Pread(p[0], buf, 1, 0).error(), ESPIPE);
  EXPECT_EQ(sys::Pipe2(p, 0x12345).error(), EINVAL);
}

TEST(SysTest, EmptyNonblockingPipeReadIsEagain) {
  int p[2] = {-1, -1};
  ASSERT_TRUE(sys::Pipe2(p, O_CLOEXEC | O_NONBLOCK).ok());
  Fds fds;
  fds.Add(p[0]);
  fds.Add(p[1]);
  char c;
  EXPECT_EQ(sys::Read(p[0], &c, 1).error(), EAGAIN);
  ASSERT_TRUE(sys::Close(p[1]).ok());
  fds.fds.pop_back();
  EXPECT_EQ(sys::Read(p[0], &c, 1).value(), 0u);  // end of file once the writer is gone
}

TEST(SysTest, WriteToAPipeWithNoReaderIsEpipe) {
  crt::KernelSigaction old{};
  ASSERT_TRUE(crt::Sigaction(SIGPIPE, reinterpret_cast<void*>(SIG_IGN), 0, 0, &old).ok());
  int p[2] = {-1, -1};
  ASSERT_TRUE(sys::Pipe2(p, O_CLOEXEC).ok());
  ASSERT_TRUE(sys::Close(p[0]).ok());
  EXPECT_EQ(sys::Write(p[1], "x", 1).error(), EPIPE);
  EXPECT_TRUE(sys::Close(p[1]).ok());
  EXPECT_TRUE(sys::RtSigaction(SIGPIPE, &old, nullptr).ok());
}

TEST(SysTest, MemfdPreadLseekFstatStatx) {
  auto fd = sys::MemfdCreate("crt-test", MFD_CLOEXEC);
  ASSERT_TRUE(fd.ok()) << fd.error();
  Fds fds;
  fds.Add(fd.value());
  EXPECT_TRUE(CloexecSet(fd.value()));
  char link[64] = {};
  const std::string self = "/proc/self/fd/" + std::to_string(fd.value());
  auto n = sys::Readlinkat(AT_FDCWD, self.c_str(), link, sizeof link);
  ASSERT_TRUE(n.ok()) << n.error();
  EXPECT_EQ(std::string(link, n.value()), "/memfd:crt-test (deleted)");

  EXPECT_EQ(sys::Write(fd.value(), "0123456789", 10).value(), 10u);
  EXPECT_EQ(sys::Lseek(fd.value(), 0, SEEK_CUR).value(), 10);
  char buf[8] = {};
  auto pr = sys::Pread(fd.value(), buf, 4, 3);
  ASSERT_TRUE(pr.ok()) << pr.error();
  EXPECT_EQ(pr.value(), 4u);
  EXPECT_EQ(std::string(buf, 4), "3456");
  EXPECT_EQ(sys::Lseek(fd.value(), 0, SEEK_CUR).value(), 10);  // pread leaves the offset alone
  EXPECT_EQ(sys::Pread(fd.value(), buf, 4, 100).value(), 0u);
  EXPECT_EQ(sys::Lseek(fd.value(), 2, SEEK_SET).value(), 2);
  EXPECT_EQ(sys::Read(fd.value(), buf, 3).value(), 3u);
  EXPECT_EQ(std::string(buf, 3), "234");
  EXPECT_EQ(sys::Lseek(fd.value(), -1, SEEK_SET).error(), EINVAL);
  EXPECT_EQ(sys::Lseek(fd.value(), 0, 99).error(), EINVAL);
  EXPECT_EQ(sys::Pread(fd.value(), buf, 1, -1).error(), EINVAL);
  EXPECT_EQ(sys::Read(fd.value(), reinterpret_cast<void*>(8), 4).error(), EFAULT);

  struct stat st {};
  ASSERT_TRUE(sys::Fstat(fd.value(), &st).ok());
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 10);
  struct statx stx {};
  ASSERT_TRUE(sys::Statx(fd.value(), "", AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE, &stx).ok());
  EXPECT_TRUE(S_ISREG(stx.stx_mode));
  EXPECT_EQ(stx.stx_size, 10u);
  EXPECT_EQ(stx.stx_ino, st.st_ino);
  EXPECT_EQ(sys::Fstat(-1, &st).error(), EBADF);
  EXPECT_EQ(sys::Statx(AT_FDCWD, "/nonexistent-crt-test", 0, STATX_SIZE, &stx).error(), ENOENT);

  ASSERT_TRUE(sys::Ftruncate(fd.value(), 4).ok());
  ASSERT_TRUE(sys::Fstat(fd.value(), &st).ok());
  EXPECT_EQ(st.st_size, 4);
}

TEST(SysTest, MemfdCreateWithUnknownFlagsIsEinval) {
  EXPECT_EQ(sys::MemfdCreate("crt-test", 0x100).error(), EINVAL);
}

TEST(SysTest, Dup2AndDup3) {
  int p[2] = {-1, -1};
  ASSERT_TRUE(sys::Pipe2(p, O_CLOEXEC).ok());
  Fds fds;
  fds.Add(p[0]);
  fds.Add(p[1]);
  EXPECT_EQ(sys::Dup2(p[1], p[1]).value(), p[1]);
  EXPECT_EQ(sys::Dup3(p[1], p[1], 0).error(), EINVAL);
  EXPECT_EQ(sys::Dup2(-1, p[0]).error(), EBADF);
  const int kTarget = fcntl(p[1], F_DUPFD_CLOEXEC, 100);  // a free descriptor, freed again
  ASSERT_GE(kTarget, 100);
  ASSERT_EQ(close(kTarget), 0);
  auto d = sys::Dup3(p[1], kTarget, O_CLOEXEC);
  ASSERT_TRUE(d.ok()) << d.error();
  fds.Add(kTarget);
  EXPECT_EQ(d.value(), kTarget);
  EXPECT_TRUE(CloexecSet(kTarget));
  auto d2 = sys::Dup2(p[1], kTarget);  // replaces it, without close-on-exec
  EXPECT_EQ(d2.value(), kTarget);
  EXPECT_FALSE(CloexecSet(kTarget));
  EXPECT_EQ(sys::Write(kTarget, "x", 1).value(), 1u);
  char c = 0;
  EXPECT_EQ(sys::Read(p[0], &c, 1).value(), 1u);
  EXPECT_EQ(c, 'x');
}

// --- memory ---

TEST(SysTest, MmapMprotectMunmap) {
  auto m = sys::Mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_TRUE(m.ok()) << m.error();
  auto* p = static_cast<char*>(m.value());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 4096, 0u);
  EXPECT_EQ(p[0], 0);
  EXPECT_EQ(p[8191], 0);
  p[0] = 'a';
  p[8191] = 'b';
  EXPECT_EQ(MapsPerms(p), "rw-p");
  ASSERT_TRUE(sys::Mprotect(p, 4096, PROT_READ).ok());
  EXPECT_EQ(MapsPerms(p), "r--p");
  EXPECT_EQ(MapsPerms(p + 4096), "rw-p");
  EXPECT_EQ(p[0], 'a');
  EXPECT_EQ(sys::Mprotect(p + 1, 4096, PROT_READ).error(), EINVAL);
  ASSERT_TRUE(sys::Munmap(p, 8192).ok());
  EXPECT_EQ(MapsPerms(p), "unmapped");
  EXPECT_TRUE(sys::Munmap(p, 8192).ok());  // unmapping nothing succeeds
  EXPECT_EQ(sys::Munmap(p + 1, 4096).error(), EINVAL);

  // MAP_FIXED_NOREPLACE at the address just freed, then again over the new mapping.
  auto fixed = sys::Mmap(p, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  ASSERT_TRUE(fixed.ok()) << fixed.error();
  EXPECT_EQ(fixed.value(), p);
  EXPECT_EQ(sys::Mmap(p, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0).error(), EEXIST);
  EXPECT_TRUE(sys::Munmap(p, 4096).ok());
}

TEST(SysTest, MmapErrors) {
  EXPECT_EQ(sys::Mmap(nullptr, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).error(), EINVAL);
  EXPECT_EQ(sys::Mmap(nullptr, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0).error(), EINVAL);  // no PRIVATE/SHARED
  EXPECT_EQ(sys::Mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE, -1, 0).error(), EBADF);
  EXPECT_EQ(sys::Mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1).error(), EINVAL);
}

TEST(SysTest, MmapMapsAFileAtAnOffset) {
  auto fd = sys::MemfdCreate("crt-mmap", MFD_CLOEXEC);
  ASSERT_TRUE(fd.ok());
  Fds fds;
  fds.Add(fd.value());
  ASSERT_TRUE(sys::Ftruncate(fd.value(), 8192).ok());
  ASSERT_EQ(pwrite(fd.value(), "page2", 5, 4096), 5);
  auto m = sys::Mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE, fd.value(), 4096);
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(std::string(static_cast<const char*>(m.value()), 5), "page2");
  EXPECT_TRUE(sys::Munmap(m.value(), 4096).ok());
}

TEST(SysTest, BrkReportsAndMovesTheBreak) {
  // glibc's malloc keeps its own idea of the break: put it back before asserting anything.
  const uintptr_t libc_break = reinterpret_cast<uintptr_t>(sbrk(0));
  const uintptr_t cur = sys::Brk(0);
  const uintptr_t grown = sys::Brk(cur + 8192);
  int written = 0;
  if (grown == cur + 8192) {
    auto* p = reinterpret_cast<volatile char*>(cur);
    p[0] = 1;  // the new break area is mapped and writable
    written = p[0];
  }
  const uintptr_t queried = sys::Brk(0);
  const uintptr_t restored = sys::Brk(cur);
  const uintptr_t refused = sys::Brk(1);  // a refused request returns the unchanged break
  EXPECT_EQ(cur, libc_break);
  EXPECT_EQ(grown, cur + 8192);
  EXPECT_EQ(written, 1);
  EXPECT_EQ(queried, cur + 8192);
  EXPECT_EQ(restored, cur);
  EXPECT_EQ(refused, cur);
}

// --- randomness, process attributes ---

TEST(SysTest, GetrandomFillsTheBuffer) {
  uint8_t a[64] = {}, b[64] = {};
  auto ra = sys::Getrandom(a, sizeof a, 0);
  auto rb = sys::Getrandom(b, sizeof b, GRND_NONBLOCK);
  ASSERT_TRUE(ra.ok()) << ra.error();
  ASSERT_TRUE(rb.ok()) << rb.error();
  EXPECT_EQ(ra.value(), sizeof a);
  EXPECT_EQ(rb.value(), sizeof b);
  EXPECT_NE(std::memcmp(a, b, sizeof a), 0);
  EXPECT_EQ(sys::Getrandom(a, sizeof a, 0x40).error(), EINVAL);
  EXPECT_EQ(sys::Getrandom(reinterpret_cast<void*>(8), 16, 0).error(), EFAULT);
}

TEST(SysTest, PrctlSetsAndGetsTheName) {
  char old_name[16] = {}, name[16] = {};
  ASSERT_TRUE(sys::Prctl(PR_GET_NAME, reinterpret_cast<unsigned long>(old_name)).ok());
  ASSERT_TRUE(sys::Prctl(PR_SET_NAME, reinterpret_cast<unsigned long>("crt-prctl-test")).ok());
  ASSERT_TRUE(sys::Prctl(PR_GET_NAME, reinterpret_cast<unsigned long>(name)).ok());
  EXPECT_STREQ(name, "crt-prctl-test");
  std::ifstream comm("/proc/self/comm");
  std::string line;
  std::getline(comm, line);
  EXPECT_EQ(line, "crt-prctl-test");
  EXPECT_TRUE(sys::Prctl(PR_SET_NAME, reinterpret_cast<unsigned long>(old_name)).ok());
  EXPECT_EQ(sys::Prctl(PR_GET_NO_NEW_PRIVS).value(), prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  EXPECT_EQ(sys::Prctl(0x7fff0000).error(), EINVAL);
}

TEST(SysTest, ArchPrctlGetsTheFsBase) {
  unsigned long fs = 0;
  ASSERT_TRUE(sys::ArchPrctl(ARCH_GET_FS, reinterpret_cast<unsigned long>(&fs)).ok());
  EXPECT_EQ(fs, reinterpret_cast<unsigned long>(pthread_self()));  // glibc: pthread_self is the TCB
  unsigned long self;
  __asm__("mov %%fs:0, %0" : "=r"(self));
  EXPECT_EQ(fs, self);
  EXPECT_EQ(sys::ArchPrctl(0x9999, 0).error(), EINVAL);
}

TEST(SysTest, PrlimitMatchesGetrlimit) {
  struct rlimit mine {}, libc {};
  ASSERT_TRUE(sys::Prlimit(0, RLIMIT_NOFILE, nullptr, &mine).ok());
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &libc), 0);
  EXPECT_EQ(mine.rlim_cur, libc.rlim_cur);
  EXPECT_EQ(mine.rlim_max, libc.rlim_max);
  EXPECT_EQ(sys::Prlimit(0, 999, nullptr, &mine).error(), EINVAL);
}

TEST(SysTest, GetpidAndGettid) {
  EXPECT_EQ(sys::Getpid().value(), getpid());
  EXPECT_EQ(sys::Gettid().value(), gettid());
}

// --- processes ---

TEST(SysTest, ForkExitGroupAndWait4) {
  auto pid = sys::Fork();
  ASSERT_TRUE(pid.ok()) << pid.error();
  if (pid.value() == 0) sys::ExitGroup(42);
  const int status = WaitStatus(pid.value());
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 42);
  int ignored;
  EXPECT_EQ(sys::Wait4(pid.value(), &ignored, 0).error(), ECHILD);
  EXPECT_EQ(sys::Wait4(pid.value(), &ignored, 0x100 /* no such option */).error(), EINVAL);
}

TEST(SysTest, CloneLikeForkAndWait4NoHang) {
  int p[2] = {-1, -1};
  ASSERT_TRUE(sys::Pipe2(p, O_CLOEXEC).ok());
  auto pid = sys::Clone(SIGCHLD, nullptr, nullptr, nullptr, 0);
  ASSERT_TRUE(pid.ok()) << pid.error();
  if (pid.value() == 0) {
    (void)sys::Close(p[1]);
    char c;
    auto r = sys::Read(p[0], &c, 1);  // blocks until the parent closes its end
    sys::ExitGroup(r.ok() && r.value() == 0 ? 3 : 4);
  }
  ASSERT_TRUE(sys::Close(p[0]).ok());
  int status = -1;
  EXPECT_EQ(sys::Wait4(pid.value(), &status, WNOHANG).value(), 0);  // still blocked in read
  ASSERT_TRUE(sys::Close(p[1]).ok());
  status = WaitStatus(pid.value());
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
}

TEST(SysTest, KillAndTgkill) {
  auto pid = sys::Fork();
  ASSERT_TRUE(pid.ok()) << pid.error();
  if (pid.value() == 0) {
    for (;;) crt::Syscall(SYS_pause);
  }
  EXPECT_TRUE(sys::Kill(pid.value(), 0).ok());
  EXPECT_TRUE(sys::Kill(pid.value(), SIGTERM).ok());
  const int status = WaitStatus(pid.value());
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_EQ(sys::Kill(pid.value(), 0).error(), ESRCH);  // reaped

  EXPECT_TRUE(sys::Kill(getpid(), 0).ok());
  EXPECT_EQ(sys::Kill(getpid(), 1000).error(), EINVAL);
  EXPECT_EQ(sys::Kill(0x7ffffff0, 0).error(), ESRCH);  // above any pid_max
  EXPECT_TRUE(sys::Tgkill(getpid(), gettid(), 0).ok());
  EXPECT_EQ(sys::Tgkill(getpid(), 0x7ffffff0, 0).error(), ESRCH);
  EXPECT_EQ(sys::Tgkill(getpid(), -1, 0).error(), EINVAL);
}

TEST(SysTest, ExecveErrorsReturnToTheCaller) {
  char* argv[] = {const_cast<char*>("x"), nullptr};
  char* envp[] = {nullptr};
  EXPECT_EQ(sys::Execve("/nonexistent-crt-test/x", argv, envp).error(), ENOENT);
  EXPECT_EQ(sys::Execve("/dev/null", argv, envp).error(), EACCES);
  EXPECT_EQ(sys::Execve("/", argv, envp).error(), EACCES);
  EXPECT_EQ(sys::Execve(nullptr, argv, envp).error(), EFAULT);
}

TEST(SysTest, ExecveRunsAProgramWithDup2edStdout) {
  const std::string hello = Binary("hello-static");
  int p[2] = {-1, -1};
  ASSERT_TRUE(sys::Pipe2(p, O_CLOEXEC).ok());
  char* argv[] = {const_cast<char*>(hello.c_str()), const_cast<char*>("--exit"), const_cast<char*>("5"),
                  const_cast<char*>("arg"), nullptr};
  char* envp[] = {nullptr};
  auto pid = sys::Fork();
  ASSERT_TRUE(pid.ok()) << pid.error();
  if (pid.value() == 0) {
    if (!sys::Dup2(p[1], 1).ok()) sys::ExitGroup(100);  // dup2 clears close-on-exec on fd 1
    auto r = sys::Execve(argv[0], argv, envp);
    sys::ExitGroup(100 + r.error());
  }
  ASSERT_TRUE(sys::Close(p[1]).ok());
  std::string out;
  char buf[256];
  for (;;) {
    auto n = sys::Read(p[0], buf, sizeof buf);
    ASSERT_TRUE(n.ok()) << n.error();
    if (n.value() == 0) break;
    out.append(buf, n.value());
  }
  EXPECT_TRUE(sys::Close(p[0]).ok());
  const int status = WaitStatus(pid.value());
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 5);
  EXPECT_EQ(out, "hello from " + hello + "\nargv[3]: arg\n");
}

// --- signals ---

volatile int g_handled = 0;
volatile int g_last_signal = 0;
volatile uint64_t g_mask_in_handler = 0;
void* volatile g_return_address = nullptr;

void CountingHandler(int sig, siginfo_t*, void*) {
  g_handled = g_handled + 1;
  g_last_signal = sig;
  uint64_t mask = 0;
  (void)sys::RtSigprocmask(SIG_BLOCK, nullptr, &mask);
  g_mask_in_handler = mask;
  // The kernel "calls" a handler with the frame's return address set to sa_restorer.
  g_return_address = __builtin_return_address(0);
}

// Installs CountingHandler for `sig` and puts back the previous disposition at scope exit.
class ScopedHandler {
 public:
  ScopedHandler(int sig, uint64_t mask = 0) : sig_(sig) {
    g_handled = 0;
    g_last_signal = 0;
    ok_ = crt::Sigaction(sig, reinterpret_cast<void*>(&CountingHandler), SA_SIGINFO, mask, &old_).ok();
  }
  ~ScopedHandler() { (void)sys::RtSigaction(sig_, &old_, nullptr); }
  bool ok() const { return ok_; }

 private:
  int sig_;
  bool ok_ = false;
  crt::KernelSigaction old_{};
};

TEST(SignalTest, SigactionInstallsHandlerFlagsMaskAndRestorer) {
  ScopedHandler scoped(SIGUSR2, crt::SignalBit(SIGUSR1));
  ASSERT_TRUE(scoped.ok());
  crt::KernelSigaction cur{};
  ASSERT_TRUE(sys::RtSigaction(SIGUSR2, nullptr, &cur).ok());
  EXPECT_EQ(cur.handler, reinterpret_cast<void*>(&CountingHandler));
  EXPECT_EQ(cur.flags, static_cast<unsigned long>(SA_SIGINFO) | kSaRestorer);
  EXPECT_EQ(cur.restorer, &__restore_rt);
  EXPECT_EQ(cur.mask, crt::SignalBit(SIGUSR1));
  // glibc's view of the same disposition.
  struct sigaction libc {};
  ASSERT_EQ(sigaction(SIGUSR2, nullptr, &libc), 0);
  EXPECT_EQ(reinterpret_cast<void*>(libc.sa_sigaction), reinterpret_cast<void*>(&CountingHandler));
  EXPECT_EQ(sigismember(&libc.sa_mask, SIGUSR1), 1);
}

TEST(SignalTest, HandlerReturnsThroughTheRestorerAndTheProgramResumes) {
  ScopedHandler scoped(SIGUSR2, crt::SignalBit(SIGUSR1));
  ASSERT_TRUE(scoped.ok());
  uint64_t before = 0;
  ASSERT_TRUE(sys::RtSigprocmask(SIG_BLOCK, nullptr, &before).ok());
  volatile int resumed = 0;
  ASSERT_TRUE(crt::Raise(SIGUSR2).ok());
  resumed = 1;
  EXPECT_EQ(resumed, 1);
  EXPECT_EQ(g_handled, 1);
  EXPECT_EQ(g_last_signal, SIGUSR2);
  EXPECT_EQ(g_return_address, reinterpret_cast<void*>(&__restore_rt));
  // Blocked while it ran: the signal itself and the sa_mask.
  EXPECT_EQ(g_mask_in_handler & (crt::SignalBit(SIGUSR1) | crt::SignalBit(SIGUSR2)),
            crt::SignalBit(SIGUSR1) | crt::SignalBit(SIGUSR2));
  uint64_t after = 0;
  ASSERT_TRUE(sys::RtSigprocmask(SIG_BLOCK, nullptr, &after).ok());
  EXPECT_EQ(after, before);  // rt_sigreturn restored the mask
}

TEST(SignalTest, SignalAndSignalInfoHelpers) {
  crt::KernelSigaction old{};
  ASSERT_TRUE(sys::RtSigaction(SIGUSR2, nullptr, &old).ok());
  ASSERT_TRUE(crt::Signal(SIGUSR2, reinterpret_cast<crt::SignalHandler>(SIG_IGN)).ok());
  crt::KernelSigaction cur{};
  ASSERT_TRUE(sys::RtSigaction(SIGUSR2, nullptr, &cur).ok());
  EXPECT_EQ(cur.handler, reinterpret_cast<void*>(SIG_IGN));
  EXPECT_EQ(cur.flags, kSaRestorer);
  EXPECT_TRUE(crt::Raise(SIGUSR2).ok());  // ignored: nothing happens
  ASSERT_TRUE(crt::SignalInfo(SIGUSR2, &CountingHandler, SA_RESTART).ok());
  ASSERT_TRUE(sys::RtSigaction(SIGUSR2, nullptr, &cur).ok());
  EXPECT_EQ(cur.flags, static_cast<unsigned long>(SA_SIGINFO | SA_RESTART) | kSaRestorer);
  EXPECT_TRUE(sys::RtSigaction(SIGUSR2, &old, nullptr).ok());
}

TEST(SignalTest, RtSigactionErrors) {
  crt::KernelSigaction act{reinterpret_cast<void*>(SIG_IGN), kSaRestorer, &__restore_rt, 0};
  EXPECT_EQ(sys::RtSigaction(SIGKILL, &act, nullptr).error(), EINVAL);
  EXPECT_EQ(sys::RtSigaction(SIGSTOP, &act, nullptr).error(), EINVAL);
  EXPECT_EQ(sys::RtSigaction(0, &act, nullptr).error(), EINVAL);
  EXPECT_EQ(sys::RtSigaction(65, &act, nullptr).error(), EINVAL);
  EXPECT_EQ(crt::Sigaction(SIGKILL, reinterpret_cast<void*>(SIG_IGN), 0).error(), EINVAL);
  EXPECT_EQ(crt::Raise(1000).error(), EINVAL);
}

TEST(SignalTest, RtSigprocmaskDefersDelivery) {
  ScopedHandler scoped(SIGUSR2);
  ASSERT_TRUE(scoped.ok());
  const uint64_t set = crt::SignalBit(SIGUSR2) | crt::SignalBit(SIGKILL);
  uint64_t old = 0;
  ASSERT_TRUE(sys::RtSigprocmask(SIG_BLOCK, &set, &old).ok());
  EXPECT_EQ(old & crt::SignalBit(SIGUSR2), 0u);
  uint64_t now = 0;
  ASSERT_TRUE(sys::RtSigprocmask(SIG_BLOCK, nullptr, &now).ok());
  EXPECT_EQ(now, old | crt::SignalBit(SIGUSR2));  // SIGKILL cannot be blocked
  ASSERT_TRUE(crt::Raise(SIGUSR2).ok());
  EXPECT_EQ(g_handled, 0);
  sigset_t pending;
  ASSERT_EQ(sigpending(&pending), 0);
  EXPECT_EQ(sigismember(&pending, SIGUSR2), 1);
  ASSERT_TRUE(sys::RtSigprocmask(SIG_SETMASK, &old, nullptr).ok());  // delivered on the way out
  EXPECT_EQ(g_handled, 1);
  EXPECT_EQ(sys::RtSigprocmask(99, &set, nullptr).error(), EINVAL);
}

TEST(SignalTest, SigaltstackSetQueryDisable) {
  crt::KernelSigaltstack old{};
  ASSERT_TRUE(sys::Sigaltstack(nullptr, &old).ok());
  std::vector<char> stack(64 * 1024);
  const crt::KernelSigaltstack ss{stack.data(), 0, stack.size()};
  ASSERT_TRUE(sys::Sigaltstack(&ss, nullptr).ok());
  crt::KernelSigaltstack cur{};
  ASSERT_TRUE(sys::Sigaltstack(nullptr, &cur).ok());
  EXPECT_EQ(cur.sp, stack.data());
  EXPECT_EQ(cur.size, stack.size());
  EXPECT_EQ(cur.flags, 0);
  const crt::KernelSigaltstack tiny{stack.data(), 0, 512};
  EXPECT_EQ(sys::Sigaltstack(&tiny, nullptr).error(), ENOMEM);
  const crt::KernelSigaltstack bad{stack.data(), 0x1234, stack.size()};
  EXPECT_EQ(sys::Sigaltstack(&bad, nullptr).error(), EINVAL);
  const crt::KernelSigaltstack off{nullptr, SS_DISABLE, 0};
  ASSERT_TRUE(sys::Sigaltstack(&off, nullptr).ok());
  ASSERT_TRUE(sys::Sigaltstack(nullptr, &cur).ok());
  EXPECT_EQ(cur.flags, SS_DISABLE);
  EXPECT_TRUE(sys::Sigaltstack(&old, nullptr).ok());
}

// --- timers and sleeping ---

TEST(TimerTest, AlarmReturnsTheSecondsLeft) {
  ASSERT_EQ(sys::Alarm(100).value(), 0u);
  const unsigned left = sys::Alarm(0).value();
  EXPECT_GE(left, 99u);
  EXPECT_LE(left, 100u);
  EXPECT_EQ(sys::Alarm(0).value(), 0u);
}

TEST(TimerTest, SetitimerAndGetitimer) {
  const itimerval v{{0, 0}, {100, 0}};
  itimerval old{};
  ASSERT_TRUE(sys::Setitimer(ITIMER_REAL, &v, &old).ok());
  EXPECT_EQ(old.it_value.tv_sec, 0);
  EXPECT_EQ(old.it_value.tv_usec, 0);
  itimerval cur{};
  ASSERT_TRUE(sys::Getitimer(ITIMER_REAL, &cur).ok());
  EXPECT_GE(cur.it_value.tv_sec, 99);
  EXPECT_LE(cur.it_value.tv_sec, 100);
  EXPECT_EQ(sys::Alarm(0).value(), 100u);  // the same timer; alarm rounds up and clears it
  ASSERT_TRUE(sys::Getitimer(ITIMER_REAL, &cur).ok());
  EXPECT_EQ(cur.it_value.tv_sec, 0);
  EXPECT_EQ(cur.it_value.tv_usec, 0);
  EXPECT_EQ(sys::Setitimer(99, &v, nullptr).error(), EINVAL);
  EXPECT_EQ(sys::Getitimer(99, &cur).error(), EINVAL);
}

TEST(TimerTest, NanosleepSleepsAndRejectsBadTimes) {
  timespec start{}, end{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  const timespec req{0, 2'000'000};
  ASSERT_TRUE(sys::Nanosleep(&req, nullptr).ok());
  clock_gettime(CLOCK_MONOTONIC, &end);
  const long elapsed_ns = (end.tv_sec - start.tv_sec) * 1'000'000'000L + (end.tv_nsec - start.tv_nsec);
  EXPECT_GE(elapsed_ns, 2'000'000L);
  const timespec bad{0, 1'000'000'000};
  EXPECT_EQ(sys::Nanosleep(&bad, nullptr).error(), EINVAL);
  const timespec negative{-1, 0};
  EXPECT_EQ(sys::Nanosleep(&negative, nullptr).error(), EINVAL);
}

TEST(TimerTest, NanosleepInterruptedByATimerSignalIsEintr) {
  ScopedHandler scoped(SIGALRM);
  ASSERT_TRUE(scoped.ok());
  const itimerval v{{0, 0}, {0, 20'000}};
  ASSERT_TRUE(sys::Setitimer(ITIMER_REAL, &v, nullptr).ok());
  const timespec req{5, 0};
  timespec rem{};
  EXPECT_EQ(sys::Nanosleep(&req, &rem).error(), EINTR);
  EXPECT_EQ(g_handled, 1);
  EXPECT_EQ(g_last_signal, SIGALRM);
  EXPECT_GE(rem.tv_sec, 4);
  EXPECT_LE(rem.tv_sec, 5);
}

}  // namespace
}  // namespace crt_test
