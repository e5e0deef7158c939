// Small C-string helpers; the mem* functions themselves are the C ABI ones (crt/string.cc).
#pragma once

#include <cstddef>
#include <string_view>

#include <string.h>  // memcpy, memmove, memset, memcmp, strlen: musl's or the host libc's

namespace crt {

inline std::string_view View(const char* s) { return s ? std::string_view(s) : std::string_view(); }

// Parses a decimal (or 0x hex) unsigned number; false unless all of `s` is one.
bool ParseUnsigned(std::string_view s, unsigned long* out);

}  // namespace crt
