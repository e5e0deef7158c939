// Section `proc`: what /proc says about the process (spec A3, A11, A14, C14, E6, E7): comm, exe,
// cmdline and environ against argv and envp, auxv against the stack's auxv, and the memory
// fields of /proc/self/stat relative to the image and the initial stack.
#include "probe.h"

#include <crt/string.h>
#include <crt/sys.h>

#include <elf.h>
#include <fcntl.h>

namespace probe {
namespace {

char g_chunk[16 * 1024];

// Compares a /proc file with `n` NUL-terminated strings laid end to end (cmdline, environ),
// streaming, so that megabytes of arguments need no buffer. Prints the outcome and the length.
void CompareWithStrings(crt::Writer& w, std::string_view key, const char* path, char* const* strings, size_t n,
                        std::string_view what) {
  auto fd = crt::sys::Open(path, O_RDONLY | O_CLOEXEC);
  if (!fd) {
    w << key << ": " << Errno{fd.error()} << '\n';
    return;
  }
  size_t si = 0, ci = 0, total = 0;
  bool same = true;
  for (;;) {
    auto got = crt::sys::Read(fd.value(), g_chunk, sizeof g_chunk);
    if (!got || got.value() == 0) break;
    for (size_t i = 0; i < got.value(); ++i, ++total) {
      if (!same) continue;
      if (si >= n || g_chunk[i] != strings[si][ci]) {
        same = false;
        w << key << ": differs from " << what << " at byte " << total << '\n';
        continue;
      }
      if (strings[si][ci] == '\0') {
        ++si;
        ci = 0;
      } else {
        ++ci;
      }
    }
  }
  (void)crt::sys::Close(fd.value());
  if (same) {
    if (si == n && ci == 0) w << key << ": " << what << '\n';
    else w << key << ": shorter than " << what << '\n';
  }
  w << key << ".bytes: " << total << '\n';
}

void CompareAuxv(const Context& ctx, crt::Writer& w) {
  const long len = ReadFile("/proc/self/auxv", g_chunk, sizeof g_chunk);
  if (len < 0) {
    w << "proc.auxv: " << Errno{static_cast<int>(-len)} << '\n';
    return;
  }
  const size_t stack_bytes = ctx.process.AuxCount() * sizeof(crt::AuxEntry);
  const bool same = static_cast<size_t>(len) == stack_bytes && memcmp(g_chunk, ctx.process.auxv, stack_bytes) == 0;
  w << "proc.auxv: " << (same ? "stack auxv" : "differs from the stack auxv") << '\n';
  w << "proc.auxv.bytes: " << len << '\n';
}

struct StatField {
  int number;  // 1-based, as in proc(5)
  std::string_view name;
};

constexpr StatField kStatKeys[] = {
    {26, "start_code"}, {27, "end_code"}, {28, "start_stack"}, {45, "start_data"}, {46, "end_data"},
    {47, "start_brk"},  {48, "arg_start"}, {49, "arg_end"},    {50, "env_start"},  {51, "env_end"},
};

// The value of a memory field of /proc/self/stat, described by what it should coincide with.
void DescribeStatField(const Context& ctx, crt::Writer& w, int number, uintptr_t v) {
  const crt::Process& p = ctx.process;
  const auto sp = reinterpret_cast<uintptr_t>(ctx.sp);
  const size_t envc = p.EnvCount();
  const char* last_arg = p.argc > 0 ? p.argv[p.argc - 1] : nullptr;
  const uintptr_t argv_end = last_arg ? reinterpret_cast<uintptr_t>(last_arg) + strlen(last_arg) + 1 : 0;
  const char* name = nullptr;
  switch (number) {
    case 28:  // start_stack
      if (ctx.stack && ctx.Find(v) == ctx.stack) {
        w << "sp" << Offset{static_cast<long long>(v - sp)};
        return;
      }
      break;
    case 47:  // start_brk: in section brk
      w << (v == 0 ? "0x0" : "see brk");
      return;
    case 48:  // arg_start
      if (p.argc > 0 && v == reinterpret_cast<uintptr_t>(p.argv[0])) name = "argv[0]";
      break;
    case 49:  // arg_end
    case 50:  // env_start
      if (number == 50 && envc > 0 && v == reinterpret_cast<uintptr_t>(p.envp[0])) name = "envp[0]";
      else if (argv_end != 0 && v == argv_end) name = "end of the argv strings";
      break;
    case 51:  // env_end
      if (v != 0 && v == p.Aux(AT_EXECFN)) name = "AT_EXECFN";
      break;
    default:  // start_code, end_code, start_data, end_data
      if (v >= ctx.image_base && v <= PageUp(ctx.image_end)) {
        w << "image" << Offset{static_cast<long long>(v - ctx.image_base)};
        return;
      }
      break;
  }
  if (name) w << name;
  else ctx.Describe(w, v);
}

void ReportStat(const Context& ctx, crt::Writer& w) {
  unsigned long fields[kStatFields];
  const int number = ReadStat(fields);
  if (number < 0) {
    w << "proc.stat: " << Errno{-number} << '\n';
    return;
  }
  for (const auto& f : kStatKeys) {
    if (f.number > number) continue;
    w << "proc.stat." << f.name << ": ";
    DescribeStatField(ctx, w, f.number, fields[f.number]);
    w << '\n' << "addr.proc.stat." << f.name << ": " << crt::Hex{fields[f.number]} << '\n';
  }
}

}  // namespace

void ReportProc(const Context& ctx, crt::Writer& w) {
  char comm[64];
  const long len = ReadFile("/proc/self/comm", comm, sizeof comm);
  if (len < 0) {
    w << "proc.comm: " << Errno{static_cast<int>(-len)} << '\n';
  } else {
    std::string_view c(comm, static_cast<size_t>(len));
    if (!c.empty() && c.back() == '\n') c.remove_suffix(1);
    w << "proc.comm: " << Quoted{c} << '\n';
  }
  w << "proc.exe: " << Quoted{ctx.exe} << '\n';
  w << "proc.exe_is_image: " << (ctx.exe == ctx.image_path ? "yes" : "no") << '\n';
  CompareWithStrings(w, "proc.cmdline", "/proc/self/cmdline", ctx.process.argv, static_cast<size_t>(ctx.process.argc),
                     "argv");
  CompareWithStrings(w, "proc.environ", "/proc/self/environ", ctx.process.envp, ctx.process.EnvCount(), "envp");
  CompareAuxv(ctx, w);
  ReportStat(ctx, w);
}

}  // namespace probe
