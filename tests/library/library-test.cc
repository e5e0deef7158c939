// The library in an ordinary glibc host: what a host may have done that an exec must undo or
// refuse, and that nothing it does makes the exec die after the point of no return.
// Each test runs the exec in a forked child (support/run.h: the child is replaced, or reports
// the error).
#include "support/binaries.h"
#include "support/run.h"

#include <ulexec/ulexec.h>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

extern char** environ;

namespace {

std::string g_hello;  // hello-static-pie
std::string g_probe;  // probe-static-pie

using ulexec::test::RunResult;

// Runs `prepare` then ulexec_execve of argv (ulexec::ExecPath with `options` where given) in a
// forked child whose output is captured. If the exec fails, the child writes the error to stdout
// and the result has its errno (exec_errno).
RunResult ExecInChild(const std::vector<std::string>& argv, const std::function<void()>& prepare,
                      const ulexec::Options* options = nullptr) {
  return ulexec::test::RunChild({
      .argv = argv,
      .prepare = [&prepare](int) { prepare(); },
      .exec =
          [options](const char* path, char* const args[], char* const envp[]) {
            ulexec_error error{};
            const int rc = options ? ulexec::ExecPath(path, args, envp, *options, &error)
                                   : ulexec_execve(path, args, envp, &error);
            dprintf(1, "error %d %s (%s)\n", -rc, strerror(-rc), error.text);
            return -rc;
          },
  });
}

void Nothing() {}

TEST(Library, RunsAProgram) {
  const RunResult r = ExecInChild({g_hello, "x"}, Nothing);
  EXPECT_EQ(r.status(), 0) << r.out;
  EXPECT_EQ(r.out, "hello from " + g_hello + "\nargv[1]: x\n");
}

// A vfork child shares its parent's memory: the library must refuse rather than unmap it.
TEST(Library, VforkChildIsRefusedAndTheParentSurvives) {
  volatile int rc = 0;
  const pid_t pid = vfork();
  if (pid == 0) {
    char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
    rc = ulexec_execve(argv[0], argv, environ, nullptr);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_EQ(rc, -EBUSY);
}

// Every close-on-exec descriptor is closed, however many there are.
TEST(Library, ClosesThousandsOfCloseOnExecDescriptors) {
  // ls lists its own descriptors (a shell's would include a pipeline's pipe, or not, by timing).
  const std::vector<std::string> count_fds = {"/bin/ls", "/proc/self/fd"};
  const RunResult without = ExecInChild(count_fds, Nothing);
  const RunResult with = ExecInChild(count_fds, [] {
    for (int i = 0; i < 2000; ++i) (void)open("/dev/null", O_RDONLY | O_CLOEXEC);
  });
  EXPECT_EQ(with.status(), 0) << with.out;
  EXPECT_EQ(with.out, without.out);
}

// POSIX timers are deleted (spec E8), however many there are.
TEST(Library, DeletesPosixTimers) {
  const RunResult r = ExecInChild({"/bin/sh", "-c", "grep -c ID /proc/$$/timers; true"}, [] {
    for (int i = 0; i < 300; ++i) {
      timer_t t;
      sigevent ev{};
      ev.sigev_notify = SIGEV_NONE;
      (void)timer_create(CLOCK_MONOTONIC, &ev, &t);
    }
  });
  EXPECT_EQ(r.status(), 0) << r.out;
  EXPECT_EQ(r.out, "0\n");
}

// READ_IMPLIES_EXEC is cleared before the program is mapped (spec C13): no rwx mappings.
// The host's alternate signal stack is gone after the exec (spec E3), even when it covers the
// whole [stack], where the entry frame lies when the hand-off enters through the program's restorer
// (ld.so's: probe-glibc-dynamic). rt_sigreturn alone cannot disable an altstack it runs on.
TEST(Library, AltStackOnTheStackIsDisabled) {
  const RunResult r = ExecInChild({ulexec::test::Binary("probe-glibc-dynamic"), "--sections=signals"}, [] {
    FILE* maps = fopen("/proc/self/maps", "r");
    char line[512];
    unsigned long lo = 0, hi = 0;
    while (maps && fgets(line, sizeof line, maps)) {
      if (strstr(line, "[stack]")) sscanf(line, "%lx-%lx", &lo, &hi);
    }
    if (maps) fclose(maps);
    stack_t ss{};
    ss.ss_sp = reinterpret_cast<void*>(lo);
    ss.ss_size = hi - lo;
    if (lo == 0 || sigaltstack(&ss, nullptr) != 0) _exit(99);
  });
  ASSERT_EQ(r.status(), 0) << r.out << r.err;
  EXPECT_NE(r.out.find("signal.altstack: disabled"), std::string::npos) << r.out;
}

TEST(Library, ClearsReadImpliesExecBeforeMapping) {
  const RunResult r = ExecInChild({"/bin/cat", "/proc/self/maps"}, [] {
    personality(static_cast<unsigned long>(personality(0xffffffff)) | READ_IMPLIES_EXEC);
  });
  EXPECT_EQ(r.status(), 0) << r.out;
  EXPECT_EQ(r.out.find("rwxp"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rw-p"), std::string::npos);
}

// With the keep-caps bit locked, execve still works (and clears nothing it cannot).
TEST(Library, KeepCapsLocked) {
  if (geteuid() != 0) GTEST_SKIP() << "locking securebits needs CAP_SETPCAP";
  const RunResult r = ExecInChild({g_hello}, [] {
    constexpr int kSecbitKeepCapsLocked = 1 << 5;
    (void)prctl(PR_SET_SECUREBITS, kSecbitKeepCapsLocked, 0, 0, 0);
  });
  EXPECT_EQ(r.status(), 0) << r.out;
}

// A signal handler that uses the vDSO, firing all through the load, never runs while the
// loader moves things: signals are blocked from the start and the caller's mask comes back at
// entry.
TEST(Library, SignalsDuringTheLoadAreHeldBack) {
  for (int i = 0; i < 20; ++i) {
    const RunResult r = ExecInChild({g_hello}, [] {
      struct sigaction sa {};
      sa.sa_handler = [](int) {
        timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
      };
      sigaction(SIGALRM, &sa, nullptr);
      itimerval it{{0, 20}, {0, 20}};
      setitimer(ITIMER_REAL, &it, nullptr);
    });
    // The program may die of the (now default) SIGALRM after entry, but never of SIGSEGV.
    ASSERT_TRUE(r.status() == 0 || r.status() == 128 + SIGALRM) << "status " << r.status() << ": " << r.out;
  }
}

// A failed ulexec_exec_memory of a script leaves no descriptor behind.
TEST(Library, FailedMemoryScriptLeavesNoDescriptor) {
  auto count = [] {
    size_t n = 0;
    for (int fd = 0; fd < 1024; ++fd) n += fcntl(fd, F_GETFD) != -1;
    return n;
  };
  const size_t before = count();
  for (const char* script : {"#!/nonexistent/interp\n", "#!\n"}) {
    char* argv[] = {const_cast<char*>("x"), nullptr};
    ulexec_error error{};
    EXPECT_LT(ulexec_exec_memory(script, strlen(script), argv, environ, &error), 0);
  }
  EXPECT_EQ(count(), before);
}

// Arguments that fit the E2BIG limit but not RLIMIT_STACK: E2BIG before anything changes, as the
// kernel says, not a crash while the stack grows.
TEST(Library, ArgumentsLargerThanTheStackLimit) {
  const RunResult r = ExecInChild({g_hello, std::string(120 * 1024, 'x')}, [] {
    rlimit lim{100 * 1024, 100 * 1024};
    setrlimit(RLIMIT_STACK, &lim);
  });
  EXPECT_EQ(r.exec_errno, E2BIG) << r.out;
}

// Without PR_SET_MM (a seccomp filter refusing it here; kernels without CONFIG_CHECKPOINT_RESTORE
// too) the program still runs.
TEST(Library, RunsWhereSetMmIsRefused) {
  const RunResult r = ExecInChild({g_hello, "y"}, [] {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_MM, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog prog{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
  });
  EXPECT_EQ(r.status(), 0) << r.out;
  EXPECT_EQ(r.out, "hello from " + g_hello + "\nargv[1]: y\n");
}

// Options::before_entry sees what is about to run, from the bytes the loader built; returning
// false undoes the exec and the caller carries on.
struct SeenEntry {
  bool called = false;
  ulexec::EntryView view{};
  uint64_t argc = 0;
  std::string argv1;
};

bool Inspect(const ulexec::EntryView& view, void* context) {
  auto* seen = static_cast<SeenEntry*>(context);
  seen->called = true;
  seen->view = view;
  const auto* base = static_cast<const unsigned char*>(view.stack);
  const uint64_t low = view.stack_top - view.stack_size;
  uint64_t words[3];
  memcpy(words, base + (view.sp - low), sizeof words);  // argc, argv[0], argv[1]
  seen->argc = words[0];
  if (words[2] >= low && words[2] < view.stack_top) seen->argv1 = reinterpret_cast<const char*>(base + (words[2] - low));
  return false;
}

TEST(Library, BeforeEntrySeesTheStackAndCanCancel) {
  SeenEntry seen;
  ulexec::Options options;
  options.before_entry = Inspect;
  options.before_entry_context = &seen;
  const char* argv[] = {g_hello.c_str(), "second", nullptr};
  ulexec_error error{};
  const int rc = ulexec::ExecPath(g_hello.c_str(), argv, environ, options, &error);
  // Still here: cancelled and undone.
  EXPECT_EQ(rc, -ECANCELED) << error.text;
  ASSERT_TRUE(seen.called);
  EXPECT_STREQ(seen.view.path, g_hello.c_str());
  EXPECT_EQ(seen.view.interpreter, nullptr);
  EXPECT_EQ(seen.view.entry, seen.view.program_entry);
  EXPECT_EQ(seen.view.sp % 16, 0u);
  EXPECT_LT(seen.view.sp, seen.view.stack_top);
  EXPECT_GE(seen.view.stack_size, seen.view.stack_top - seen.view.sp);
  EXPECT_GT(seen.view.auxv_count, 10u);
  EXPECT_EQ(seen.argc, 2u);
  EXPECT_EQ(seen.argv1, "second");
  // The process is whole: run the program for real now, in a child.
  const RunResult r = ExecInChild({g_hello, "x"}, Nothing);
  EXPECT_EQ(r.status(), 0) << r.out;
}

// The probe's report lines that start with one of `keys`.
std::string ReportLines(const std::string& out, std::initializer_list<const char*> keys) {
  std::string lines;
  for (size_t at = 0, end; at < out.size(); at = end + 1) {
    end = out.find('\n', at);
    if (end == std::string::npos) end = out.size();
    const std::string line = out.substr(at, end - at);
    for (const char* key : keys) {
      if (line.rfind(key, 0) == 0) lines += line + '\n';
    }
  }
  return lines;
}

// A host whose effective uid or gid is not its real one (spec E11): execve makes the program's
// dumpable suid_dumpable (0 on Debian), from the caller's credentials, and AT_SECURE 1; a saved
// id alone changes neither. The library gives what execve gives; it also reads the auxv where
// /proc/self/auxv is root's (the host is not dumpable).
TEST(Library, DumpableWhereTheEffectiveIdsAreNotTheRealOnes) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to set the ids";
  struct Ids {
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
  };
  for (const Ids& ids : {Ids{0, 65534, 0, 0, 0, 0}, Ids{65534, 0, 0, 0, 0, 0}, Ids{0, 0, 0, 0, 65534, 0},
                         Ids{0, 0, 65534, 0, 0, 0}, Ids{0, 0, 0, 0, 0, 0}}) {
    SCOPED_TRACE(testing::Message() << "uids " << ids.ruid << ' ' << ids.euid << ' ' << ids.suid << ", gids "
                                    << ids.rgid << ' ' << ids.egid << ' ' << ids.sgid);
    auto set_ids = [&ids] {
      return setresgid(ids.rgid, ids.egid, ids.sgid) == 0 && setresuid(ids.ruid, ids.euid, ids.suid) == 0;
    };
    const RunResult direct = ulexec::test::RunChild({.argv = {g_probe}, .prepare = [&](int status_fd) {
                                                       if (!set_ids()) ulexec::test::FailInChild(status_fd, errno);
                                                     }});
    ASSERT_EQ(direct.status(), 0) << direct.out;
    const RunResult loaded = ExecInChild({g_probe}, [&] {
      if (!set_ids()) _exit(100);
    });
    ASSERT_EQ(loaded.status(), 0) << loaded.out;
    const auto keys = {"task.dumpable:", "auxv.AT_SECURE:", "auxv.AT_UID:", "auxv.AT_EUID:", "auxv.AT_GID:",
                       "auxv.AT_EGID:"};
    EXPECT_EQ(ReportLines(loaded.out, keys), ReportLines(direct.out, keys));
    EXPECT_NE(ReportLines(direct.out, {"task.dumpable:"}), "");
  }
}

// Options::fresh_process vouches for handlers, threads, rseq and descriptors, not for the
// credentials: a host that changed its ids and then passes it still gets execve's credentials
// (the auxv shortcut is Options::credentials_as_execed's alone; review of the speed work).
TEST(Library, FreshProcessDoesNotVouchForTheCredentials) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to set the ids";
  const auto set_ids = [] { return setresgid(65534, 65534, 65534) == 0 && setresuid(65534, 65534, 65534) == 0; };
  const RunResult direct = ulexec::test::RunChild({.argv = {g_probe}, .prepare = [&](int status_fd) {
                                                     if (!set_ids()) ulexec::test::FailInChild(status_fd, errno);
                                                   }});
  ASSERT_EQ(direct.status(), 0) << direct.out;
  ulexec::Options options;
  options.fresh_process = true;
  const RunResult loaded = ExecInChild(
      {g_probe},
      [&] {
        // What fresh_process promises: no rseq area (glibc registered one), no handlers.
        const auto* area = static_cast<char*>(__builtin_thread_pointer()) + __rseq_offset;
        if (__rseq_size != 0 && syscall(SYS_rseq, area, 32, 1 /* RSEQ_FLAG_UNREGISTER */, 0x53053053) != 0) _exit(101);
        if (!set_ids()) _exit(100);
      },
      &options);
  ASSERT_EQ(loaded.status(), 0) << loaded.out;
  const auto keys = {"auxv.AT_UID:", "auxv.AT_EUID:", "auxv.AT_GID:", "auxv.AT_EGID:", "auxv.AT_SECURE:"};
  EXPECT_EQ(ReportLines(loaded.out, keys), ReportLines(direct.out, keys));
  EXPECT_NE(ReportLines(direct.out, {"auxv.AT_UID:"}).find("65534"), std::string::npos);
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  g_hello = ulexec::test::Binary("hello-static-pie");
  g_probe = ulexec::test::Binary("probe-static-pie");
  return RUN_ALL_TESTS();
}
