// Token recognition (POSIX XCU 2.3) for the subset minish speaks: words with '...', "..." and
// backslash, $NAME ${NAME} $? $$ $# $0-$9, comments, | || & && ; newline < > >> <& >& N< N>.
#include "lexer.h"

namespace minish {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameStart(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsMeta(char c) {
  return IsBlank(c) || c == '\n' || c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' ||
         c == ')';
}
bool IsSpecialParameter(char c) { return c == '?' || c == '$' || c == '#' || IsDigit(c); }

}  // namespace

size_t NameLength(std::string_view s) {
  if (s.empty() || !IsNameStart(s[0])) return 0;
  size_t n = 1;
  while (n < s.size() && (IsNameStart(s[n]) || IsDigit(s[n]))) ++n;
  return n;
}

bool IsName(std::string_view s) { return !s.empty() && NameLength(s) == s.size(); }

bool Lexer::Next(Token* token, SyntaxError* error) {
  while (pos_ < src_.size()) {
    const char c = src_[pos_];
    if (IsBlank(c)) {
      ++pos_;
    } else if (c == '\\' && pos_ + 1 < src_.size() && src_[pos_ + 1] == '\n') {
      pos_ += 2;  // a line continuation
    } else if (c == '#') {
      while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
    } else {
      break;
    }
  }
  *token = Token{TokenKind::kEnd, {}, pos_, -1, RedirectKind::kIn};
  if (pos_ == src_.size()) return true;
  const char c = src_[pos_];
  if (c == '(' || c == ')') {
    *error = SyntaxError{pos_, c == '(' ? "'(' (subshells are not supported)" : "unexpected ')'", false};
    return false;
  }
  if (IsMeta(c)) return Operator(token);
  // Digits right before < or > are the descriptor the redirection is for (2>, 10<&).
  size_t end = pos_;
  while (end < src_.size() && IsDigit(src_[end])) ++end;
  if (end > pos_ && end < src_.size() && (src_[end] == '<' || src_[end] == '>')) {
    int fd = 0;
    for (size_t i = pos_; i < end && fd < 100000; ++i) fd = fd * 10 + (src_[i] - '0');
    const size_t start = pos_;
    pos_ = end;
    Operator(token);
    token->fd = fd;
    token->offset = start;
    return true;
  }
  return Word(token, error);
}

bool Lexer::Operator(Token* token) {
  const size_t start = pos_;
  const char c = src_[pos_++];
  const char next = pos_ < src_.size() ? src_[pos_] : '\0';
  auto two = [&](TokenKind kind) {
    ++pos_;
    token->kind = kind;
  };
  auto redirect = [&](RedirectKind kind, int fd, bool doubled) {
    if (doubled) ++pos_;
    token->kind = TokenKind::kRedirect;
    token->redirect = kind;
    token->fd = fd;
  };
  switch (c) {
    case '\n': token->kind = TokenKind::kNewline; break;
    case ';': token->kind = TokenKind::kSemi; break;
    case '|': next == '|' ? two(TokenKind::kOrIf) : void(token->kind = TokenKind::kPipe); break;
    case '&': next == '&' ? two(TokenKind::kAndIf) : void(token->kind = TokenKind::kAmp); break;
    case '<': redirect(next == '&' ? RedirectKind::kDupIn : RedirectKind::kIn, 0, next == '&'); break;
    default:  // '>'
      redirect(next == '>'   ? RedirectKind::kAppend
               : next == '&' ? RedirectKind::kDupOut
                             : RedirectKind::kOut,
               1, next == '>' || next == '&');
  }
  token->offset = start;
  token->text = src_.substr(start, pos_ - start);
  return true;
}

// At a '$': checks ${...} and moves *at past the expansion (or past a lone '$').
bool Lexer::Dollar(size_t* at, SyntaxError* error) const {
  const size_t start = *at;
  size_t i = start + 1;
  if (i < src_.size() && src_[i] == '{') {
    const size_t close = src_.find('}', i);
    if (close == std::string_view::npos) {
      *error = SyntaxError{start, "missing '}'", true};
      return false;
    }
    const std::string_view name = src_.substr(i + 1, close - i - 1);
    if (!IsName(name) && !(name.size() == 1 && IsSpecialParameter(name[0]))) {
      *error = SyntaxError{start, "bad substitution", false};
      return false;
    }
    *at = close + 1;
    return true;
  }
  if (i < src_.size() && IsSpecialParameter(src_[i])) {
    *at = i + 1;
  } else {
    *at = i + NameLength(src_.substr(i));
  }
  return true;
}

bool Lexer::Word(Token* token, SyntaxError* error) {
  const size_t start = pos_;
  size_t i = pos_;
  while (i < src_.size() && !IsMeta(src_[i])) {
    const char c = src_[i];
    if (c == '\\') {
      i += i + 1 < src_.size() ? 2 : 1;
    } else if (c == '\'') {
      const size_t close = src_.find('\'', i + 1);
      if (close == std::string_view::npos) {
        *error = SyntaxError{i, "unterminated single quote", true};
        return false;
      }
      i = close + 1;
    } else if (c == '"') {
      size_t j = i + 1;
      while (j < src_.size() && src_[j] != '"') {
        if (src_[j] == '\\') {
          j += 2;
        } else if (src_[j] == '$') {
          if (!Dollar(&j, error)) return false;
        } else {
          ++j;
        }
      }
      if (j >= src_.size()) {
        *error = SyntaxError{i, "unterminated double quote", true};
        return false;
      }
      i = j + 1;
    } else if (c == '$') {
      if (!Dollar(&i, error)) return false;
    } else {
      ++i;
    }
  }
  if (i > src_.size()) i = src_.size();
  pos_ = i;
  *token = Token{TokenKind::kWord, src_.substr(start, i - start), start, -1, RedirectKind::kIn};
  return true;
}

}  // namespace minish
