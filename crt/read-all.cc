// Reading a whole descriptor into anonymous memory (crt/read-all.h).
#include <crt/read-all.h>
#include <crt/sys.h>

#include <errno.h>
#include <sys/mman.h>

namespace crt {

bool ReadAll(int fd, size_t initial, std::string_view* text, ReadAllFailure* failure) {
  size_t cap = initial, len = 0;
  auto m = sys::Mmap(nullptr, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (!m) return *failure = {m.error(), false}, false;
  char* buf = static_cast<char*>(m.value());
  for (;;) {
    if (len == cap) {
      auto grown = sys::Mremap(buf, cap, cap * 2, MREMAP_MAYMOVE);
      if (!grown) return *failure = {grown.error(), false}, false;
      buf = static_cast<char*>(grown.value());
      cap *= 2;
    }
    auto r = sys::Read(fd, buf + len, cap - len);
    if (!r && r.error() == EINTR) continue;
    if (!r) return *failure = {r.error(), true}, false;
    if (r.value() == 0) break;
    len += r.value();
  }
  *text = std::string_view(buf, len);
  return true;
}

}  // namespace crt
