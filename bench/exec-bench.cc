// exec-bench: the cost of starting a program with execve and with ulexec, end to end.
//
// Every iteration fork()s; the child starts the program and the parent waits for it (wait4, which
// also gives the child's page-fault counts). fork() is used for every variant so that they differ
// only in how the program is started:
//   execve/PROG          the child calls execve(PROG)                       (the reference)
//   ulexec_command/PROG  the child calls execve(ulexec, [ulexec, PROG...])   (what `ulexec PROG` costs)
//   ulexec_library/PROG  the child calls ulexec::ExecPath(PROG) itself       (the in-process load only)
// Two more for context:
//   fork_only            the child only _exit(0)s: the fork + wait part of every number above
//   spawn_execve/PROG, spawn_ulexec_command/PROG
//                        the same as the first two with posix_spawn (vfork semantics, cheaper than
//                        fork for a large parent); not possible for the library variant, whose
//                        child replaces its memory.
// Each program's stdout goes to /dev/null. Times are wall-clock (real time) per start.
//
// With the console output (the default), a summary of median times and ratios to execve is printed
// at the end. bench/run-bench prints the same as a markdown table from the JSON output.
//
// Own flags (before the benchmark library's): --ulexec=PATH (the ulexec command),
// --samples=DIR (the folder with hello-static and hello-static-pie).
//
// `exec-bench --exec-library PROGRAM [ARG...]` runs no benchmark: it forks once, the child starts
// PROGRAM with ulexec::ExecPath as the ulexec_library variant does, and it exits with the child's
// status. For `strace -ff`, whose file for the child then holds the library's system calls only.
#include <benchmark/benchmark.h>
#include <ulexec/ulexec.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

#ifndef ULEXEC_BENCH_COMMAND
#define ULEXEC_BENCH_COMMAND "ulexec"
#endif
#ifndef ULEXEC_BENCH_SAMPLES
#define ULEXEC_BENCH_SAMPLES "samples"
#endif

namespace {

std::string g_ulexec = ULEXEC_BENCH_COMMAND;
std::string g_samples = ULEXEC_BENCH_SAMPLES;
int g_devnull = -1;

struct Program {
  std::string name;               // in the benchmark's name
  std::vector<std::string> argv;  // argv[0] is the path
};

// A NULL-terminated char* array over strings that outlive it.
std::vector<char*> CArgv(const std::vector<std::string>& args) {
  std::vector<char*> v;
  for (const auto& a : args) v.push_back(const_cast<char*>(a.c_str()));
  v.push_back(nullptr);
  return v;
}

std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

// Waits for `pid`; adds its page faults to `faults`. False (and the reason in `why`) unless it
// exited with status 0.
bool Reap(pid_t pid, double* faults, std::string* why) {
  int status = 0;
  rusage usage{};
  pid_t r;
  do r = wait4(pid, &status, 0, &usage);
  while (r < 0 && errno == EINTR);
  if (r < 0) return *why = std::string("wait4: ") + strerror(errno), false;
  *faults += static_cast<double>(usage.ru_minflt + usage.ru_majflt);
  if (status != 0) return *why = DescribeStatus(status), false;
  return true;
}

enum class Method { kExecve, kUlexecCommand, kUlexecLibrary, kSpawnExecve, kSpawnUlexecCommand };

// The child side of the fork variants. Never returns.
[[noreturn]] void Child(Method method, const std::vector<char*>& argv, const std::vector<char*>& ulexec_argv) {
  if (dup2(g_devnull, STDOUT_FILENO) < 0) _exit(125);
  switch (method) {
    case Method::kExecve:
      execve(argv[0], argv.data(), environ);
      break;
    case Method::kUlexecCommand:
      execve(ulexec_argv[0], ulexec_argv.data(), environ);
      break;
    case Method::kUlexecLibrary: {
      ulexec::Options options;  // the defaults: auxv from /proc/self/auxv, the full state scan
      ulexec_error error{};
      const int rc = ulexec::ExecPath(argv[0], argv.data(), environ, options, &error);
      dprintf(STDERR_FILENO, "exec-bench: ulexec::ExecPath(%s): %s (%s)\n", argv[0], strerror(-rc), error.text);
      _exit(126);
    }
    default:
      break;
  }
  dprintf(STDERR_FILENO, "exec-bench: execve: %s\n", strerror(errno));
  _exit(127);
}

void BM_Start(benchmark::State& state, Method method, const Program& program) {
  const std::vector<char*> argv = CArgv(program.argv);
  std::vector<std::string> ulexec_args{g_ulexec};
  ulexec_args.insert(ulexec_args.end(), program.argv.begin(), program.argv.end());
  const std::vector<char*> ulexec_argv = CArgv(ulexec_args);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, g_devnull, STDOUT_FILENO);

