// The syntax tree of one command line (everything up to an unquoted newline), as the parser
// builds it in an arena. Words keep their raw text, quotes included: the expander reads them.
#pragma once

#include <cstddef>
#include <string_view>

namespace minish {

struct Word {
  std::string_view raw;  // quotes and $ still in, e.g. "a b"$X'c'
  size_t offset;         // in the source, for messages
};

enum class RedirectKind { kIn, kOut, kAppend, kDupIn, kDupOut };  // < > >> <& >&

struct Redirect {
  int fd;  // the descriptor redirected: 0 for < and <&, 1 for > >> >&, or the number written
  RedirectKind kind;
  Word target;  // a file, or for <& >& a descriptor number or -
};

struct Command {
  Word* words;
  size_t word_count;
  Redirect* redirects;
  size_t redirect_count;
};

struct Pipeline {
  Command* commands;
  size_t count;
};

enum class Connector { kAnd, kOr };  // && ||

// Pipelines joined by && and ||, run in the background when followed by &.
struct AndOr {
  Pipeline* pipelines;
  Connector* connectors;  // count - 1 of them: connectors[i] is between pipelines i and i + 1
  size_t count;
  bool background;
  std::string_view text;  // the source text, for job listings
};

struct CommandLine {
  AndOr* items;
  size_t count;
};

struct SyntaxError {
  size_t offset = 0;     // where, in the source
  const char* message = "";
  bool incomplete = false;  // the input ended inside a quote or after | && ||: more may come
};

// Line (from 1) and column (from 1) of a source offset.
struct Position {
  size_t line;
  size_t column;
};
Position Locate(std::string_view source, size_t offset);

}  // namespace minish
