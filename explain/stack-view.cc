// Decodes the new stack: argc, argv, envp and auxv from sp upwards, then each block the pointers
// lead to, listed from the top down with the gaps between them as padding (spec A1-A10).
#include "stack-view.h"

#include <crt/names.h>

#include <algorithm>
#include <cstring>
#include <fmt/format.h>

namespace explain {
namespace {

constexpr uint64_t kWord = 8;

struct Reader {
  std::span<const std::byte> bytes;
  uint64_t low;

  bool Has(uint64_t addr, uint64_t size) const {
    return addr >= low && addr - low <= bytes.size() && size <= bytes.size() - (addr - low);
  }
  uint64_t Word(uint64_t addr) const {
    uint64_t v = 0;
    if (Has(addr, kWord)) memcpy(&v, bytes.data() + (addr - low), kWord);
    return v;
  }
  std::string String(uint64_t addr) const {
    if (!Has(addr, 1)) return {};
    const char* p = reinterpret_cast<const char*>(bytes.data() + (addr - low));
    return std::string(p, strnlen(p, bytes.size() - (addr - low)));
  }
};

// "3 strings, 42 bytes: "a" "b" … "z"" (the first three and the last when there are more).
std::string Abbreviate(const std::vector<std::string>& list, uint64_t bytes) {
  std::string out = fmt::format("{} string{}, {} bytes:", list.size(), list.size() == 1 ? "" : "s", bytes);
  for (size_t i = 0; i < list.size(); ++i) {
    if (list.size() > 4 && i == 3) {
      out += fmt::format(" … ({} more)", list.size() - 4);
      i = list.size() - 1;
    }
    std::string s = list[i].size() > 40 ? list[i].substr(0, 37) + "..." : list[i];
    out += fmt::format(" \"{}\"", s);
  }
  return out;
}

// Reads `count` pointers at `at` and the strings they point to; returns the strings' extent.
std::pair<uint64_t, uint64_t> ReadStrings(const Reader& r, uint64_t at, size_t count, std::vector<std::string>* out) {
  uint64_t lo = UINT64_MAX, hi = 0;
  for (size_t i = 0; i < count; ++i) {
    const uint64_t p = r.Word(at + i * kWord);
    out->push_back(r.String(p));
    lo = std::min(lo, p);
    hi = std::max(hi, p + out->back().size() + 1);
  }
  return {lo, hi};
}

size_t CountPointers(const Reader& r, uint64_t at) {
  size_t n = 0;
  while (r.Has(at + n * kWord, kWord) && r.Word(at + n * kWord) != 0) ++n;
  return n;
}

}  // namespace

std::string AuxName(uint64_t type) {
  const std::string_view name = crt::AuxName(type);
  return name.empty() ? fmt::format("AT_{}", type) : std::string(name);
}

void DecodeStack(std::span<const std::byte> bytes, uint64_t low, StackView* view) {
  const Reader r{bytes, low};
  const uint64_t sp = view->sp, top = view->top;
  const uint64_t argc = r.Word(sp);
  const uint64_t argv_at = sp + kWord, envp_at = argv_at + (argc + 1) * kWord;
  const size_t envc = CountPointers(r, envp_at);
  const uint64_t auxv_at = envp_at + (envc + 1) * kWord;
  const auto [arg_lo, arg_hi] = ReadStrings(r, argv_at, argc, &view->argv);
  const auto [env_lo, env_hi] = ReadStrings(r, envp_at, envc, &view->envp);
  std::vector<StackItem> items = {
      {top - kWord, kWord, "end marker (spec A1)", "0", false},
      {sp, kWord, "argc", std::to_string(argc), false},
      {argv_at, (argc + 1) * kWord, "argv[] pointers, NULL-terminated (spec A8)", std::to_string(argc) + " + NULL",
       false},
      {envp_at, (envc + 1) * kWord, "envp[] pointers, NULL-terminated (spec A8)", std::to_string(envc) + " + NULL",
       false},
  };
  if (argc)
    items.push_back(
        {arg_lo, arg_hi - arg_lo, "argument strings (spec A3)", Abbreviate(view->argv, arg_hi - arg_lo), false});
  if (envc)
    items.push_back(
        {env_lo, env_hi - env_lo, "environment strings (spec A3)", Abbreviate(view->envp, env_hi - env_lo), false});
  uint64_t at = auxv_at;
  for (;; at += 2 * kWord) {
    const uint64_t type = r.Word(at), value = r.Word(at + kWord);
    AuxEntry e{AuxName(type), type, value, "", type == 25};
    if (type == 31 || type == 15) {
      const std::string s = r.String(value);
      e.meaning = fmt::format("\"{}\" at top-{:#x}", s, top - value);
      items.push_back({value, s.size() + 1, type == 31 ? "AT_EXECFN string (spec A2)" : "AT_PLATFORM string (spec A5)",
                       "\"" + s + "\"", false});
    } else if (type == 25) {
      std::string hex;
      for (uint64_t i = 0; i < 16; ++i)
        hex += fmt::format("{:02x}", static_cast<unsigned>(
                                         r.Has(value + i, 1) ? std::to_integer<unsigned>(bytes[value + i - low]) : 0));
      e.meaning = fmt::format("16 random bytes at top-{:#x}", top - value);
      items.push_back({value, 16, "AT_RANDOM bytes (spec A6)", hex, true});
    }
    view->auxv.push_back(e);
    if (type == 0 || !r.Has(at + 2 * kWord, 2 * kWord)) break;
  }
  items.push_back({auxv_at, at + 2 * kWord - auxv_at, "auxv (spec A10)",
                   fmt::format("{} entries, AT_NULL included", view->auxv.size()), false});
  std::sort(items.begin(), items.end(), [](const StackItem& a, const StackItem& b) { return a.address > b.address; });
  // The gaps: alignment and the kernel's padding (spec A4, A7).
  uint64_t upper = top;
  for (const StackItem& item : items) {
    if (item.address + item.size < upper) {
      // Right above the platform string: the kernel's gap below the strings; else alignment.
      const bool below_strings = item.what.starts_with("AT_PLATFORM");
      view->items.push_back({item.address + item.size, upper - item.address - item.size,
                             below_strings ? "gap below the strings (spec A4)" : "alignment padding (spec A7)", "",
                             below_strings && view->randomized});
    }
    view->items.push_back(item);
    upper = std::min(upper, item.address);
  }
}

}  // namespace explain
