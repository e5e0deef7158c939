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

bool SearchPath(std::string_view name, const char* path_env, char* out, size_t cap, int* err) {
  std::string_view path = path_env ? path_env : "/bin:/usr/bin";
  *err = ENOENT;
  while (true) {
    const size_t colon = path.find(':');
    std::string_view dir = Slice(path, 0, colon);
    if (dir.empty()) dir = ".";
    if (dir.size() + 1 + name.size() < cap) {
      FormatTo(out, cap, dir, '/', name);
      struct stat st {};
      if (sys::Fstatat(AT_FDCWD, out, &st, 0) && S_ISREG(st.st_mode)) {
        if (sys::Faccessat(AT_FDCWD, out, X_OK, AT_EACCESS)) return true;
        *err = EACCES;
      }
    }
    if (colon == std::string_view::npos) return false;
    path.remove_prefix(colon + 1);
  }
}

}  // namespace crt
