// Real programs through ulexec give the same output and exit status as run directly:
// busybox applets (static ET_EXEC that re-executes /proc/self/exe), coreutils, bash, python3,
// perl, gcc (which forks and execs cc1, as and ld), Go (static, PIE, cgo on glibc) and Rust
// programs that print what their runtimes took from the start state, #! scripts, -, --fd and PATH
// search.
#include "support/binaries.h"
#include "support/run.h"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

using ulexec::test::RunChild;
using ulexec::test::RunResult;

namespace {

std::string g_ulexec;
std::string g_hello;  // hello-static-pie

std::string Dir() {
  static std::string dir = [] {
    char tmpl[] = "/tmp/ulexec-programs-XXXXXX";
    return std::string(mkdtemp(tmpl));
  }();
  return dir;
}

std::string WriteFile(const std::string& name, const std::string& text, mode_t mode = 0755) {
  const std::string path = Dir() + "/" + name;
  std::ofstream(path) << text;
  chmod(path.c_str(), mode);
  return path;
}

bool Exists(const char* path) { return access(path, X_OK) == 0; }

// The errno of a real execve of `path` (0 if it ran).
int ExecErrno(const std::string& path) { return RunChild({.argv = {path}}).exec_errno; }

// Runs argv directly and through ulexec, expects the same stdout, stderr and status, and returns
// what ulexec's run gave.
RunResult ExpectSame(const std::vector<std::string>& argv, const std::string& cwd = "", const std::string& in = "") {
  SCOPED_TRACE(argv[0] + (argv.size() > 1 ? " " + argv[1] : std::string()));
  const RunResult direct = RunChild({.argv = argv, .cwd = cwd, .stdin_data = in});
  std::vector<std::string> via = {g_ulexec};
  via.insert(via.end(), argv.begin(), argv.end());
  const RunResult through = RunChild({.argv = via, .cwd = cwd, .stdin_data = in});
  EXPECT_EQ(through.status(), direct.status()) << "stderr: " << through.err;
  EXPECT_EQ(through.out, direct.out);
  EXPECT_EQ(through.err, direct.err);
  EXPECT_FALSE(direct.out.empty() && direct.status() == 0 && argv.size() > 1) << "the command printed nothing";
  return through;
}

// A program meson built from startstate/ ("" when its compiler was not found at configure time).
std::string StartState(const char* name) { return ulexec::test::Binary(name); }

std::string FixedFolder() {
  const std::string dir = Dir() + "/fixed";
  mkdir(dir.c_str(), 0755);
  WriteFile("fixed/b.txt", "bravo\n", 0644);
  WriteFile("fixed/a.txt", "alpha\n", 0644);
  return dir;
}

TEST(Busybox, Applets) {
  if (!Exists("/bin/busybox")) GTEST_SKIP() << "busybox-static is not installed";
  const std::string dir = FixedFolder();
  ExpectSame({"/bin/busybox", "sh", "-c", "echo one two three | busybox tr a-z A-Z | busybox wc -w; exit 3"});
  ExpectSame({"/bin/busybox", "awk", "BEGIN { s = 0; for (i = 1; i <= 10; i++) s += i; print s }"});
  ExpectSame({"/bin/busybox", "sha256sum", dir + "/a.txt"});
  ExpectSame({"/bin/busybox", "ls", "-l", "-n", "--full-time", dir});
  ExpectSame({"/bin/busybox", "false"});
}

// What ulexec leaves in a real program that carries a signal restorer (busybox, static; cat,
// glibc dynamic through ld.so; the Go runtime: static, PIE, on glibc): no anonymous executable
// mapping but the vDSO, and no anonymous memory in any executable file mapping
// (docs/execve.md#B6) — each program reads its own smaps.
TEST(NothingLeftBehind, BusyboxCatAndGo) {
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"/bin/busybox", "cat", "/proc/self/smaps"},
           {"/bin/cat", "/proc/self/smaps"},
           {StartState("startstate-go-static"), "smaps"},
           {StartState("startstate-go-pie"), "smaps"},
           {StartState("startstate-go-cgo"), "smaps"}}) {
    if (argv[0].empty() || !Exists(argv[0].c_str())) continue;
    SCOPED_TRACE(argv[0]);
    std::vector<std::string> via = {g_ulexec};
    via.insert(via.end(), argv.begin(), argv.end());
    const RunResult direct = RunChild({.argv = argv}), through = RunChild({.argv = via});
    ASSERT_EQ(through.status(), 0) << through.err;
    auto summary = [](const std::string& smaps) {
      std::string out, header;
      size_t executable_file_mappings = 0;
      for (size_t at = 0, end; at < smaps.size(); at = end + 1) {
        end = smaps.find('\n', at);
        if (end == std::string::npos) end = smaps.size();
        const std::string line = smaps.substr(at, end - at);
        if (line.find(':') > line.find(' ')) {
          header = line;
          const bool exec = line.find(" r-xp ") != std::string::npos;
          const bool anonymous = line.find(" 00:00 0") != std::string::npos;
          if (exec && anonymous && line.find("[vdso]") == std::string::npos) out += "anonymous r-x: " + line + "\n";
          executable_file_mappings += exec && !anonymous;
        } else if (line.rfind("Anonymous:", 0) == 0 && header.find(" r-xp ") != std::string::npos &&
                   line.find(" 0 kB") == std::string::npos) {
          out += "copied pages in " + header + ": " + line + "\n";
        }
      }
      return out + std::to_string(executable_file_mappings) + " executable file mappings\n";
    };
    EXPECT_EQ(summary(through.out), summary(direct.out));
    EXPECT_EQ(summary(direct.out).find("anonymous"), std::string::npos);
  }
}

