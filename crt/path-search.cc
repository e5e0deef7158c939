// execvp's PATH search (crt/path-search.h).
#include <crt/format.h>
#include <crt/path-search.h>
#include <crt/string.h>
#include <crt/sys.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace crt {

PathCandidates::PathCandidates(const char* path_env, std::string_view name)
    : rest_(path_env ? std::string_view(path_env) : kDefaultPath), name_(name) {}

bool PathCandidates::Next(char* out, size_t cap) {
  while (!done_) {
    const size_t colon = rest_.find(':');
    std::string_view dir = Slice(rest_, 0, colon);
    if (colon == std::string_view::npos)
      done_ = true;
    else
      rest_.remove_prefix(colon + 1);
    if (dir.empty()) dir = ".";
    if (dir.size() + 1 + name_.size() < cap) {
      FormatTo(out, cap, dir, '/', name_);
      return true;
    }
  }
  return false;
}

bool SearchPath(std::string_view name, const char* path_env, char* out, size_t cap, int* err) {
  *err = ENOENT;
  PathCandidates candidates(path_env, name);
  while (candidates.Next(out, cap)) {
    struct stat st {};
    if (sys::Fstatat(AT_FDCWD, out, &st, 0) && S_ISREG(st.st_mode)) {
      if (sys::Faccessat(AT_FDCWD, out, X_OK, AT_EACCESS)) return true;
      *err = EACCES;
    }
  }
  return false;
}

}  // namespace crt
