// Parses one command line (up to an unquoted newline, or further after a trailing | && ||) into
// a CommandLine in the arena. Pure: bytes in, a tree or a syntax error with its offset out.
#pragma once

#include "arena.h"
#include "syntax.h"

#include <cstddef>
#include <string_view>

namespace minish {

struct ParseResult {
  bool ok;
  CommandLine line;   // when ok (possibly empty: a blank line or a comment)
  size_t next;        // when ok: where the next command line starts
  SyntaxError error;  // when not ok
};

// Parses the command line that starts at `pos` in `source`. An arena too small fails with the
// message "out of memory".
ParseResult ParseCommandLine(std::string_view source, size_t pos, Arena& arena);

}  // namespace minish
