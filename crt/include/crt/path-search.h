// execvp's PATH search, shared by the programs that take a command name (ulexec, the demos).
#pragma once

#include <cstddef>
#include <string_view>

namespace crt {

constexpr std::string_view kDefaultPath = "/bin:/usr/bin";  // glibc's confstr(_CS_PATH)

// Walks PATH as execvp does: each entry in order, an empty entry meaning the current directory.
class PathCandidates {
 public:
  // `path_env`: PATH's value, or nullptr when it is unset (then kDefaultPath).
  PathCandidates(const char* path_env, std::string_view name);
  // Writes "<entry>/<name>" into `out` (NUL-terminated); false when there is no entry left.
  // An entry too long for `out` is skipped, as execvp skips one longer than PATH_MAX.
  bool Next(char* out, size_t cap);

 private:
  std::string_view rest_, name_;
  bool done_ = false;
};

// The first candidate (PathCandidates) that is an executable regular file, written to `out` as a
// C string. On failure `*err` is EACCES when such a file was found without execute permission (a
// shell's 126), ENOENT otherwise (127).
bool SearchPath(std::string_view name, const char* path_env, char* out, size_t cap, int* err);

}  // namespace crt
