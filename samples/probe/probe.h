// probe: reports a program's initial process state as `key: value` lines, so that the same
// program started by the kernel and by ulexec can be compared key by key (README.md, "The probe report").
//
// Key rules, which the comparator in tests/probe relies on:
//   - every key is unique and printed in a fixed order;
//   - a value that depends on ASLR (an absolute address, or a distance that randomisation moves)
//     goes under a key starting with `addr.`; the ordinary key next to it carries the
//     ASLR-independent description (`auxv.AT_PHDR: image+0x40`, `addr.auxv.AT_PHDR: 0x5555...`);
//   - `random.` keys hold the AT_RANDOM bytes, which differ on every run.
//
// The report code is freestanding (musl headers, crt_core) and never allocates: /proc files are
// read into fixed static buffers. It links into the crt builds (which also report the entry
// registers, entry.S) and into glibc and musl programs (main-libc.c).
#pragma once

#include "entry-state.h"

#include <crt/format.h>
#include <crt/process.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace probe {

// ---- Output helpers -------------------------------------------------------------------------

// A string printed in double quotes with \\, \", \n, \t and \xNN escapes: unambiguous, one line.
struct Quoted {
  std::string_view s;
};
crt::Writer& operator<<(crt::Writer& w, Quoted q);

// A signed distance printed as "+0x10" or "-0x10".
struct Offset {
  long long v;
};
crt::Writer& operator<<(crt::Writer& w, Offset o);

// A list of signal names ("SIGINT,SIGUSR1") or "none", for a kernel signal mask.
struct SignalSet {
  uint64_t mask;
};
crt::Writer& operator<<(crt::Writer& w, SignalSet s);

std::string_view SignalName(int sig, char (&buf)[8]);

// "error ENOENT".
struct Errno {
  int e;
};
crt::Writer& operator<<(crt::Writer& w, Errno e);

// ---- /proc/self/maps ------------------------------------------------------------------------

struct Mapping {
  uintptr_t start = 0;
  uintptr_t end = 0;
  char perms[5] = {};
  uint64_t offset = 0;
  std::string_view path;   // as in maps: "" for anonymous, "[stack]", "/usr/lib/..."
  std::string_view label;  // "image", "[stack]", a file's basename, "anon"
  bool bss = false;        // anonymous, directly after a mapping of a file (its bss)
  int index = 0;           // among the mappings with the same label
  uintptr_t label_base = 0;  // start of the first mapping with the same label
};

constexpr size_t kMaxMappings = 512;

// ---- Everything the sections share ----------------------------------------------------------

struct Context {
  const long* sp = nullptr;           // the initial stack pointer: where argc sits
  crt::Process process;               // argc/argv/envp/auxv parsed from sp
  const EntryState* entry = nullptr;  // crt builds only
  std::string_view variant;

  uintptr_t image_base = 0;  // the main executable's ELF header (__ehdr_start)
  uintptr_t image_end = 0;   // end of its bss (_end)
  std::string_view image_path;

  Mapping maps[kMaxMappings];
  size_t map_count = 0;
  bool maps_ok = false;
  const Mapping* stack = nullptr;  // the mapping that contains sp

  char exe_buf[4096] = {};
  std::string_view exe;  // readlink /proc/self/exe

  const Mapping* Find(uintptr_t addr) const;
  // Where `addr` is, ASLR-independently: "0x0" for 0, "image+0x40", "[vdso]+0x0",
  // "[heap]+0x650", "libc.so.6+0x1000", "[stack]", "anon", or "unmapped". Offsets are from the
  // first mapping with the same label; none for the stack (randomised within) or anonymous memory.
  void Describe(crt::Writer& w, uintptr_t addr) const;
  // A mapped address: its absolute value moves with ASLR, so it also goes under an `addr.` key.
  bool IsAddress(uintptr_t addr) const { return addr != 0 && Find(addr) != nullptr; }
  uintptr_t StackEnd() const { return stack ? stack->end : 0; }
};

// Reads /proc/self/maps and /proc/self/exe and finds the image; false if /proc is unusable.
bool LoadContext(Context& ctx);

// ---- Sections, in report order --------------------------------------------------------------

void ReportRegs(const Context& ctx, crt::Writer& w);
void ReportArgs(const Context& ctx, crt::Writer& w);
void ReportEnv(const Context& ctx, crt::Writer& w);
void ReportAuxv(const Context& ctx, crt::Writer& w);
void ReportImage(const Context& ctx, crt::Writer& w);
void ReportStack(const Context& ctx, crt::Writer& w);
void ReportSignals(const Context& ctx, crt::Writer& w);
void ReportFds(const Context& ctx, crt::Writer& w);
void ReportMaps(const Context& ctx, crt::Writer& w);
void ReportSmaps(const Context& ctx, crt::Writer& w);
void ReportProc(const Context& ctx, crt::Writer& w);
void ReportBrk(const Context& ctx, crt::Writer& w);
void ReportTask(const Context& ctx, crt::Writer& w);
void ReportPersonality(const Context& ctx, crt::Writer& w);
void ReportCanary(const Context& ctx, crt::Writer& w);
void ReportRseq(const Context& ctx, crt::Writer& w);

// ---- Small shared utilities -----------------------------------------------------------------

// Reads a whole (small) file into buf; returns the length, or -errno.
long ReadFile(const char* path, char* buf, size_t cap);
// The numeric fields of /proc/self/stat, indexed by their 1-based number (proc(5)); fields that
// are not numbers or not present are 0. Returns how many fields were read, or -errno.
constexpr int kStatFields = 64;
int ReadStat(unsigned long (&fields)[kStatFields]);
bool StartsWith(std::string_view s, std::string_view prefix);
std::string_view Basename(std::string_view path);
inline uintptr_t PageUp(uintptr_t v) { return (v + 4095) & ~uintptr_t{4095}; }

// The entry point of every build: reports the process whose initial stack is at `sp`.
// `entry` is null for the libc builds. Returns the exit status.
int Run(const long* sp, const EntryState* entry, std::string_view variant);

}  // namespace probe

// For the libc builds' C main (main-libc.c).
extern "C" int probe_run_libc(char** argv, const char* variant);
