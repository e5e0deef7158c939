// Input without stdio: a whole file or stream (crt::ReadAll), or a line from a terminal.
#include "input.h"

#include <crt/read-all.h>
#include <crt/sys.h>

namespace minish {

bool ReadAll(int fd, std::string_view* text) {
  crt::ReadAllFailure failure;
  return crt::ReadAll(fd, 64 * 1024, text, &failure);
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
