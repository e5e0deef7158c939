// The new stack, region by region (stack-diagram.h). Every address comes from the built bytes:
// argc at sp, the pointer vectors above it, and the strings and random bytes where the pointers
// and auxv entries say they are (the kernel's layout: docs/execve.md#A1 to #A8).
#include "stack-diagram.h"

#include <crt/names.h>
#include <crt/string.h>

#include <elf.h>

namespace forkexec {
namespace {

constexpr size_t kShownArgs = 6;
constexpr size_t kShownEnv = 2;
constexpr size_t kShownChars = 48;
constexpr char kHexDigits[] = "0123456789abcdef";

// The built stack as an address range: base..top.
struct Bytes {
  const uint8_t* data;
  uint64_t base, top;

  bool Has(uint64_t addr, uint64_t n) const { return addr >= base && addr <= top && n <= top - addr; }
  uint64_t Word(uint64_t addr) const {
    uint64_t v = 0;
    if (Has(addr, 8)) memcpy(&v, data + (addr - base), 8);
    return v;
  }
  // The NUL-terminated string at addr (without the NUL); empty when outside.
  std::string_view String(uint64_t addr) const {
    if (!Has(addr, 1)) return {};
    const auto* s = reinterpret_cast<const char*>(data + (addr - base));
    const void* nul = memchr(s, 0, top - addr);
    return nul ? std::string_view(s, static_cast<size_t>(static_cast<const char*>(nul) - s)) : std::string_view();
  }
};

enum class Kind { kEndMarker, kExecfn, kEnvStrings, kArgStrings, kPlatform, kRandom, kAuxv, kEnvp, kArgv, kArgc };

struct Region {
  uint64_t lo = 0, hi = 0;
  Kind kind = Kind::kArgc;
};

// What the pointer area says: argc, where each vector starts, how long it is.
struct Vectors {
  uint64_t argc = 0, argv = 0, envp = 0, envc = 0, auxv = 0, auxc = 0;
};

Vectors ReadVectors(const Bytes& b, uint64_t sp) {
  Vectors v;
  v.argc = b.Word(sp);
  v.argv = sp + 8;
  v.envp = v.argv + 8 * (v.argc + 1);
  while (b.Has(v.envp + 8 * v.envc, 8) && b.Word(v.envp + 8 * v.envc) != 0) ++v.envc;
  v.auxv = v.envp + 8 * (v.envc + 1);
  while (b.Has(v.auxv + 16 * v.auxc, 16)) {
    ++v.auxc;
    if (b.Word(v.auxv + 16 * (v.auxc - 1)) == AT_NULL) break;
  }
  return v;
}

uint64_t AuxValue(const Bytes& b, const Vectors& v, unsigned long type) {
  for (uint64_t i = 0; i < v.auxc; ++i) {
    if (b.Word(v.auxv + 16 * i) == type) return b.Word(v.auxv + 16 * i + 8);
  }
  return 0;
}

// The span covered by `count` strings whose pointers start at `vec`.
Region StringSpan(const Bytes& b, uint64_t vec, uint64_t count, Kind kind) {
  Region r{~uint64_t{0}, 0, kind};
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t p = b.Word(vec + 8 * i);
    r.lo = p < r.lo ? p : r.lo;
    const uint64_t end = p + b.String(p).size() + 1;
    r.hi = end > r.hi ? end : r.hi;
  }
  return r;
}

size_t CollectRegions(const Bytes& b, uint64_t sp, const Vectors& v, Region (&out)[10]) {
  size_t n = 0;
  out[n++] = {b.top - 8, b.top, Kind::kEndMarker};
  if (const uint64_t p = AuxValue(b, v, AT_EXECFN)) out[n++] = {p, p + b.String(p).size() + 1, Kind::kExecfn};
  if (v.envc) out[n++] = StringSpan(b, v.envp, v.envc, Kind::kEnvStrings);
  if (v.argc) out[n++] = StringSpan(b, v.argv, v.argc, Kind::kArgStrings);
  if (const uint64_t p = AuxValue(b, v, AT_PLATFORM)) out[n++] = {p, p + b.String(p).size() + 1, Kind::kPlatform};
  if (const uint64_t p = AuxValue(b, v, AT_RANDOM)) out[n++] = {p, p + 16, Kind::kRandom};
  out[n++] = {v.auxv, v.auxv + 16 * v.auxc, Kind::kAuxv};
  out[n++] = {v.envp, v.envp + 8 * (v.envc + 1), Kind::kEnvp};
  out[n++] = {v.argv, v.argv + 8 * (v.argc + 1), Kind::kArgv};
  out[n++] = {sp, sp + 8, Kind::kArgc};
  // High addresses first (insertion sort: ten entries).
  for (size_t i = 1; i < n; ++i) {
    for (size_t j = i; j > 0 && out[j].lo > out[j - 1].lo; --j) {
      const Region t = out[j];
      out[j] = out[j - 1];
      out[j - 1] = t;
    }
  }
  return n;
}

void Quoted(crt::Writer& w, std::string_view s) {
  w << '"';
  for (size_t i = 0; i < s.size() && i < kShownChars; ++i) w << (s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
  w << (s.size() > kShownChars ? "\"..." : "\"");
}

void Row(crt::Writer& w, uint64_t lo, uint64_t size) {
  w << "    " << crt::Hex{lo, 12} << ' ';
  char digits[24];
  const size_t len = crt::FormatTo(digits, sizeof digits, size).size();
  for (size_t i = len; i < 6; ++i) w << ' ';
  w << digits << "  ";
}

// The strings of a vector, `shown` of them quoted, then how many more.
void VectorStrings(crt::Writer& w, const Bytes& b, uint64_t vec, uint64_t count, size_t shown) {
  for (uint64_t i = 0; i < count && i < shown; ++i) {
    w << ' ';
    Quoted(w, b.String(b.Word(vec + 8 * i)));
  }
  if (count > shown) w << " ... (" << count - shown << " more)";
}

void AuxEntries(crt::Writer& w, const Bytes& b, const Vectors& v) {
  for (uint64_t i = 0; i < v.auxc; ++i) {
    const uint64_t type = b.Word(v.auxv + 16 * i), value = b.Word(v.auxv + 16 * i + 8);
    const std::string_view name = crt::AuxName(type);
    w << "\n                           ";
    if (name.empty()) w << "type " << type;
    else w << name;
    // Counts and sizes read better in decimal, addresses and masks in hex.
    if (value < 0x10000 && type != AT_HWCAP && type != AT_HWCAP2) w << ' ' << value;
    else w << ' ' << crt::Hex{value};
  }
}

void Describe(crt::Writer& w, const Bytes& b, const Vectors& v, const Region& r) {
  switch (r.kind) {
    case Kind::kEndMarker:
      w << "end marker: a zero word (A1)";
      break;
    case Kind::kExecfn:
      w << "AT_EXECFN string ";
      Quoted(w, b.String(r.lo));
      w << " (A2)";
      break;
    case Kind::kEnvStrings:
      w << "environment strings (" << v.envc << "):";
      VectorStrings(w, b, v.envp, v.envc, kShownEnv);
      break;
    case Kind::kArgStrings:
      w << "argument strings (" << v.argc << "):";
      VectorStrings(w, b, v.argv, v.argc, kShownArgs);
      break;
    case Kind::kPlatform:
      w << "AT_PLATFORM string ";
      Quoted(w, b.String(r.lo));
      w << " (A5)";
      break;
    case Kind::kRandom:
      w << "AT_RANDOM: 16 random bytes ";
      for (uint64_t i = 0; i < 16 && b.Has(r.lo + i, 1); ++i) {
        const uint8_t byte = b.data[r.lo + i - b.base];
        w << kHexDigits[byte >> 4] << kHexDigits[byte & 15];
      }
      w << " (A6)";
      break;
    case Kind::kAuxv:
      w << "auxv: " << v.auxc << " (type, value) pairs, AT_NULL last (A10)";
      AuxEntries(w, b, v);
      break;
    case Kind::kEnvp:
      w << "envp: " << v.envc << " pointers and NULL (A8)";
      break;
    case Kind::kArgv:
      w << "argv: " << v.argc << " pointers and NULL (A8)";
      break;
    case Kind::kArgc:
      w << "argc = " << v.argc << "   <- sp " << crt::Hex{r.lo} << ", 16-byte aligned (A7)";
      break;
  }
}

}  // namespace

void DrawStack(const ulexec::EntryView& view, crt::Writer& out) {
  const Bytes b{static_cast<const uint8_t*>(view.stack), view.stack_top - view.stack_size, view.stack_top};
  const Vectors v = ReadVectors(b, view.sp);
  Region regions[10];
  const size_t n = CollectRegions(b, view.sp, v, regions);
  out << "    address         bytes  what (docs/execve.md#A1 to #A10)   stack top " << crt::Hex{view.stack_top}
      << '\n';
  for (size_t i = 0; i < n; ++i) {
    const Region& r = regions[i];
    Row(out, r.lo, r.hi - r.lo);
    Describe(out, b, v, r);
    out << '\n';
    const uint64_t below = i + 1 < n ? regions[i + 1].hi : r.lo;
    if (below < r.lo) {
      Row(out, below, r.lo - below);
      // Below the lowest string the kernel leaves a random gap (A4); elsewhere alignment.
      out << (r.kind == Kind::kArgStrings ? "random padding below the strings (A4)\n" : "alignment padding\n");
    }
  }
}

}  // namespace forkexec
