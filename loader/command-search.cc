// execvp's rules after a failed candidate, and its /bin/sh fallback (command-search.h).
#include "command-search.h"

#include <errno.h>

namespace ulexec {

SearchStep AfterFailure(int err) {
  switch (err) {
    case EACCES:
      return SearchStep::kNextRememberAccess;
    case ENOENT:
    case ESTALE:
    case ENOTDIR:
    case ENODEV:
    case ETIMEDOUT:
      return SearchStep::kNext;
    default:
      return SearchStep::kStop;
  }
}

bool RunsWithShell(std::span<const std::byte> head) {
  auto starts = [&](std::string_view prefix) {
    if (head.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
      if (static_cast<char>(head[i]) != prefix[i]) return false;
    }
    return true;
  };
  return !starts("\x7f" "ELF") && !starts("#!");
}

}  // namespace ulexec
