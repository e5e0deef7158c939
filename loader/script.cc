// Stage (pure): a "#!" line, parsed as the kernel's binfmt_script does (script.h).
#include "script.h"

#include <crt/string.h>

#include <errno.h>

namespace ulexec {
namespace {

bool Blank(char c) { return c == ' ' || c == '\t'; }

// First non-blank in [first, last], or nullptr.
char* NextNonBlank(char* first, const char* last) {
  for (; first <= last; ++first) {
    if (!Blank(*first)) return first;
  }
  return nullptr;
}

// First blank or NUL in [first, last], or nullptr.
char* NextTerminator(char* first, const char* last) {
  for (; first <= last; ++first) {
    if (Blank(*first) || *first == '\0') return first;
  }
  return nullptr;
}

}  // namespace

bool ParseShebang(std::span<const std::byte> head, Shebang* out, Error& error) {
  char* buf = out->buffer;
  memset(buf, 0, sizeof out->buffer);
  memcpy(buf, head.data(), head.size() < kShebangBytes ? head.size() : kShebangBytes);
  char* const buf_end = buf + kShebangBytes - 1;
  char* end = static_cast<char*>(memchr(buf, '\n', kShebangBytes));
  if (end == nullptr) {
    end = NextNonBlank(buf + 2, buf_end);
    if (end == nullptr) return error.Fail(ENOEXEC, "the #! line is blank");
    // Without a newline, the interpreter path must end inside the buffer, or it may be cut.
    if (NextTerminator(end, buf_end) == nullptr) {
      return error.Fail(ENOEXEC, "the #! line's interpreter path is longer than ", kShebangBytes - 3, " bytes");
    }
    end = buf_end;
  }
  while (Blank(end[-1])) --end;
  char* name = NextNonBlank(buf + 2, end);
  if (name == nullptr || name == end) return error.Fail(ENOEXEC, "the #! line names no interpreter");
  // Spec F5: a NUL where the name starts ("#!" then EOF, "#!\0...") is an empty name, which the
  // kernel opens as the current directory: EACCES, not ENOENT.
  if (*name == '\0') {
    return error.Fail(EACCES, "the #! line's interpreter name is empty (execve opens the current directory)");
  }
  char* arg = nullptr;
  char* sep = NextTerminator(name, end);
  if (sep != nullptr && *sep != '\0') arg = NextNonBlank(sep, end);
  *end = '\0';
  if (arg != nullptr) *sep = '\0';
  out->interpreter = name;
  out->argument = arg;
  return true;
}

}  // namespace ulexec
