// execvp's PATH search, shared by the programs that take a command name (ulexec, the demos).
#pragma once

#include <cstddef>
#include <string_view>

namespace crt {

// The first entry of `path_env` (nullptr: "/bin:/usr/bin"; an empty entry: ".") holding an
// executable regular file NAME, written to `out` as a C string. On failure `*err` is EACCES when
// such a file was found without execute permission (a shell's 126), ENOENT otherwise (127).
bool SearchPath(std::string_view name, const char* path_env, char* out, size_t cap, int* err);

}  // namespace crt
