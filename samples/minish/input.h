// Reading input: a whole file or stream into memory (scripts, stdin that is not a terminal),
// or one line at a time from a terminal.
#pragma once

#include <cstddef>
#include <string_view>

namespace minish {

// Reads all of fd into anonymous memory that grows as needed (never freed: a script's text
// lives as long as the shell). False on a read error or when memory runs out.
bool ReadAll(int fd, std::string_view* text);

// Reads from fd up to and including a newline, appending to buf[*len, cap). Returns the bytes
// read (0 at end of input), or -errno (-EINTR when a signal such as Ctrl+C interrupted it).
long ReadLine(int fd, char* buf, size_t cap, size_t* len);

}  // namespace minish