  double faults = 0;
  std::string why;
  for (auto _ : state) {
    pid_t pid = -1;
    if (method == Method::kSpawnExecve || method == Method::kSpawnUlexecCommand) {
      const auto& v = method == Method::kSpawnExecve ? argv : ulexec_argv;
      if (int e = posix_spawn(&pid, v[0], &actions, nullptr, v.data(), environ); e != 0) {
        why = std::string("posix_spawn: ") + strerror(e);
        break;
      }
    } else {
      pid = fork();
      if (pid < 0) {
        why = std::string("fork: ") + strerror(errno);
        break;
      }
      if (pid == 0) Child(method, argv, ulexec_argv);
    }
    if (!Reap(pid, &faults, &why)) break;
  }
  posix_spawn_file_actions_destroy(&actions);
  if (!why.empty()) {
    std::string command;
    for (const auto& a : method == Method::kUlexecCommand || method == Method::kSpawnUlexecCommand ? ulexec_args
                                                                                                   : program.argv) {
      command += (command.empty() ? "" : " ") + a;
    }
    why = command + ": " + why;
    state.SkipWithError(why.c_str());
    return;
  }
  state.counters["faults"] = benchmark::Counter(faults, benchmark::Counter::kAvgIterations);
}

void BM_ForkOnly(benchmark::State& state) {
  double faults = 0;
  std::string why;
  for (auto _ : state) {
    const pid_t pid = fork();
    if (pid < 0) {
      why = std::string("fork: ") + strerror(errno);
      break;
    }
    if (pid == 0) _exit(0);
    if (!Reap(pid, &faults, &why)) break;
  }
  if (!why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  state.counters["faults"] = benchmark::Counter(faults, benchmark::Counter::kAvgIterations);
}

constexpr std::pair<Method, const char*> kMethods[] = {
    {Method::kExecve, "execve"},
    {Method::kUlexecCommand, "ulexec_command"},
    {Method::kUlexecLibrary, "ulexec_library"},
    {Method::kSpawnExecve, "spawn_execve"},
    {Method::kSpawnUlexecCommand, "spawn_ulexec_command"},
};

// The console output, then at the end a summary: per program the median (else the only) real time
// of each variant and its ratio to execve of the same program.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  using ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& reports) override {
    ConsoleReporter::ReportRuns(reports);
    for (const Run& run : reports) {
      if (run.error_occurred) continue;
      const bool aggregate = run.run_type == Run::RT_Aggregate;
      if (aggregate && run.aggregate_name != "median") continue;
      if (!aggregate && run.repetitions > 1) continue;
      const std::string& name = run.run_name.function_name;  // variant/program
      const auto slash = name.find('/');
      const std::string variant = name.substr(0, slash);
      const std::string program = slash == std::string::npos ? "-" : name.substr(slash + 1);
      if (std::find(programs_.begin(), programs_.end(), program) == programs_.end()) programs_.push_back(program);
      const auto faults = run.counters.find("faults");
      results_[program][variant] = {run.GetAdjustedRealTime() * ToMicroseconds(run.time_unit),
                                    faults == run.counters.end() ? 0.0 : faults->second.value};
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::ostream& out = GetOutputStream();
    out << "\nSummary: median wall time per start in µs, [page faults per start], (ratio to execve)\n";
    char line[512];
    std::snprintf(line, sizeof line, "%-20s %-18s %-30s %-30s %-18s %s\n", "program", "execve", "ulexec_command",
                  "ulexec_library", "spawn_execve", "spawn_ulexec_command");
    out << line;
    for (const auto& program : programs_) {
      const auto& row = results_[program];
      const auto base = row.find("execve");
      auto cell = [&](const char* variant, bool ratio) {
        const auto it = row.find(variant);
        if (it == row.end()) return std::string("-");
        char buf[96];
        int n = std::snprintf(buf, sizeof buf, "%.1f [%.0f]", it->second.us, it->second.faults);
        if (ratio && base != row.end() && base->second.us > 0) {
          std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), " (%.2fx)", it->second.us / base->second.us);
        }
        return std::string(buf);
      };
      const auto spawn_base = row.find("spawn_execve");
      std::string spawn_ulexec = cell("spawn_ulexec_command", false);
      if (const auto it = row.find("spawn_ulexec_command");
          it != row.end() && spawn_base != row.end() && spawn_base->second.us > 0) {
        char buf[32];
        std::snprintf(buf, sizeof buf, " (%.2fx)", it->second.us / spawn_base->second.us);
        spawn_ulexec += buf;
      }
      if (program == "-") {
        std::snprintf(line, sizeof line, "%-20s %s\n", "fork_only", cell("fork_only", false).c_str());
      } else {
        std::snprintf(line, sizeof line, "%-20s %-18s %-30s %-30s %-18s %s\n", program.c_str(),
                      cell("execve", false).c_str(), cell("ulexec_command", true).c_str(),
                      cell("ulexec_library", true).c_str(), cell("spawn_execve", false).c_str(),
                      spawn_ulexec.c_str());
      }
      out << line;
    }
  }

 private:
  static double ToMicroseconds(benchmark::TimeUnit unit) {
    switch (unit) {
      case benchmark::kNanosecond: return 1e-3;
      case benchmark::kMicrosecond: return 1;
      case benchmark::kMillisecond: return 1e3;
      case benchmark::kSecond: return 1e6;
    }
    return 1;
  }
  struct Result {
    double us = 0;
    double faults = 0;
  };
  std::vector<std::string> programs_;
  std::map<std::string, std::map<std::string, Result>> results_;
};

