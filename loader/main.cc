// ulexec: run a program in this process, without execve.
#include <crt/errno-names.h>
#include <crt/format.h>
#include <crt/process.h>
#include <crt/string.h>
#include <crt/sys.h>
#include <ulexec/ulexec.h>

#include <errno.h>
#include <sys/mman.h>

namespace {

constexpr std::string_view kUsage =
    "Usage: ulexec [OPTIONS] PROGRAM [ARG...]\n"
    "Start PROGRAM inside this process, without the execve system call, with argv PROGRAM ARG...\n"
    "and the inherited environment. PROGRAM cannot tell the difference from an execve.\n"
    "\n"
    "Options (they end at the first non-option or at --):\n"
    "  -a NAME     pass NAME as argv[0] (like exec -a)\n"
    "  -           as PROGRAM: read the program from standard input\n"
    "  --help      show this help and exit\n"
    "  --version   show the version and exit\n"
    "\n"
    "Exit status: that of PROGRAM; 127 if PROGRAM is not found, 126 if it cannot be run;\n"
    "2 for a usage error. Errors are one line: ulexec: PROGRAM: reason (detail).\n";

constexpr std::string_view kVersion = "ulexec 0.1.0\n";

int Usage(std::string_view message, std::string_view detail = {}) {
  crt::Writer err(2);
  err << "ulexec: " << message << detail << "\nTry 'ulexec --help' for more information.\n";
  return 2;
}

int Report(std::string_view program, int code, const ulexec_error& error) {
  crt::Writer err(2);
  err << "ulexec: " << program << ": " << crt::ErrnoMessage(code);
  if (error.text[0]) err << " (" << error.text << ')';
  err << '\n';
  return code == ENOENT ? 127 : 126;
}

// Reads all of standard input into anonymous memory (unmapped with the rest of ulexec at the
// hand-off, or left to the exit on failure).
bool ReadStdin(void** data, size_t* size, int* err) {
  size_t cap = 1 << 20, len = 0;
  auto m = crt::sys::Mmap(nullptr, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (!m) return *err = m.error(), false;
  char* buf = static_cast<char*>(m.value());
  for (;;) {
    if (len == cap) {
      auto grown = crt::sys::Mremap(buf, cap, cap * 2, MREMAP_MAYMOVE);
      if (!grown) return *err = grown.error(), false;
      buf = static_cast<char*>(grown.value());
      cap *= 2;
    }
    auto r = crt::sys::Read(0, buf + len, cap - len);
    if (!r) {
      if (r.error() == EINTR) continue;
      return *err = r.error(), false;
    }
    if (r.value() == 0) break;
    len += r.value();
  }
  *data = buf;
  *size = len;
  return true;
}

}  // namespace

int main(int argc, char** argv, char** envp) {
  const char* argv0 = nullptr;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg == "--help") return crt::WriteAll(1, kUsage.data(), kUsage.size()) ? 0 : 1;
    if (arg == "--version") return crt::WriteAll(1, kVersion.data(), kVersion.size()) ? 0 : 1;
    if (arg == "-a") {
      if (++i == argc) return Usage("option -a needs a NAME");
      argv0 = argv[i];
      continue;
    }
    if (arg.size() > 1 && arg[0] == '-') return Usage("unknown option ", arg);
    break;
  }
  if (i == argc) return Usage("no PROGRAM given");
  const char* program = argv[i];
  char** new_argv = argv + i;  // PROGRAM ARG... NULL, as the kernel laid them out
  if (argv0) new_argv[0] = const_cast<char*>(argv0);

  ulexec::Options options;
  options.fresh_process = true;
  options.auxv = reinterpret_cast<const unsigned long*>(crt::ThisProcess().auxv);
  ulexec_error error{};
  int result;
  if (std::string_view(program) == "-") {
    void* data;
    size_t size;
    int err;
    if (!ReadStdin(&data, &size, &err)) {
      error.text[0] = '\0';
      return Report(program, err, error);
    }
    result = ulexec::ExecMemory(data, size, new_argv, envp, options, &error);
  } else {
    result = ulexec::ExecPath(program, new_argv, envp, options, &error);
  }
  return Report(program, -result, error);
}
