// Fuzz target "stack": the new program's auxv and initial stack from fuzzed argv (with a #! head),
// envp, AT_EXECFN, a caller's auxv, computed auxv values and the random padding, all bounded as
// CheckArgumentSpace and the kernel bound them. ComposeAuxv, StackSize and BuildStack run as
// exec-plan.cc and handoff-plan.cc run them, into a buffer whose end is the stack top S, so the
// pointers in the image are real and crt::ParseInitialStack reads it back as the started program would.
//
// Invariants (a violation aborts): the auxv ends with one AT_NULL and has the computed values;
// sp % 16 == 0 and sp == S - StackSize; AT_RANDOM % 16 == 9 (16 bytes below the 7-byte
// "x86_64" just under a 16-aligned address); argc, argv, envp and auxv parse back equal to the
// request; the strings are contiguous in kernel order; nothing is written outside the span given
// (the rest of the buffer is poisoned for AddressSanitizer); the span below sp is zeroed.
#include "auxv.h"
#include "fuzz-check.h"
#include "page.h"
#include "stack-layout.h"

#include <crt/process.h>
#include <ulexec/arch/constants.h>

#include <fuzzer/FuzzedDataProvider.h>
#include <sanitizer/asan_interface.h>

#include <elf.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace ulexec {
namespace {

constexpr size_t kMaxStrings = 48;
constexpr size_t kMaxStringBytes = 300;

// Types a caller's auxv has, plus AT_EXECFD (dropped) and unknown ones (kept, in order).
constexpr unsigned long kTypes[] = {
    AT_SYSINFO_EHDR, 51, AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_FLAGS, AT_ENTRY,
    AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_RANDOM, AT_HWCAP2, AT_EXECFN, AT_PLATFORM, 27, 28, AT_EXECFD,
    AT_NOTELF, AT_IGNORE, 41, 99, 1000,
};

std::vector<std::string> Strings(FuzzedDataProvider& in, size_t max_count) {
  std::vector<std::string> v(in.ConsumeIntegralInRange<size_t>(0, max_count));
  for (std::string& s : v) {
    s = in.ConsumeRandomLengthString(kMaxStringBytes);
    s.resize(strlen(s.c_str()));  // C strings: up to the first NUL
  }
  return v;
}

std::vector<const char*> Pointers(const std::vector<std::string>& v) {
  std::vector<const char*> p;
  for (const std::string& s : v) p.push_back(s.c_str());
  return p;
}

uint64_t Computed(unsigned long type, const ComputedAuxv& c) {
  switch (type) {
    case AT_PHDR: return c.phdr;
    case AT_PHENT: return c.phent;
    case AT_PHNUM: return c.phnum;
    case AT_BASE: return c.base;
    case AT_ENTRY: return c.entry;
    default: return 0;
  }
}

void CheckAuxv(std::span<const crt::AuxEntry> caller, const ComputedAuxv& c, std::span<const crt::AuxEntry> out) {
  FUZZ_CHECK(!out.empty() && out.back().type == AT_NULL && out.back().value == 0);
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    const crt::AuxEntry& e = out[i];
    FUZZ_CHECK(e.type != AT_NULL && e.type != AT_EXECFD);
    switch (e.type) {
      case AT_PHDR: case AT_PHENT: case AT_PHNUM: case AT_BASE: case AT_ENTRY:
        FUZZ_CHECK(e.value == Computed(e.type, c));
        break;
      case AT_SYSINFO_EHDR:
        if (c.sysinfo_ehdr) FUZZ_CHECK(e.value == c.sysinfo_ehdr);
        break;
      default:
        break;
    }
  }
  for (unsigned long t : {AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_ENTRY, AT_FLAGS, AT_RANDOM, AT_EXECFN,
                          AT_PLATFORM}) {
    size_t n = 0;
    for (const crt::AuxEntry& e : out) n += e.type == t;
    FUZZ_CHECK(n == 1);
  }
  // Every entry of the caller's that is not replaced or dropped carries through.
  for (const crt::AuxEntry& e : caller) {
    if (e.type == AT_EXECFD) continue;
    bool found = false;
    for (const crt::AuxEntry& o : out) found |= o.type == e.type;
    FUZZ_CHECK(found);
  }
}

