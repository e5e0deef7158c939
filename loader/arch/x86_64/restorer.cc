// The x86-64 signal restorer and the stub that falls into it (see ulexec/arch/restorer.h).
#include <ulexec/arch/restorer.h>

#include <crt/string.h>

namespace ulexec::arch {
namespace {

// Both encodings end with the immediate 15 and `syscall`; they differ in what comes before.
constexpr unsigned char kTail[] = {0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05};
constexpr unsigned char kMovRax[] = {0x48, 0xc7, 0xc0};  // mov $imm32, %rax (sign-extended)
constexpr unsigned char kMovEax[] = {0xb8};              // mov $imm32, %eax

constexpr long kSysMunmap = 11, kSysMadvise = 28, kMadvDontneed = 4;

unsigned char* Put(unsigned char* p, std::initializer_list<unsigned char> bytes) {
  for (unsigned char b : bytes) *p++ = b;
  return p;
}
unsigned char* PutImm(unsigned char* p, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) *p++ = static_cast<unsigned char>(v >> (8 * i));
  return p;
}

}  // namespace

// Looks for the tail's last byte (0x05) eight bytes at a time: a word with no 0x05 in it, by far
// the common case in code, costs a few instructions (a text of 100+ KiB is scanned on every
// start; this is 4 times faster than a Horspool skip over the tail here). Where one is, the bytes
// before it are compared.
long FindRestorer(std::span<const unsigned char> text, size_t from) {
  constexpr size_t n = sizeof kTail;
  constexpr uint64_t kOnes = 0x0101010101010101, kHighs = 0x8080808080808080, kFives = 5 * kOnes;
  const unsigned char* const begin = text.data();
  for (size_t last = from + n - 1; last < text.size();) {  // `last`: where the 0x05 would be
    if (last + 8 <= text.size()) {
      uint64_t word;
      __builtin_memcpy(&word, begin + last, 8);
      const uint64_t x = word ^ kFives;
      if (((x - kOnes) & ~x & kHighs) == 0) {  // no byte of the word is 0x05
        last += 8;
        continue;
      }
    }
    const size_t at = last + 1 - n;  // where the tail would start
    if (begin[last] == kTail[n - 1] && memcmp(begin + at, kTail, n - 1) == 0) {
      const unsigned char* p = begin + at;
      const unsigned char* start = nullptr;
      if (at >= 3 && memcmp(p - 3, kMovRax, 3) == 0) start = p - 3;
      else if (at >= 1 && p[-1] == kMovEax[0]) start = p - 1;
      if (start && static_cast<size_t>(start - begin) >= kRestorerStubSize &&
          static_cast<size_t>(start - begin) >= from) {
        return start - begin;
      }
    }
    ++last;
  }
  return -1;
}

void WriteRestorerStub(std::span<unsigned char, kRestorerStubSize> out, uint64_t unmap_start, uint64_t unmap_len,
                       uint64_t drop_start, uint64_t drop_len) {
  unsigned char* p = out.data();
  p = PutImm(Put(p, {0x48, 0xbf}), unmap_start, 8);  // movabs $unmap_start, %rdi
  p = PutImm(Put(p, {0xbe}), unmap_len, 4);          // mov $unmap_len, %esi
  p = PutImm(Put(p, {0xb8}), kSysMunmap, 4);         // mov $SYS_munmap, %eax
  p = Put(p, {0x0f, 0x05});                          // syscall
  p = PutImm(Put(p, {0x48, 0xbf}), drop_start, 8);   // movabs $drop_start, %rdi
  p = PutImm(Put(p, {0xbe}), drop_len, 4);           // mov $drop_len, %esi
  p = PutImm(Put(p, {0xba}), kMadvDontneed, 4);      // mov $MADV_DONTNEED, %edx
  p = PutImm(Put(p, {0xb8}), kSysMadvise, 4);        // mov $SYS_madvise, %eax
  Put(p, {0x0f, 0x05});                              // syscall: the restorer follows
}

}  // namespace ulexec::arch
