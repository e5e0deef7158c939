// Splits shell source into tokens: words (raw, quotes kept), operators and redirections, as
// POSIX's token recognition does, with errors for unterminated quotes and bad ${...}.
#pragma once

#include "syntax.h"

#include <cstddef>
#include <string_view>

namespace minish {

enum class TokenKind { kWord, kPipe, kOrIf, kAmp, kAndIf, kSemi, kNewline, kRedirect, kEnd };

struct Token {
  TokenKind kind;
  std::string_view text;  // the word, or the operator as written
  size_t offset;
  int fd;                 // kRedirect: the descriptor it redirects
  RedirectKind redirect;  // kRedirect
};

// A name as in NAME=value and $NAME: a letter or _, then letters, digits and _.
bool IsName(std::string_view s);
// The length of the name at the start of s (0 if none).
size_t NameLength(std::string_view s);

class Lexer {
 public:
  Lexer(std::string_view source, size_t pos) : src_(source), pos_(pos) {}
  // The next token; false with `error` set on a lexical error.
  bool Next(Token* token, SyntaxError* error);

 private:
  bool Word(Token* token, SyntaxError* error);
  bool Dollar(size_t* at, SyntaxError* error) const;
  bool Operator(Token* token);

  std::string_view src_;
  size_t pos_;
};

}  // namespace minish
