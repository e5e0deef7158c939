// Output without a libc: write-all, the Writer's formatting, error lines (crt/format.h).
#include <crt/format.h>

#include <crt/string.h>

#include <errno.h>

namespace crt {

Result<size_t> WriteAll(int fd, const void* data, size_t n) {
  const auto* p = static_cast<const char*>(data);
  size_t done = 0;
  while (done < n) {
    auto r = sys::Write(fd, p + done, n - done);
    if (!r) {
      if (r.error() == EINTR) continue;
      return r;
    }
    done += r.value();
  }
  return Result<size_t>::FromRaw(static_cast<long>(done));
}

Writer& Writer::Str(std::string_view s) {
  while (!s.empty()) {
    if (len_ == cap_) {
      if (fd_ < 0) {
        truncated_ = true;
        return *this;
      }
      Flush();
    }
    size_t n = cap_ - len_ < s.size() ? cap_ - len_ : s.size();
    memcpy(buf_ + len_, s.data(), n);
    len_ += n;
    s.remove_prefix(n);
  }
  return *this;
}

Writer& Writer::Udec(unsigned long long v) {
  char digits[20];
  int n = 0;
  do {
    digits[sizeof digits - 1 - n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  return Str(std::string_view(digits + sizeof digits - n, static_cast<size_t>(n)));
}

Writer& Writer::Dec(long long v) {
  if (v < 0) {
    Char('-');
    return Udec(0ULL - static_cast<unsigned long long>(v));
  }
  return Udec(static_cast<unsigned long long>(v));
}

Writer& Writer::HexValue(unsigned long long v, int min_digits) {
  char digits[16];
  if (min_digits > 16) min_digits = 16;
  int n = 0;
  do {
    digits[sizeof digits - 1 - n++] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v || n < min_digits);
  Str("0x");
  return Str(std::string_view(digits + sizeof digits - n, static_cast<size_t>(n)));
}

bool Writer::Flush() {
  if (fd_ < 0 || len_ == 0) return !failed_;
  if (!WriteAll(fd_, buf_, len_)) failed_ = true;
  len_ = 0;
  return !failed_;
}

void PrintError(std::string_view prefix, std::string_view message) {
  Writer w(2);
  w << prefix << ": " << message << '\n';
}

}  // namespace crt