TEST(Coreutils, Basics) {
  const std::string dir = FixedFolder();
  ExpectSame({"/bin/ls", "-la", "--time-style=+", dir});
  ExpectSame({"/usr/bin/sort", "-r"}, "", "b\nc\na\n");
  ExpectSame({"/usr/bin/sha256sum", dir + "/b.txt"});
  ExpectSame({"/usr/bin/env"});
  ExpectSame({"/bin/ls", "/nonexistent"});  // exit status 2 and the same message
}

// ld.so's LD_SHOW_AUXV lists the auxv it was given: the same keys, in the same order.
TEST(Coreutils, SameAuxvKeysForLdSo) {
  std::vector<std::string> env = {"LD_SHOW_AUXV=1"};
  const RunResult direct = RunChild({.argv = {"/bin/true"}, .env = env});
  const RunResult through = RunChild({.argv = {g_ulexec, "/bin/true"}, .env = env});
  ASSERT_EQ(through.status(), 0) << through.err;
  auto keys = [](const std::string& out) {
    std::string k;
    for (size_t at = 0; at < out.size();) {
      const size_t nl = out.find('\n', at);
      const std::string line = out.substr(at, nl - at);
      k += line.substr(0, line.find(':')) + "\n";
      at = nl == std::string::npos ? out.size() : nl + 1;
    }
    return k;
  };
  EXPECT_GT(direct.out.size(), 100u);
  EXPECT_EQ(keys(through.out), keys(direct.out));
}

TEST(Shells, BashPipeline) {
  ExpectSame({"/bin/bash", "-c", "printf '%s\\n' c a b | sort | /usr/bin/tr a-z A-Z | head -2; echo status $?"});
}

TEST(Interpreters, Python) {
  if (!Exists("/usr/bin/python3")) GTEST_SKIP() << "no python3";
  ExpectSame({"/usr/bin/python3", "-c",
              "import json, subprocess; print(json.dumps({'k': [1, 2]}, sort_keys=True)); "
              "print(subprocess.run(['/bin/echo', 'child'], capture_output=True, text=True).stdout, end='')"});
}

TEST(Interpreters, Perl) {
  if (!Exists("/usr/bin/perl")) GTEST_SKIP() << "no perl";
  ExpectSame({"/usr/bin/perl", "-e", "my %h = (b => 2, a => 1); print join(',', map { \"$_=$h{$_}\" } sort keys %h), \"\\n\""});
}

TEST(Compilers, GccCompilesAndLinks) {
  if (!Exists("/usr/bin/gcc")) GTEST_SKIP() << "no gcc";
  const std::string src = WriteFile("prog.c", "#include <stdio.h>\nint main(void) { puts(\"compiled\"); return 7; }\n", 0644);
  const std::string out = Dir() + "/prog";
  const RunResult gcc = RunChild({.argv = {g_ulexec, "/usr/bin/gcc", "-O1", "-o", out, src}});
  ASSERT_EQ(gcc.status(), 0) << gcc.err;
  const RunResult prog = RunChild({.argv = {out}});
  EXPECT_EQ(prog.status(), 7);
  EXPECT_EQ(prog.out, "compiled\n");
}

// The Go runtime reads argv, the environment and the auxv itself: AT_SYSINFO_EHDR for its vDSO
// clock, AT_PAGESZ, AT_RANDOM; it starts threads and installs its own signal handlers. As root
// (README, Limitations: exe_fd), os.Executable() names the program, not ulexec.
TEST(Go, StaticPieAndCgo) {
  setenv("STARTSTATE_VAR", "from the test", 1);
  for (const char* name : {"startstate-go-static", "startstate-go-pie", "startstate-go-cgo"}) {
    const std::string program = StartState(name);
    if (program.empty()) GTEST_SKIP() << name << ": meson found no go (golang-go) or, for cgo, no gcc";
    const RunResult through = ExpectSame({program, "one", "two words"});
    EXPECT_EQ(through.status(), 3);
    for (const char* line : {"AT_RANDOM: 16 bytes\n", "vDSO clock_gettime: in [vdso]\n",
                             "clock: agrees with the kernel\n", "signal: user defined signal 1\n",
                             "STARTSTATE_VAR: \"from the test\"\n"})
      EXPECT_NE(through.out.find(line), std::string::npos) << line << " not in:\n" << through.out;
  }
}

