// Stage (pure): a "#!" line, parsed as the kernel's binfmt_script does (spec F1-F5).
//
// Only the first 256 bytes count (zero-padded when the file is shorter). The interpreter path
// follows "#!" and any blanks, and ends at a blank, NUL or newline; everything after the blanks
// that follow it, up to the newline, is one optional argument (inner blanks kept, trailing ones
// trimmed when there is a newline). Without a newline in the 256 bytes, the path must still end
// inside them, and the argument is cut at the buffer's end.
#pragma once

#include "error.h"

#include <cstddef>
#include <span>
#include <string_view>

namespace ulexec {

constexpr size_t kShebangBytes = 256;  // BINPRM_BUF_SIZE
constexpr int kMaxScriptDepth = 5;     // nested interpreters that work; one more is ELOOP (spec F8)

struct Shebang {
  char buffer[kShebangBytes + 1];  // the line, NUL-terminated pieces point into it
  const char* interpreter = nullptr;
  const char* argument = nullptr;  // nullptr when there is none; may be ""
};

// `head` starts with "#!". Fills `out`, or fails with ENOEXEC when no interpreter is named.
[[nodiscard]] bool ParseShebang(std::span<const std::byte> head, Shebang* out, Error& error);

}  // namespace ulexec
