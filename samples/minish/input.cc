// Input without stdio: read(2) into mmap'd memory.
#include "input.h"

#include <crt/sys.h>

#include <errno.h>
#include <sys/mman.h>

namespace minish {

bool ReadAll(int fd, std::string_view* text) {
  size_t cap = 64 * 1024, len = 0;
  auto m = crt::sys::Mmap(nullptr, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (!m) return false;
  char* buf = static_cast<char*>(m.value());
  for (;;) {
    if (len == cap) {
      auto grown = crt::sys::Mremap(buf, cap, cap * 2, MREMAP_MAYMOVE);
      if (!grown) return false;
      buf = static_cast<char*>(grown.value());
      cap *= 2;
    }
    auto r = crt::sys::Read(fd, buf + len, cap - len);
    if (!r && r.error() == EINTR) continue;
    if (!r) return false;
    if (r.value() == 0) break;
    len += r.value();
  }
  *text = std::string_view(buf, len);
  return true;
}

long ReadLine(int fd, char* buf, size_t cap, size_t* len) {
  const size_t start = *len;
  while (*len < cap) {
    auto r = crt::sys::Read(fd, buf + *len, 1);
    if (!r) return -r.error();
    if (r.value() == 0) break;
    if (buf[(*len)++] == '\n') break;
  }
  return static_cast<long>(*len - start);
}

}  // namespace minish