// The --exec-library mode.
int ExecLibraryOnce(char** argv) {
  const pid_t pid = fork();
  if (pid < 0) return std::perror("exec-bench: fork"), 1;
  if (pid == 0) {
    ulexec::Options options;
    ulexec_error error{};
    const int rc = ulexec::ExecPath(argv[0], argv, environ, options, &error);
    dprintf(STDERR_FILENO, "exec-bench: ulexec::ExecPath(%s): %s (%s)\n", argv[0], strerror(-rc), error.text);
    _exit(126);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return std::perror("exec-bench: waitpid"), 1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  std::fprintf(stderr, "exec-bench: %s: %s\n", argv[0], DescribeStatus(status).c_str());
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::string_view(argv[1]) == "--exec-library") return ExecLibraryOnce(argv + 2);
  // Our own flags first; the rest goes to the benchmark library.
  bool console = true;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg.starts_with("--ulexec=")) {
      g_ulexec = arg.substr(9);
    } else if (arg.starts_with("--samples=")) {
      g_samples = arg.substr(10);
    } else {
      if (arg.starts_with("--benchmark_format=") && arg != "--benchmark_format=console") console = false;
      argv[out++] = argv[i];
    }
  }
  argc = out;
  argv[argc] = nullptr;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  g_devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (g_devnull < 0) {
    std::perror("exec-bench: /dev/null");
    return 1;
  }

  std::vector<Program> programs = {
      {"hello-static", {g_samples + "/hello-static"}},
      {"hello-static-pie", {g_samples + "/hello-static-pie"}},
      {"true-dynamic", {"/bin/true"}},
  };
  if (access("/bin/busybox", X_OK) == 0) programs.push_back({"busybox-true", {"/bin/busybox", "true"}});
  for (const auto& p : programs) {
    if (access(p.argv[0].c_str(), X_OK) != 0) {
      std::fprintf(stderr, "exec-bench: %s: %s (use --samples=DIR)\n", p.argv[0].c_str(), strerror(errno));
      return 1;
    }
  }
  if (access(g_ulexec.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "exec-bench: %s: %s (use --ulexec=PATH)\n", g_ulexec.c_str(), strerror(errno));
    return 1;
  }

  // Besides mean, median, stddev and cv over the repetitions: the minimum, the least disturbed by
  // other load on a shared machine.
  const auto min = [](const std::vector<double>& v) { return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end()); };
  benchmark::RegisterBenchmark("fork_only", BM_ForkOnly)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime()
      ->ComputeStatistics("min", min);
  for (const auto& program : programs) {
    for (const auto& [method, name] : kMethods) {
      benchmark::RegisterBenchmark((std::string(name) + "/" + program.name).c_str(), BM_Start, method, program)
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime()
          ->ComputeStatistics("min", min);
    }
  }

  if (console) {
    SummaryReporter reporter(isatty(STDOUT_FILENO) ? SummaryReporter::OO_ColorTabular : SummaryReporter::OO_Tabular);
    benchmark::RunSpecifiedBenchmarks(&reporter);
  } else {
    benchmark::RunSpecifiedBenchmarks();
  }
  benchmark::Shutdown();
  return 0;
}