// Rust's std on glibc: arguments, environment, /proc/self/exe, threads with their locals, and
// panics unwound through the unwind tables found from the program headers.
TEST(Rust, StartState) {
  const std::string program = StartState("startstate-rust");
  if (program.empty()) GTEST_SKIP() << "meson found no rustc";
  setenv("STARTSTATE_VAR", "from the test", 1);
  const RunResult through = ExpectSame({program, "one", "two words"});
  EXPECT_EQ(through.status(), 5);
  EXPECT_NE(through.out.find("caught: Some(\"boom 3\")"), std::string::npos) << through.out;
}

// Rust reports a stack overflow only when the fault is in the guard it computed below the main
// thread's stack (from /proc/self/maps and RLIMIT_STACK, through pthread_getattr_np); anywhere
// else it dies of the SIGSEGV. The message names the thread's id in newer Rust, so only its
// presence is compared. Under the inherited RLIMIT_STACK and under 1 MiB.
TEST(Rust, MainThreadStackOverflow) {
  const std::string program = StartState("startstate-rust");
  if (program.empty()) GTEST_SKIP() << "meson found no rustc";
  for (const bool small_stack : {false, true}) {
    SCOPED_TRACE(small_stack ? "RLIMIT_STACK 1 MiB" : "RLIMIT_STACK inherited");
    auto prepare = [small_stack](int) {
      const rlimit one_mib = {1 << 20, 1 << 20};
      if (small_stack) setrlimit(RLIMIT_STACK, &one_mib);
    };
    const RunResult direct = RunChild({.argv = {program, "overflow"}, .prepare = prepare});
    const RunResult through = RunChild({.argv = {g_ulexec, program, "overflow"}, .prepare = prepare});
    const char* message = "has overflowed its stack";
    EXPECT_EQ(direct.status(), 128 + SIGABRT) << direct.err;
    EXPECT_NE(direct.err.find(message), std::string::npos) << direct.err;
    EXPECT_EQ(through.status(), direct.status()) << through.err;
    EXPECT_NE(through.err.find(message), std::string::npos) << through.err;
  }
}

TEST(Scripts, ShellWithArguments) {
  const std::string s = WriteFile("args.sh", "#!/bin/sh -e\necho \"$0|$#|$*\"\nexit 4\n");
  ExpectSame({s, "x", "y z"});
}

TEST(Scripts, EnvPython) {
  if (!Exists("/usr/bin/python3")) GTEST_SKIP() << "no python3";
  const std::string s = WriteFile("p.py", "#!/usr/bin/env python3\nimport sys\nprint(sys.argv[1:])\n");
  ExpectSame({s, "a", "b"});
}

TEST(Scripts, InterpreterIsAScript) {
  const std::string inner = WriteFile("inner.sh", "#!/bin/sh\necho \"inner: $*\"\n");
  const std::string outer = WriteFile("outer", "#!" + inner + " -flag\n");
  ExpectSame({outer, "arg"});
}

TEST(Scripts, NestingLimit) {
  // 5 nested interpreters work, a 6th is ELOOP (spec F8).
  std::string prev = WriteFile("n0.sh", "#!/bin/sh\necho deepest $#\n");
  for (int i = 1; i <= 6; ++i) prev = WriteFile("n" + std::to_string(i), "#!" + prev + "\n");
  const std::string five = Dir() + "/n4", six = Dir() + "/n5";
  ExpectSame({five});
  EXPECT_EQ(ExecErrno(six), ELOOP);  // what the kernel says
  const RunResult through = RunChild({.argv = {g_ulexec, six}});
  EXPECT_EQ(through.status(), 126);
  EXPECT_NE(through.err.find("Too many levels of symbolic links"), std::string::npos) << through.err;
}

TEST(Scripts, MissingInterpreterIsNamed) {
  const std::string s = WriteFile("missing", "#!/nonexistent/interp\n");
  const RunResult o = RunChild({.argv = {g_ulexec, s}});
  EXPECT_EQ(o.status(), 127);
  EXPECT_EQ(o.err, "ulexec: " + s + ": No such file or directory (interpreter /nonexistent/interp named by the #! line)\n");
}

