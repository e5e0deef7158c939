// A bump allocator over one caller-provided block: minish allocates nothing else. A line's
// syntax tree and expansions live in an arena that is reset before the next line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace minish {

class Arena {
 public:
  Arena(void* block, size_t size) : base_(static_cast<char*>(block)), cap_(size) {}

  // n value-initialized T's (T trivial), or nullptr when the block is full.
  template <typename T>
  T* New(size_t n = 1) {
    if (n > cap_ / sizeof(T)) return nullptr;
    void* p = Raw(n * sizeof(T), alignof(T));
    if (!p) return nullptr;
    T* t = static_cast<T*>(p);
    for (size_t i = 0; i < n; ++i) t[i] = T{};
    return t;
  }
  // A copy of s, NUL-terminated.
  const char* Copy(std::string_view s) {
    char* p = static_cast<char*>(Raw(s.size() + 1, 1));
    if (!p) return nullptr;
    for (size_t i = 0; i < s.size(); ++i) p[i] = s[i];
    p[s.size()] = '\0';
    return p;
  }

  // A string built byte by byte at the top of the block: Begin, Push..., then End gives it.
  // Nothing else may be allocated in between. A full block makes End return false.
  void Begin() { start_ = used_; }
  void Push(char c) {
    if (used_ < cap_) base_[used_++] = c;
    else full_ = true;
  }
  void Push(std::string_view s) {
    for (char c : s) Push(c);
  }
  bool End(std::string_view* out) {
    if (full_) return false;
    *out = std::string_view(base_ + start_, used_ - start_);
    return true;
  }

  // Where the next byte goes; Rollback(Mark()) frees everything allocated since.
  char* Top() { return base_ + used_; }
  size_t Mark() const { return used_; }
  void Rollback(size_t mark) { used_ = mark, full_ = false; }
  void Reset() { Rollback(0); }
  bool full() const { return full_; }
  size_t used() const { return used_; }
  size_t capacity() const { return cap_; }

 private:
  void* Raw(size_t n, size_t align) {
    const size_t at = (used_ + align - 1) & ~(align - 1);
    if (at > cap_ || n > cap_ - at) {
      full_ = true;
      return nullptr;
    }
    used_ = at + n;
    return base_ + at;
  }

  char* base_;
  size_t cap_;
  size_t used_ = 0;
  size_t start_ = 0;
  bool full_ = false;
};

}  // namespace minish
