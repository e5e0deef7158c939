// Errno values by name ("ENOENT") and by message ("No such file or directory"), for reports and
// error messages. Unknown values give "E?" and "Unknown error".
#pragma once

#include <string_view>

namespace crt {

std::string_view ErrnoName(int err);
std::string_view ErrnoMessage(int err);

}  // namespace crt