TEST(Command, StdinStaticAndDynamic) {
  std::ifstream f(g_hello, std::ios::binary);
  const std::string image((std::istreambuf_iterator<char>(f)), {});
  const RunResult o = RunChild({.argv = {g_ulexec, "-", "x"}, .stdin_data = image});
  EXPECT_EQ(o.status(), 0) << o.err;
  EXPECT_EQ(o.out, "hello from -\nargv[1]: x\n");
  std::ifstream t("/bin/true", std::ios::binary);
  const std::string dynamic((std::istreambuf_iterator<char>(t)), {});
  const RunResult d = RunChild({.argv = {g_ulexec, "-"}, .stdin_data = dynamic});
  EXPECT_EQ(d.status(), 0) << d.err;
  std::ifstream fl("/bin/false", std::ios::binary);
  const std::string dyn_false((std::istreambuf_iterator<char>(fl)), {});
  EXPECT_EQ(RunChild({.argv = {g_ulexec, "-"}, .stdin_data = dyn_false}).status(), 1);
}

TEST(Command, FdAndPathSearch) {
  const std::string sh = "exec 7<" + g_hello + "; " + g_ulexec + " --fd 7 name arg";
  const RunResult fd = RunChild({.argv = {"/bin/sh", "-c", sh}});
  EXPECT_EQ(fd.status(), 0) << fd.err;
  EXPECT_EQ(fd.out, "hello from name\nargv[1]: arg\n");
  std::vector<std::string> env = {"PATH=/nonexistent:" + g_hello.substr(0, g_hello.rfind('/'))};
  const std::string base = g_hello.substr(g_hello.rfind('/') + 1);
  const RunResult path = RunChild({.argv = {g_ulexec, base, "p"}, .env = env});
  EXPECT_EQ(path.status(), 0) << path.err;
  EXPECT_EQ(path.out, "hello from " + base + "\nargv[1]: p\n");
  const RunResult missing = RunChild({.argv = {g_ulexec, "no-such-program-anywhere"}, .env = env});
  EXPECT_EQ(missing.status(), 127);
  const RunResult nosearch = RunChild({.argv = {g_ulexec, "--no-path-search", base}, .env = env});
  EXPECT_EQ(nosearch.status(), 127);
}

// PROGRAM is run as execvp runs it, so `env PROGRAM` (glibc's execvp, the kernel's execve) is the
// oracle: PATH order, EACCES remembered past a non-executable file and a directory, and a file
// that is neither ELF nor #! run by /bin/sh, with or without a slash.
TEST(Command, RunsProgramsAsExecvp) {
  const std::string dir = Dir() + "/execvp";
  for (const char* sub : {"", "/a", "/b", "/c", "/c/dironly"}) mkdir((dir + sub).c_str(), 0755);
  WriteFile("execvp/a/plain", "echo wrong one\n", 0644);  // not executable: skipped, remembered
  WriteFile("execvp/b/plain", "echo \"plain: $0 $*\"\nexit 3\n");
  WriteFile("execvp/b/empty", "");
  WriteFile("execvp/a/noexec", "echo never\n", 0644);
  const std::vector<std::string> env = {"PATH=" + dir + "/a:" + dir + "/b:" + dir + "/c"};
  const std::vector<std::vector<std::string>> commands = {
      {"plain", "x", "y z"}, {"./b/plain", "arg"}, {dir + "/b/plain"}, {"empty"},   {"./b/empty"},
      {"noexec"},            {"dironly"},          {"missing"},        {"./missing"}};
  for (const auto& command : commands) {
    SCOPED_TRACE(command[0]);
    std::vector<std::string> by_env = {"/usr/bin/env"}, by_ulexec = {g_ulexec};
    by_env.insert(by_env.end(), command.begin(), command.end());
    by_ulexec.insert(by_ulexec.end(), command.begin(), command.end());
    const RunResult e = RunChild({.argv = by_env, .env = env, .cwd = dir});
    const RunResult u = RunChild({.argv = by_ulexec, .env = env, .cwd = dir});
    EXPECT_EQ(u.status(), e.status()) << "env: " << e.err << "ulexec: " << u.err;
    EXPECT_EQ(u.out, e.out);
  }
  // As execve: no /bin/sh (126, as the kernel's ENOEXEC).
  const RunResult execve_like = RunChild({.argv = {g_ulexec, "--no-path-search", "./b/plain"}, .env = env, .cwd = dir});
  EXPECT_EQ(execve_like.status(), 126);
  EXPECT_NE(execve_like.err.find("Exec format error"), std::string::npos) << execve_like.err;
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  g_ulexec = ulexec::test::Binary("ulexec");
  g_hello = ulexec::test::Binary("hello-static-pie");
  return RUN_ALL_TESTS();
}
