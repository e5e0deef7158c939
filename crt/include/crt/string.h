// Small C-string helpers; the mem* functions themselves are the C ABI ones (crt/string.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <string.h>  // memcpy, memmove, memset, memcmp, strlen: musl's or the host libc's

namespace crt {

inline std::string_view View(const char* s) { return s ? std::string_view(s) : std::string_view(); }

// std::string_view::substr without its out_of_range throw: crt_core and the loader link into C
// programs, which have no libstdc++ to provide the throw. Clamps instead.
constexpr std::string_view Slice(std::string_view s, size_t pos, size_t n = std::string_view::npos) {
  if (pos > s.size()) pos = s.size();
  return std::string_view(s.data() + pos, n < s.size() - pos ? n : s.size() - pos);
}

// Calls f(line) for each line of `text` (without its newline); stops early when f returns false.
template <typename F>
bool ForEachLine(std::string_view text, F&& f) {
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    if (!f(Slice(text, 0, nl))) return false;
    text = nl == std::string_view::npos ? std::string_view() : Slice(text, nl + 1);
  }
  return true;
}

// Parses a decimal (or 0x hex) unsigned number; false unless all of `s` is one.
bool ParseUnsigned(std::string_view s, unsigned long* out);

// Parses the lowercase hex digits `s` starts with (as /proc writes numbers) into `out` and drops
// them from `s`; false, with `s` and `out` untouched, when there are none or they overflow 64 bits.
[[nodiscard]] bool ConsumeHex(std::string_view& s, uint64_t* out);
// All of `s` as lowercase hex digits; false (`out` untouched) unless all of it is.
[[nodiscard]] bool ParseHex(std::string_view s, uint64_t* out);

}  // namespace crt
