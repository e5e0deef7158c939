// Output without a libc: write-all, and a small formatter for strings and integers.
// A Writer either buffers for a descriptor (flushing when full and at destruction) or fills a
// fixed caller buffer (silently truncating, with truncated() telling so).
#pragma once

#include <crt/sys.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace crt {

// write() until everything is written or an error other than EINTR occurs.
Result<size_t> WriteAll(int fd, const void* data, size_t n);

struct Hex {
  unsigned long long value;
  int min_digits = 1;
};

class Writer {
 public:
  explicit Writer(int fd) : fd_(fd), buf_(inline_), cap_(sizeof inline_) {}
  Writer(char* buf, size_t cap) : buf_(buf), cap_(cap) {}
  // A descriptor writer with a caller-provided buffer, for output larger than the inline 512 bytes.
  Writer(int fd, char* buf, size_t cap) : fd_(fd), buf_(buf), cap_(cap) {}
  ~Writer() { Flush(); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  Writer& Str(std::string_view s);
  Writer& Char(char c) { return Str(std::string_view(&c, 1)); }
  Writer& Dec(long long v);
  Writer& Udec(unsigned long long v);
  Writer& HexValue(unsigned long long v, int min_digits = 1);  // "0x" then lowercase digits

  Writer& operator<<(std::string_view s) { return Str(s); }
  Writer& operator<<(const char* s) { return Str(s ? std::string_view(s) : std::string_view("(null)")); }
  Writer& operator<<(char c) { return Char(c); }
  Writer& operator<<(int v) { return Dec(v); }
  Writer& operator<<(long v) { return Dec(v); }
  Writer& operator<<(long long v) { return Dec(v); }
  Writer& operator<<(unsigned v) { return Udec(v); }
  Writer& operator<<(unsigned long v) { return Udec(v); }
  Writer& operator<<(unsigned long long v) { return Udec(v); }
  Writer& operator<<(Hex h) { return HexValue(h.value, h.min_digits); }

  // For a descriptor writer: write out what is buffered. False if the write failed.
  bool Flush();
  // For a memory writer: what was written so far (not NUL-terminated).
  std::string_view view() const { return std::string_view(buf_, len_); }
  bool truncated() const { return truncated_; }
  bool failed() const { return failed_; }

 private:
  int fd_ = -1;
  char* buf_;
  size_t cap_;
  size_t len_ = 0;
  bool truncated_ = false;
  bool failed_ = false;
  char inline_[512];
};

// Formats `parts` into `buf` as a C string: at most cap - 1 bytes (cut if longer), then a NUL.
// Returns what was written, without the NUL. Out of line: its Writer carries a 512-byte inline
// buffer (unused here), which would otherwise sit in every caller's frame, on or off its path.
template <typename... Parts>
[[gnu::noinline]] std::string_view FormatTo(char* buf, size_t cap, const Parts&... parts) {
  Writer w(buf, cap - 1);
  (w << ... << parts);
  buf[w.view().size()] = '\0';
  return w.view();
}

// Writes "<prefix>: <message>\n" to stderr in one write.
void PrintError(std::string_view prefix, std::string_view message);

}  // namespace crt
