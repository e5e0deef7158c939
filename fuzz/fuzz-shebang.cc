// Fuzz target "shebang": the input is a file's first bytes after "#!" (ParseShebang is only
// called on a head that starts with "#!"). The head is "#!" plus the input, at most 2 KiB as
// ReadHead reads it.
//
// Invariants (a violation aborts): a refusal has an errno and a message; an accepted line has a
// non-empty interpreter without blanks or newlines, and an optional argument without a newline
// or a leading blank, both NUL-terminated inside Shebang::buffer and equal to the bytes of the
// head at the same offsets. And the result is the kernel's: a port of fs/binfmt_script.c's
// load_script() parsing (Linux 5.8 and later) gives the same interpreter and argument, and
// refuses the same lines (its empty name, which execve then fails to open with EACCES, is
// ParseShebang's EACCES refusal).
#include "fuzz-check.h"
#include "script.h"

#include <errno.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

// The kernel's parse, on a copy of its 256-byte buffer (BINPRM_BUF_SIZE), zero-padded.
struct KernelResult {
  bool ok = false;
  const char* name = nullptr;
  const char* arg = nullptr;
};

bool SpaceTab(char c) { return c == ' ' || c == '\t'; }
char* NextNonSpaceTab(char* first, const char* last) {
  for (; first <= last; first++) {
    if (!SpaceTab(*first)) return first;
  }
  return nullptr;
}
char* NextTerminator(char* first, const char* last) {
  for (; first <= last; first++) {
    if (SpaceTab(*first) || !*first) return first;
  }
  return nullptr;
}
// lib/string.c strnchr: stops at the first NUL.
char* Strnchr(char* s, size_t count, char c) {
  while (count--) {
    if (*s == c) return s;
    if (*s++ == '\0') break;
  }
  return nullptr;
}

KernelResult KernelParse(char* buf, size_t size) {
  KernelResult r;
  const char* buf_end = buf + size - 1;
  char* i_end = Strnchr(buf, size, '\n');
  if (!i_end) {
    i_end = NextNonSpaceTab(buf + 2, buf_end);
    if (!i_end) return r;
    if (!NextTerminator(i_end, buf_end)) return r;
    i_end = const_cast<char*>(buf_end);
  }
  while (SpaceTab(i_end[-1])) i_end--;
  char* i_name = NextNonSpaceTab(buf + 2, i_end);
  if (!i_name || i_name == i_end) return r;
  char* i_arg = nullptr;
  char* i_sep = NextTerminator(i_name, i_end);
  if (i_sep && *i_sep != '\0') i_arg = NextNonSpaceTab(i_sep, i_end);
  *i_end = '\0';
  if (i_arg) *i_sep = '\0';
  r.ok = true;
  r.name = i_name;
  r.arg = i_arg;
  return r;
}

bool Inside(const char* p, const char* lo, size_t n) { return p >= lo && p < lo + n; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ulexec;
  std::vector<std::byte> head(2 + (size < 2046 ? size : 2046));
  head[0] = std::byte{'#'};
  head[1] = std::byte{'!'};
  if (head.size() > 2) memcpy(head.data() + 2, data, head.size() - 2);

  Shebang line;
  Error error;
  const bool ok = ParseShebang(head, &line, error);

  char kernel_buf[kShebangBytes] = {};
  memcpy(kernel_buf, head.data(), head.size() < kShebangBytes ? head.size() : kShebangBytes);
  KernelResult k = KernelParse(kernel_buf, sizeof kernel_buf);
  // An empty name is a refusal with EACCES here; the kernel fails to open it with EACCES.
  const bool kernel_empty_name = k.ok && *k.name == '\0';
  if (kernel_empty_name) k.ok = false;

  if (!ok) {
    fuzz::CheckRefusal(error);
    FUZZ_CHECK(!k.ok);
    FUZZ_CHECK(error.code == (kernel_empty_name ? EACCES : ENOEXEC));
    return 0;
  }
  FUZZ_CHECK(k.ok);
  const char* name = line.interpreter;
  FUZZ_CHECK(Inside(name, line.buffer, sizeof line.buffer));
  const size_t name_len = strlen(name);
  FUZZ_CHECK(name_len > 0 && name + name_len < line.buffer + kShebangBytes);
  FUZZ_CHECK(strpbrk(name, " \t\n") == nullptr);
  const size_t name_at = static_cast<size_t>(name - line.buffer);
  FUZZ_CHECK(name_at >= 2 && name_at + name_len <= head.size() && memcmp(name, head.data() + name_at, name_len) == 0);
  FUZZ_CHECK(strcmp(name, k.name) == 0 && name_at == static_cast<size_t>(k.name - kernel_buf));
  if (line.argument == nullptr) {
    FUZZ_CHECK(k.arg == nullptr);
    return 0;
  }
  const char* arg = line.argument;
  FUZZ_CHECK(Inside(arg, line.buffer, sizeof line.buffer) && arg > name + name_len);
  const size_t arg_len = strlen(arg);
  FUZZ_CHECK(arg + arg_len < line.buffer + kShebangBytes);
  FUZZ_CHECK(memchr(arg, '\n', arg_len) == nullptr && (arg_len == 0 || (arg[0] != ' ' && arg[0] != '\t')));
  const size_t arg_at = static_cast<size_t>(arg - line.buffer);
  FUZZ_CHECK(arg_at + arg_len <= head.size() && memcmp(arg, head.data() + arg_at, arg_len) == 0);
  FUZZ_CHECK(k.arg != nullptr && strcmp(arg, k.arg) == 0 && arg_at == static_cast<size_t>(k.arg - kernel_buf));
  return 0;
}
