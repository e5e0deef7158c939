// ulexec: run a program in this process, without execve.
#include "command-search.h"

#include <crt/errno-names.h>
#include <crt/format.h>
#include <crt/path-search.h>
#include <crt/process.h>
#include <crt/read-all.h>
#include <crt/string.h>
#include <crt/sys.h>
#include <ulexec/ulexec.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

// The linker's: the start of this image (its ELF header) and the end of its bss.
extern "C" const char __ehdr_start[] __attribute__((visibility("hidden")));
extern "C" const char _end[] __attribute__((visibility("hidden")));

namespace {

// Fits 80 columns (tests/install checks it); every option here is in ulexec(1) (checked too).
constexpr std::string_view kUsage =
    "Usage: ulexec [OPTION]... PROGRAM [ARG]...\n"
    "  or:  ulexec [OPTION]... --fd N [ARG0 [ARG]...]\n"
    "Start PROGRAM inside this process, without the execve system call, with argv\n"
    "PROGRAM ARG... and the inherited environment. PROGRAM cannot tell the\n"
    "difference from an execve. PROGRAM is found and run as execvp does: a name\n"
    "without a slash is searched for in PATH (default /bin:/usr/bin), and a file\n"
    "that is neither ELF nor #! runs with /bin/sh.\n"
    "\n"
    "Options end at the first non-option or at --:\n"
    "  -a NAME            pass NAME as argv[0] (like exec -a)\n"
    "  --fd N             run the program open on descriptor N (like fexecve);\n"
    "                     argv is ARG0 ARG...\n"
    "  --no-path-search   run PROGRAM as execve does: a name without a slash is\n"
    "                     a file here, and no /bin/sh for an unknown format\n"
    "  --handoff-page     enter PROGRAM from ulexec's own hand-off page, which\n"
    "                     then stays mapped, even where PROGRAM's signal restorer\n"
    "                     would leave nothing behind\n"
    "  --require-exe      refuse to run PROGRAM (126) when /proc/self/exe cannot\n"
    "                     be made PROGRAM: that needs CAP_CHECKPOINT_RESTORE;\n"
    "                     without it, programs that find themselves through\n"
    "                     /proc/self/exe (java, clang, $ORIGIN paths) misbehave\n"
    "  -                  as PROGRAM: read the program from standard input\n"
    "  --explain[=json]   show what running PROGRAM would do, step by step, with\n"
    "                     the real addresses, and run nothing (JSON: for scripts)\n"
    "  --syntax=att|intel the syntax of --explain's disassembly (default intel)\n"
    "  --help             show this help and exit\n"
    "  --version          show the version and exit\n"
    "\n"
    "Exit status: that of PROGRAM; 125 if ulexec itself fails (a usage error),\n"
    "126 if PROGRAM is found but cannot be run, 127 if it is not found.\n"
    "Errors are one line: ulexec: PROGRAM: reason (detail).\n"
    "Full documentation: man ulexec (the library: man 3 ulexec)\n";

// ULEXEC_VERSION: the project() version in meson.build.
constexpr std::string_view kVersion = "ulexec " ULEXEC_VERSION "\n";

// env(1) and timeout(1)'s status for a failure of the command itself, not of PROGRAM.
constexpr int kOwnFailure = 125;

int Usage(std::string_view message, std::string_view detail = {}) {
  crt::Writer err(2);
  err << "ulexec: " << message << detail << "\nTry 'ulexec --help' for more information.\n";
  return kOwnFailure;
}

// Writes --help or --version; a failed write (stdout closed, a full disk) is ulexec's own failure.
int Print(std::string_view text) {
  if (crt::WriteAll(1, text.data(), text.size())) return 0;
  crt::Writer err(2);
  err << "ulexec: write error on standard output\n";
  return kOwnFailure;
}

// PROGRAM's failure, as a shell reports it: 127 not found, 126 found but cannot be run.
int Report(std::string_view program, int code, const ulexec_error& error, int status = 0) {
  crt::Writer err(2);
  err << "ulexec: " << program << ": " << crt::ErrnoMessage(code);
  if (error.text[0]) err << " (" << error.text << ')';
  // execve needs no descriptor; ulexec does (README, "Known differences").
  if (code == EMFILE) err << "; ulexec needs 1 free descriptor, 2 for a program with an interpreter, 1 more for a set-id one (RLIMIT_NOFILE)";
  err << '\n';
  if (status) return status;
  return code == ENOENT ? 127 : 126;
}

// How --explain shows the plan; `mode` is null without --explain.
struct ExplainRequest {
  const char* mode = nullptr;  // "text" or "json"
  const char* syntax = nullptr;  // "intel" or "att": the disassembly's
};

// --explain: hands over to ulexec-explain, a hosted program (Zydis, fmt, JSON) installed in
// libexec, found next to this file as installed, then as built. It gets what this parser made of
// the command line: ulexec-explain MODE SYNTAX path-search|no-path-search SOURCE [ARG...], where
// SOURCE is PROGRAM as given, "-" or "--fd=N", and ARG... the program's whole argv.
int Explain(const ExplainRequest& request, bool path_search, const char* source, char** new_argv, char** envp) {
  char self[4096], path[4096 + 64];  // on the stack: the fast path keeps its bss
  auto n = crt::sys::Readlinkat(AT_FDCWD, "/proc/self/exe", self, sizeof self - 1);
  if (!n) return Report("/proc/self/exe", n.error(), ulexec_error{}, kOwnFailure);
  size_t new_argc = 0;
  while (new_argv[new_argc]) ++new_argc;
  auto m = crt::sys::Mmap(nullptr, (new_argc + 6) * sizeof(char*), PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (!m) return Report("--explain", m.error(), ulexec_error{}, kOwnFailure);
  const char** args = static_cast<const char**>(m.value());
  args[0] = "ulexec-explain";
  args[1] = request.mode;
  args[2] = request.syntax ? request.syntax : "intel";
  args[3] = path_search ? "path-search" : "no-path-search";
  args[4] = source;
  for (size_t k = 0; k <= new_argc; ++k) args[5 + k] = new_argv[k];
  std::string_view dir(self, n.value());
  dir = crt::Slice(dir, 0, dir.rfind('/'));
  long err = -ENOENT;
  for (std::string_view candidate : {ULEXEC_EXPLAIN_PATHS}) {
    crt::FormatTo(path, sizeof path, dir, '/', candidate);
    err = crt::Syscall(SYS_execve, path, args, envp);
    if (err != -ENOENT) break;
  }
  ulexec_error error{};
  crt::FormatTo(error.text, sizeof error.text, "cannot run ", path);
  return Report("--explain", static_cast<int>(-err), error, kOwnFailure);
}

// The first bytes of `path`, for the /bin/sh fallback (empty when it cannot be read).
std::span<const std::byte> Head(const char* path, std::byte (&buf)[4]) {
  auto fd = crt::sys::Open(path, O_RDONLY | O_CLOEXEC);
  if (!fd) return {};
  auto n = crt::sys::Pread(fd.value(), buf, sizeof buf, 0);
  (void)crt::sys::Close(fd.value());
  return std::span<const std::byte>(buf, n ? n.value() : 0);
}

// execve, and for a file with no format the kernel knows, /bin/sh FILE ARG... as execvp does.
// argv[-1] is free (ulexec's own argv holds it): the shell's argv is one longer.
int ExecOrShell(const char* file, char** argv, char** envp, const ulexec::Options& options, ulexec_error* error) {
  const int result = ulexec::ExecPath(file, argv, envp, options, error);
  std::byte head[4];
  if (result != -ENOEXEC || !ulexec::RunsWithShell(Head(file, head))) return result;
  char** shell_argv = argv - 1;  // /bin/sh FILE ARG...: argv[0] gives way to the file
  char* const argv0 = argv[0];
  shell_argv[0] = const_cast<char*>(ulexec::kShell.data());
  argv[0] = const_cast<char*>(file);
  const int shell_result = ulexec::ExecPath(shell_argv[0], shell_argv, envp, options, error);
  argv[0] = argv0;  // for the next PATH entry
  return shell_result;
}

// PROGRAM as execvp runs it: a name with a slash as it is, else each PATH entry in turn
// (crt::PathCandidates), EACCES remembered (126, not 127, when nothing runs). Returns only on
// failure.
int Execvp(const char* program, char** argv, char** envp, const ulexec::Options& options, ulexec_error* error) {
  if (std::string_view(program).find('/') != std::string_view::npos) {
    return ExecOrShell(program, argv, envp, options, error);
  }
  static char candidate[4096];
  static ulexec_error access_error;
  bool access_denied = false;
  crt::PathCandidates candidates(crt::ThisProcess().Getenv("PATH"), program);
  while (*program && candidates.Next(candidate, sizeof candidate)) {
    // A look first: most entries do not hold the name, and a failed load reads /proc/self/maps.
    auto look = crt::sys::Faccessat(AT_FDCWD, candidate, F_OK);
    const int result = look ? ExecOrShell(candidate, argv, envp, options, error) : -look.error();
    switch (ulexec::AfterFailure(-result)) {
      case ulexec::SearchStep::kNextRememberAccess:
        if (!access_denied) access_error = look ? *error : ulexec_error{};
        access_denied = true;
        break;
      case ulexec::SearchStep::kNext:
        break;
      case ulexec::SearchStep::kStop:
        return result;
    }
  }
  if (access_denied) {
    *error = access_error;
    return -EACCES;
  }
  crt::FormatTo(error->text, sizeof error->text, "not found in PATH");
  return -ENOENT;
}

}  // namespace

int main(int argc, char** argv, char** envp) {
  const char* argv0 = nullptr;
  bool path_search = true;
  ExplainRequest explain;
  bool handoff_page = false;
  bool require_exe = false;
  int exec_fd = -1;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg == "--help") return Print(kUsage);
    if (arg == "--version") return Print(kVersion);
    if (arg == "-a") {
      if (++i == argc) return Usage("option -a needs a NAME");
      argv0 = argv[i];
      continue;
    }
    if (arg == "--explain" || arg == "--explain=text" || arg == "--explain=json") {
      explain.mode = arg == "--explain=json" ? "json" : "text";
      continue;
    }
    if (arg == "--syntax=att" || arg == "--syntax=intel") {
      explain.syntax = arg == "--syntax=att" ? "att" : "intel";
      continue;
    }
    if (arg == "--no-path-search") {
      path_search = false;
      continue;
    }
    if (arg == "--handoff-page") {
      handoff_page = true;
      continue;
    }
    if (arg == "--require-exe") {
      require_exe = true;
      continue;
    }
    if (arg == "--fd") {
      unsigned long fd;
      if (++i == argc || !crt::ParseUnsigned(argv[i], &fd) || fd > 0x7fffffff) {
        return Usage("option --fd needs a descriptor number");
      }
      exec_fd = static_cast<int>(fd);
      ++i;
      break;
    }
    if (arg.size() > 1 && arg[0] == '-') return Usage("unknown option ", arg);
    break;
  }
  if (explain.syntax && !explain.mode) return Usage("option --syntax needs --explain");
  ulexec::Options options;
  options.fresh_process = true;
  options.credentials_as_execed = true;  // the command changes no credential before this
  options.handoff_page = handoff_page;
  options.require_exe = require_exe;
  options.auxv = reinterpret_cast<const unsigned long*>(crt::ThisProcess().auxv);
  // This image, linked at a fixed address away from where programs go (loader/meson.build).
  options.own_image_start = &__ehdr_start;
  options.own_image_end = &_end;
  ulexec_error error{};
  char** new_argv = argv + i;  // PROGRAM ARG... NULL, as the kernel laid them out
  if (exec_fd >= 0) {
    char name[24];
    crt::FormatTo(name, sizeof name, "--fd ", exec_fd);
    if (argv0 && new_argv[0]) new_argv[0] = const_cast<char*>(argv0);
    if (explain.mode) {
      crt::FormatTo(name, sizeof name, "--fd=", exec_fd);
      return Explain(explain, path_search, name, new_argv, envp);
    }
    const int result = ulexec::ExecFd(exec_fd, new_argv, envp, options, &error);
    return Report(name, -result, error);
  }
  if (i == argc) return Usage("no PROGRAM given");
  const char* program = argv[i];
  if (argv0) new_argv[0] = const_cast<char*>(argv0);
  if (explain.mode) return Explain(explain, path_search, program, new_argv, envp);
  int result;
  if (std::string_view(program) == "-") {
    // Its memory goes with the rest of ulexec at the hand-off, or is left to the exit on failure.
    std::string_view image;
    crt::ReadAllFailure failure;
    if (!crt::ReadAll(0, size_t{1} << 20, &image, &failure)) {
      // No memory is ulexec's own failure; a failed read is the program's.
      crt::FormatTo(error.text, sizeof error.text,
                    failure.reading ? "cannot read standard input"
                                    : "no memory for the program read from standard input");
      return Report(program, failure.error, error, failure.reading ? 0 : kOwnFailure);
    }
    result = ulexec::ExecMemory(image.data(), image.size(), new_argv, envp, options, &error);
  } else if (path_search) {
    result = Execvp(program, new_argv, envp, options, &error);
  } else {
    result = ulexec::ExecPath(program, new_argv, envp, options, &error);
  }
  return Report(program, -result, error);
}
