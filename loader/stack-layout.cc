// Stage 4b (pure): the new program's initial stack, byte for byte as the kernel lays it out
// (stack-layout.h).
#include "stack-layout.h"

#include <crt/string.h>

#include <elf.h>

namespace ulexec {
namespace {

constexpr const char* kEmptyArgv[] = {""};

struct Layout {
  StackLayout image;
  uint64_t argc = 0, envc = 0;
};

// Calls f(string) for each argv entry: the head, then the rest; {""} when both are empty.
template <typename F>
void ForEachArg(const StackRequest& r, F&& f) {
  if (r.argv_head.empty() && r.argv.empty()) {
    f(kEmptyArgv[0]);
    return;
  }
  for (const char* a : r.argv_head) f(a);
  for (const char* a : r.argv) f(a);
}

uint64_t StringsSize(std::span<const char* const> strings) {
  uint64_t n = 0;
  for (const char* s : strings) n += strlen(s) + 1;
  return n;
}

Layout Compute(const StackRequest& r) {
  Layout l;
  uint64_t argv_bytes = 0;
  ForEachArg(r, [&](const char* a) {
    ++l.argc;
    argv_bytes += strlen(a) + 1;
  });
  l.envc = r.envp.size();
  StackLayout& s = l.image;
  s.execfn = r.stack_top - 8 - (r.execfn.size() + 1);
  s.env_end = s.execfn;
  s.env_start = s.env_end - StringsSize(r.envp);
  s.arg_end = s.env_start;
  s.arg_start = s.arg_end - argv_bytes;
  s.pad = (s.arg_start - r.pad) & ~uint64_t{15};
  s.platform = s.pad - (r.platform.size() + 1);
  s.random = s.platform - 16;
  const uint64_t pairs = r.auxv.size();
  s.sp = (s.random - 8 * (2 * pairs + l.argc + l.envc + 3)) & ~uint64_t{15};
  s.auxv = s.sp + 8 * (1 + l.argc + 1 + l.envc + 1);
  s.auxv_bytes = 16 * pairs;
  return l;
}

}  // namespace

uint64_t StackSize(const StackRequest& request) { return request.stack_top - Compute(request).image.sp; }

StackLayout LayOutStack(const StackRequest& request) { return Compute(request).image; }

void BuildStack(const StackRequest& r, std::span<std::byte> below_top, StackLayout* out, PadBytes pad) {
  const Layout l = Compute(r);
  const StackLayout& s = l.image;
  const uint64_t base = r.stack_top - below_top.size();  // the address below_top[0] stands for
  auto at = [&](uint64_t addr) { return reinterpret_cast<char*>(below_top.data()) + (addr - base); };
  auto put_word = [&](uint64_t addr, uint64_t v) { memcpy(at(addr), &v, 8); };
  if (pad == PadBytes::kZero) {
    memset(below_top.data(), 0, below_top.size());
  } else {
    memset(below_top.data(), 0, s.pad - base);
    memset(at(s.arg_start), 0, r.stack_top - s.arg_start);
  }

  // Strings, ascending: argv, envp, execfn. Pointers go into the arrays as we go.
  uint64_t cursor = s.arg_start;
  uint64_t slot = s.sp;
  put_word(slot, l.argc);
  slot += 8;
  auto put_string = [&](const char* str) {
    const size_t n = strlen(str) + 1;
    memcpy(at(cursor), str, n);
    put_word(slot, cursor);
    slot += 8;
    cursor += n;
  };
  ForEachArg(r, put_string);
  slot += 8;  // argv NULL
  for (const char* e : r.envp) put_string(e);
  slot += 8;  // envp NULL
  memcpy(at(s.execfn), r.execfn.data(), r.execfn.size());
  memcpy(at(s.platform), r.platform.data(), r.platform.size());
  memcpy(at(s.random), r.random, 16);
  for (const crt::AuxEntry& e : r.auxv) {
    uint64_t value = e.value;
    if (e.type == AT_RANDOM) value = s.random;
    if (e.type == AT_EXECFN) value = s.execfn;
    if (e.type == AT_PLATFORM) value = s.platform;
    put_word(slot, e.type);
    put_word(slot + 8, value);
    slot += 16;
  }
  *out = s;
}

}  // namespace ulexec
