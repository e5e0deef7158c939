// Section `stack`: the layout of the initial stack (spec A1-A8), as distances.
//
//   sp -> argc, argv[], NULL, envp[], NULL, auxv pairs, (AT_NULL, 0)
//         0-15 zero bytes                                  stack.pad.auxv_end_to_random
//         AT_RANDOM: 16 bytes, address % 16 == 9           stack.random (from sp)
//         AT_PLATFORM: "x86_64\0", right after them        stack.platform
//         zero bytes up to the strings; ASLR moves them    addr.stack.pad.platform_end_to_strings
//         argv strings, envp strings, AT_EXECFN string     stack.*_strings, stack.execfn
//         8 zero bytes, then the end of [stack]            stack.end_marker
//
// Distances that randomisation changes (sp to the stack's end, the padding above the platform
// string) are printed under `addr.`.
#include "probe.h"

#include <crt/string.h>

#include <elf.h>

namespace probe {
namespace {

long long Diff(uintptr_t a, uintptr_t b) { return static_cast<long long>(a - b); }

bool ZeroBytes(uintptr_t from, uintptr_t to) {
  for (uintptr_t p = from; p < to; ++p) {
    if (*reinterpret_cast<const char*>(p) != 0) return false;
  }
  return true;
}

uintptr_t StringEnd(const char* s) { return reinterpret_cast<uintptr_t>(s) + strlen(s) + 1; }

// Checks that strings[0..n) are packed one after another starting at `*at` (when `*at` is not
// 0); leaves `*at` just past the last one. Prints "contiguous" or where the packing breaks.
void Packed(crt::Writer& w, std::string_view what, char* const* strings, size_t n, uintptr_t* at) {
  for (size_t i = 0; i < n; ++i) {
    const auto s = reinterpret_cast<uintptr_t>(strings[i]);
    if (*at != 0 && s != *at) {
      w << "not packed at " << what << '[' << i << "]\n";
      *at = 0;
      return;
    }
    *at = StringEnd(strings[i]);
  }
  w << "packed\n";
}

}  // namespace

void ReportStack(const Context& ctx, crt::Writer& w) {
  const crt::Process& p = ctx.process;
  const auto sp = reinterpret_cast<uintptr_t>(ctx.sp);
  const size_t envc = p.EnvCount();
  const size_t auxc = p.AuxCount();
  const uintptr_t auxv = reinterpret_cast<uintptr_t>(p.auxv);
  const uintptr_t auxv_end = auxv + auxc * sizeof(crt::AuxEntry);
  const uintptr_t random = p.Aux(AT_RANDOM);
  const uintptr_t platform = p.Aux(AT_PLATFORM);
  const uintptr_t execfn = p.Aux(AT_EXECFN);
  const uintptr_t end = ctx.StackEnd();
  auto on_stack = [&](uintptr_t a) { return ctx.stack && ctx.Find(a) == ctx.stack; };

  w << "addr.stack.sp: " << crt::Hex{sp} << '\n';
  w << "stack.sp.mod16: " << sp % 16 << '\n';
  w << "stack.argv: sp" << Offset{Diff(reinterpret_cast<uintptr_t>(p.argv), sp)} << '\n';
  w << "stack.envp: sp" << Offset{Diff(reinterpret_cast<uintptr_t>(p.envp), sp)} << '\n';
  w << "stack.auxv: sp" << Offset{Diff(auxv, sp)} << '\n';
  w << "stack.auxv_end: sp" << Offset{Diff(auxv_end, sp)} << '\n';

  if (random != 0) {
    if (on_stack(random)) {
      w << "stack.random: sp" << Offset{Diff(random, sp)} << '\n';
      if (random >= auxv_end) {
        w << "stack.pad.auxv_end_to_random: " << random - auxv_end << '\n';
        w << "stack.pad.auxv_end_to_random.zero: " << (ZeroBytes(auxv_end, random) ? "yes" : "no") << '\n';
      }
    } else {
      w << "stack.random: not on the stack: ";
      ctx.Describe(w, random);
      w << '\n';
    }
    w << "random.bytes: ";
    const auto* bytes = reinterpret_cast<const unsigned char*>(random);
    for (int i = 0; i < 16; ++i) w << "0123456789abcdef"[bytes[i] >> 4] << "0123456789abcdef"[bytes[i] & 15];
    w << '\n';
  }

  // Where the strings start: argv[0], or envp[0] or AT_EXECFN when there are none before it.
  uintptr_t strings = execfn;
  if (envc > 0) strings = reinterpret_cast<uintptr_t>(p.envp[0]);
  if (p.argc > 0) strings = reinterpret_cast<uintptr_t>(p.argv[0]);

  if (platform != 0) {
    const uintptr_t platform_end = StringEnd(reinterpret_cast<const char*>(platform));
    if (random != 0 && ctx.Find(platform) == ctx.Find(random)) {
      w << "stack.platform: AT_RANDOM" << Offset{Diff(platform, random)} << '\n';
    } else {
      w << "stack.platform: ";
      ctx.Describe(w, platform);
      w << '\n';
    }
    w << "stack.platform_end.mod16: " << platform_end % 16 << '\n';
    if (on_stack(platform) && on_stack(strings) && platform_end <= strings) {
      w << "addr.stack.pad.platform_end_to_strings: " << strings - platform_end << '\n';
      w << "stack.pad.platform_end_to_strings.zero: " << (ZeroBytes(platform_end, strings) ? "yes" : "no") << '\n';
    }
  }

  uintptr_t at = 0;
  w << "stack.argv_strings: ";
  Packed(w, "argv", p.argv, static_cast<size_t>(p.argc), &at);
  w << "stack.envp_strings: ";
  Packed(w, "envp", p.envp, envc, &at);
  if (execfn != 0) {
    w << "stack.execfn: " << (at == execfn ? "right after the envp strings" : "elsewhere") << '\n';
    const uintptr_t execfn_end = StringEnd(reinterpret_cast<const char*>(execfn));
    if (on_stack(execfn)) {
      w << "stack.execfn_end: stack_end" << Offset{Diff(execfn_end, end)} << '\n';
    }
  }
  if (ctx.stack) {
    w << "stack.end_marker: " << (ZeroBytes(end - 8, end) ? "8 zero bytes" : "not zero") << '\n';
    if (on_stack(strings)) w << "stack.strings_size: " << end - strings << '\n';
    w << "addr.stack.end: " << crt::Hex{end} << '\n';
    w << "addr.stack.sp_to_end: " << end - sp << '\n';
  } else {
    w << "stack.end_marker: sp is in no mapping\n";
  }
}

}  // namespace probe
