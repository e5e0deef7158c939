// Word expansion (POSIX XCU 2.6, the part minish speaks): tilde, parameters ($NAME ${NAME} $?
// $$ $# $0-$9), field splitting of unquoted expansions on blanks and newlines, quote removal.
// Pure: the variables come from a Variables the caller provides. No pathname expansion.
#pragma once

#include "arena.h"
#include "syntax.h"

#include <cstddef>
#include <string_view>

namespace minish {

class Variables {
 public:
  // The value of NAME, or of a special parameter ("?", "$", "#", "0".."9"); nullptr when unset.
  virtual const char* Get(std::string_view name) const = 0;

 protected:
  ~Variables() = default;
};

// A command with its words expanded: NAME=value assignments that precede the command name,
// then argv (NULL-terminated), then each redirection's target as one string.
struct ExpandedCommand {
  const Command* command;
  char** assignments;  // "NAME=value", assignment_count of them
  size_t assignment_count;
  char** argv;  // argc entries, then nullptr
  size_t argc;
  const char** targets;  // one per command->redirects[i]
};

// Expands one word into fields: `split` false gives exactly one field (for assignments and
// redirection targets). The fields are appended to `out` (capacity `cap`); returns how many, or
// -1 when the arena is full.
long ExpandWord(std::string_view raw, bool split, const Variables& vars, Arena& arena, char** out, size_t cap);

// Expands a whole command. False when the arena is full.
bool ExpandCommand(const Command& command, const Variables& vars, Arena& arena, ExpandedCommand* out);

// Whether a raw word is an assignment (NAME=..., the name unquoted).
bool IsAssignment(std::string_view raw);

}  // namespace minish
