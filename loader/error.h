// An error as execve reports it (an errno) plus the detail that lets a user fix it
// ("PT_LOAD #2: p_filesz 0x2000 is larger than p_memsz 0x1000"). Pure stages fill one in and
// return false; nothing in the loader prints.
#pragma once

#include <crt/format.h>
#include <ulexec/ulexec.h>

#include <string_view>

namespace ulexec {

struct Error : ulexec_error {
  Error() : ulexec_error() {}  // code 0, text all zeros

  std::string_view detail() const { return std::string_view(text); }

  // Records the errno and a message built from `parts` (strings, integers, crt::Hex); returns
  // false so that callers can write `return error.Fail(ENOEXEC, "...")`. Out of line: formatting
  // takes half a KiB of stack, which then is not in every caller's frame (RLIMIT_STACK may be small).
  template <typename... Parts>
  [[gnu::noinline]] bool Fail(int err, const Parts&... parts) {
    code = err;
    crt::FormatTo(text, sizeof text, parts...);
    return false;
  }
};

}  // namespace ulexec
