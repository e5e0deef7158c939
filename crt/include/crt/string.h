// Small C-string helpers; the mem* functions themselves are the C ABI ones (crt/string.cc).
#pragma once

#include <cstddef>
#include <string_view>

extern "C" {
void* memcpy(void* dst, const void* src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
}

namespace crt {

inline std::string_view View(const char* s) { return s ? std::string_view(s) : std::string_view(); }

// Parses a decimal (or 0x hex) unsigned number; false unless all of `s` is one.
bool ParseUnsigned(std::string_view s, unsigned long* out);

}  // namespace crt