bool InSpan(uint64_t addr, uint64_t lo, uint64_t hi) { return addr >= lo && addr <= hi; }

}  // namespace
}  // namespace ulexec

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ulexec;
  FuzzedDataProvider in(data, size);

  // The caller's auxv, without its AT_NULL, and the computed values.
  std::vector<crt::AuxEntry> caller(in.ConsumeIntegralInRange<size_t>(0, kMaxAuxv + 4));
  for (crt::AuxEntry& e : caller) {
    e.type = in.ConsumeBool() ? in.PickValueInArray(kTypes) : in.ConsumeIntegralInRange<unsigned long>(1, 64);
    e.value = in.ConsumeIntegral<unsigned long>();
  }
  ComputedAuxv computed;
  computed.phdr = in.ConsumeIntegral<uint64_t>();
  computed.phent = sizeof(Elf64_Phdr);
  computed.phnum = in.ConsumeIntegralInRange<uint64_t>(1, 1170);
  computed.base = in.ConsumeBool() ? in.ConsumeIntegral<uint64_t>() : 0;
  computed.entry = in.ConsumeIntegral<uint64_t>();
  computed.sysinfo_ehdr = in.ConsumeBool() ? in.ConsumeIntegral<uint64_t>() : 0;
  crt::AuxEntry auxv[kMaxAuxv];
  const size_t auxc = ComposeAuxv(caller, computed, auxv);
  if (auxc == 0) {
    // Refused only when the vector does not fit: the caller's entries, at most 10 computed ones
    // (AT_SYSINFO_EHDR among them when the vDSO moved) and AT_NULL.
    FUZZ_CHECK(caller.size() + 11 > kMaxAuxv);
    return 0;
  }
  FUZZ_CHECK(auxc <= kMaxAuxv);
  CheckAuxv(caller, computed, std::span(auxv, auxc));

  // argv after #! rewriting is head (interpreter, optional argument, script) then the tail.
  const std::vector<std::string> head_s = Strings(in, 3), argv_s = Strings(in, kMaxStrings),
                                 envp_s = Strings(in, kMaxStrings);
  std::string execfn = in.ConsumeRandomLengthString(kMaxStringBytes);
  execfn.resize(strlen(execfn.c_str()));
  unsigned char random[16] = {};
  in.ConsumeData(random, sizeof random);
  const uint64_t pad = in.ConsumeIntegralInRange<uint64_t>(0, 8191);
  const size_t extra = 16 * in.ConsumeIntegralInRange<size_t>(0, 16);  // room below sp, to be zeroed
  const std::vector<const char*> head = Pointers(head_s), argv = Pointers(argv_s), envp = Pointers(envp_s);

  StackRequest r;
  r.argv_head = head;
  r.argv = argv;
  r.envp = envp;
  r.execfn = execfn;
  r.platform = arch::kPlatform;
  r.random = random;
  r.pad = pad;
  r.auxv = std::span(auxv, auxc);

  // Size first, with a provisional top: the size does not depend on S beyond its alignment.
  r.stack_top = arch::kStackTop;
  const uint64_t bytes = StackSize(r);
  FUZZ_CHECK(bytes % 16 == 0 && bytes < (1 << 20));
  const size_t alloc = PageAlign(bytes + extra);
  auto* mem = static_cast<std::byte*>(aligned_alloc(kPageSize, alloc));
  memset(mem, 0xaa, alloc);
  const uint64_t top = reinterpret_cast<uint64_t>(mem) + alloc;
  r.stack_top = top;
  FUZZ_CHECK(StackSize(r) == bytes);
  const std::span<std::byte> below_top(mem + alloc - bytes - extra, bytes + extra);
  ASAN_POISON_MEMORY_REGION(mem, alloc - below_top.size());
  StackLayout s;
  BuildStack(r, below_top, &s);
  ASAN_UNPOISON_MEMORY_REGION(mem, alloc - below_top.size());

  FUZZ_CHECK(s.sp % 16 == 0 && s.sp == top - bytes);
  FUZZ_CHECK(s.random % 16 == 9);
  for (uint64_t a = top - below_top.size(); a < s.sp; ++a) FUZZ_CHECK(*reinterpret_cast<const char*>(a) == 0);
  for (uint64_t a = top - 8; a < top; ++a) FUZZ_CHECK(*reinterpret_cast<const char*>(a) == 0);

  // The layout, from the top down.
  FUZZ_CHECK(s.execfn + execfn.size() + 1 + 8 == top && strcmp(reinterpret_cast<const char*>(s.execfn), execfn.c_str()) == 0);
  FUZZ_CHECK(s.env_end == s.execfn && s.env_start <= s.env_end && s.arg_end == s.env_start && s.arg_start < s.arg_end);
  FUZZ_CHECK(s.platform + arch::kPlatform.size() + 1 + pad <= s.arg_start);
  FUZZ_CHECK(s.platform + arch::kPlatform.size() + 1 + pad + 16 > s.arg_start);
  FUZZ_CHECK(strcmp(reinterpret_cast<const char*>(s.platform), arch::kPlatform.data()) == 0);
  FUZZ_CHECK(s.random + 16 == s.platform && memcmp(reinterpret_cast<const void*>(s.random), random, 16) == 0);
  FUZZ_CHECK(s.auxv + s.auxv_bytes <= s.random && s.auxv_bytes == 16 * auxc);
  FUZZ_CHECK(InSpan(s.auxv, s.sp, top) && InSpan(s.arg_start, s.sp, top));

  // Read back as the program sees it.
  const crt::Process p = crt::ParseInitialStack(reinterpret_cast<const long*>(s.sp));
  std::vector<const char*> want_argv = head;
  want_argv.insert(want_argv.end(), argv.begin(), argv.end());
  if (want_argv.empty()) want_argv.push_back("");  // spec A9
  FUZZ_CHECK(p.argc >= 0 && static_cast<size_t>(p.argc) == want_argv.size());
  uint64_t cursor = s.arg_start;
  for (size_t i = 0; i < want_argv.size(); ++i) {
    FUZZ_CHECK(reinterpret_cast<uint64_t>(p.argv[i]) == cursor && strcmp(p.argv[i], want_argv[i]) == 0);
    cursor += strlen(want_argv[i]) + 1;
  }
  FUZZ_CHECK(p.argv[p.argc] == nullptr && cursor == s.arg_end);
  for (size_t i = 0; i < envp.size(); ++i) {
    FUZZ_CHECK(reinterpret_cast<uint64_t>(p.envp[i]) == cursor && strcmp(p.envp[i], envp[i]) == 0);
    cursor += strlen(envp[i]) + 1;
  }
  FUZZ_CHECK(p.envp[envp.size()] == nullptr && cursor == s.env_end);
  FUZZ_CHECK(reinterpret_cast<uint64_t>(p.auxv) == s.auxv && p.AuxCount() == auxc);
  for (size_t i = 0; i < auxc; ++i) {
    uint64_t want = auxv[i].value;
    if (auxv[i].type == AT_RANDOM) want = s.random;
    if (auxv[i].type == AT_EXECFN) want = s.execfn;
    if (auxv[i].type == AT_PLATFORM) want = s.platform;
    FUZZ_CHECK(p.auxv[i].type == auxv[i].type && p.auxv[i].value == want);
  }
  free(mem);
  return 0;
}
