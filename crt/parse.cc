// Number parsing: decimal and 0x numbers, and /proc's lowercase hex (crt/string.h).
#include <crt/string.h>

namespace crt {

bool ParseUnsigned(std::string_view s, unsigned long* out) {
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return false;
  unsigned long v = 0;
  for (char c : s) {
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (base == 16 && c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else if (base == 16 && c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
    else return false;
    if (d >= base) return false;
    if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v)) return false;
  }
  *out = v;
  return true;
}

bool ConsumeHex(std::string_view& s, uint64_t* out) {
  uint64_t v = 0;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else break;
    if (v >> 60 != 0) return false;
    v = v << 4 | d;
  }
  if (i == 0) return false;
  s.remove_prefix(i);
  *out = v;
  return true;
}

bool ParseHex(std::string_view s, uint64_t* out) {
  uint64_t v;
  if (!ConsumeHex(s, &v) || !s.empty()) return false;
  *out = v;
  return true;
}

}  // namespace crt
