// Reading a whole descriptor into memory of its own, with no C library: the ulexec command's
// program from standard input (`-`) and minish's scripts.
#pragma once

#include <cstddef>
#include <string_view>

namespace crt {

struct ReadAllFailure {
  int error = 0;         // the errno
  bool reading = false;  // a read failed (else: no memory)
};

// Reads `fd` to its end (again after EINTR) into anonymous memory of `initial` bytes, doubled
// (mremap) as it fills. The memory is the caller's: it is never unmapped here, not on failure.
[[nodiscard]] bool ReadAll(int fd, size_t initial, std::string_view* text, ReadAllFailure* failure);

}  // namespace crt
