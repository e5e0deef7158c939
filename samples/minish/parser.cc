// The grammar, over the tokens of one command line:
//   line     := [and_or ((';' | '&') and_or)* [';' | '&']] (NEWLINE | END)
//   and_or   := pipeline (('&&' | '||') NEWLINE* pipeline)*
//   pipeline := command ('|' NEWLINE* command)*
//   command  := (WORD | REDIRECT WORD)+
// The tokens are read twice, once to count and once to fill exact arrays: no lists, no malloc.
#include "parser.h"

#include "lexer.h"

namespace minish {
namespace {

bool Continues(TokenKind k) { return k == TokenKind::kPipe || k == TokenKind::kAndIf || k == TokenKind::kOrIf; }
bool EndsAndOr(TokenKind k) {
  return k == TokenKind::kSemi || k == TokenKind::kAmp || k == TokenKind::kNewline || k == TokenKind::kEnd;
}

const char* Unexpected(const Token& t) {
  switch (t.kind) {
    case TokenKind::kPipe: return "unexpected '|'";
    case TokenKind::kOrIf: return "unexpected '||'";
    case TokenKind::kAmp: return "unexpected '&'";
    case TokenKind::kAndIf: return "unexpected '&&'";
    case TokenKind::kSemi: return "unexpected ';'";
    case TokenKind::kNewline: return "unexpected newline";
    default: return "unexpected end of input";
  }
}

class Parser {
 public:
  Parser(const Token* tokens, std::string_view src, Arena& arena)
      : t_(tokens), src_(src), arena_(arena) {}

  bool Line(CommandLine* line, SyntaxError* error) {
    size_t items = 1;  // at most one more than the separators
    for (size_t i = at_; t_[i].kind != TokenKind::kNewline && t_[i].kind != TokenKind::kEnd; ++i) {
      if (t_[i].kind == TokenKind::kSemi || t_[i].kind == TokenKind::kAmp) ++items;
    }
    line->items = arena_.New<AndOr>(items);
    line->count = 0;
    if (items && !line->items) return Fail(error, at_, "out of memory");
    while (!IsEnd()) {
      AndOr& item = line->items[line->count++];
      if (!ParseAndOr(&item, error)) return false;
      if (t_[at_].kind == TokenKind::kAmp || t_[at_].kind == TokenKind::kSemi) {
        item.background = t_[at_].kind == TokenKind::kAmp;
        ++at_;
      }
    }
    return true;
  }

 private:
  bool IsEnd() const { return t_[at_].kind == TokenKind::kNewline || t_[at_].kind == TokenKind::kEnd; }
  bool Fail(SyntaxError* error, size_t token, const char* message) {
    *error = SyntaxError{t_[token].offset, message, t_[token].kind == TokenKind::kEnd};
    return false;
  }
  void SkipNewlines() {
    while (t_[at_].kind == TokenKind::kNewline) ++at_;
  }

  bool ParseAndOr(AndOr* out, SyntaxError* error) {
    size_t count = 1;
    for (size_t i = at_; !EndsAndOr(t_[i].kind); ++i) {
      if (t_[i].kind == TokenKind::kAndIf || t_[i].kind == TokenKind::kOrIf) ++count;
    }
    out->pipelines = arena_.New<Pipeline>(count);
    out->connectors = arena_.New<Connector>(count);
    if (!out->pipelines || !out->connectors) return Fail(error, at_, "out of memory");
    const size_t start = t_[at_].offset;
    for (out->count = 0; out->count < count; ++out->count) {
      if (out->count > 0) {
        out->connectors[out->count - 1] = t_[at_].kind == TokenKind::kAndIf ? Connector::kAnd : Connector::kOr;
        ++at_;
        SkipNewlines();
      }
      if (!ParsePipeline(&out->pipelines[out->count], error)) return false;
      if (out->count + 1 < count && t_[at_].kind != TokenKind::kAndIf && t_[at_].kind != TokenKind::kOrIf) {
        return Fail(error, at_, Unexpected(t_[at_]));
      }
    }
    const Token& last = t_[at_ - 1];
    out->text = src_.substr(start, last.offset + last.text.size() - start);
    return true;
  }

  bool ParsePipeline(Pipeline* out, SyntaxError* error) {
    size_t count = 1;
    for (size_t i = at_; !EndsAndOr(t_[i].kind) && t_[i].kind != TokenKind::kAndIf && t_[i].kind != TokenKind::kOrIf;
         ++i) {
      if (t_[i].kind == TokenKind::kPipe) ++count;
    }
    out->commands = arena_.New<Command>(count);
    if (!out->commands) return Fail(error, at_, "out of memory");
    for (out->count = 0; out->count < count; ++out->count) {
      if (out->count > 0) {
        if (t_[at_].kind != TokenKind::kPipe) return Fail(error, at_, Unexpected(t_[at_]));
        ++at_;
        SkipNewlines();
      }
      if (!ParseCommand(&out->commands[out->count], error)) return false;
    }
    return true;
  }

  bool ParseCommand(Command* out, SyntaxError* error) {
    size_t words = 0, redirects = 0, i = at_;
    for (; t_[i].kind == TokenKind::kWord || t_[i].kind == TokenKind::kRedirect; ++i) {
      if (t_[i].kind == TokenKind::kWord) {
        ++words;
        continue;
      }
      if (t_[i + 1].kind != TokenKind::kWord) return Fail(error, i + 1, Unexpected(t_[i + 1]));
      ++redirects;
      ++i;
    }
    if (i == at_) return Fail(error, at_, Unexpected(t_[at_]));
    out->words = arena_.New<Word>(words);
    out->redirects = arena_.New<Redirect>(redirects);
    if ((words && !out->words) || (redirects && !out->redirects)) return Fail(error, at_, "out of memory");
    for (; at_ < i; ++at_) {
      const Token& t = t_[at_];
      if (t.kind == TokenKind::kWord) {
        out->words[out->word_count++] = Word{t.text, t.offset};
      } else {
        ++at_;
        out->redirects[out->redirect_count++] = Redirect{t.fd, t.redirect, Word{t_[at_].text, t_[at_].offset}};
      }
    }
    return true;
  }

  const Token* t_;
  std::string_view src_;
  Arena& arena_;
  size_t at_ = 0;
};

// Lexes the command line at `pos`: into `out` when not null, else only counting. Newlines after
// | && || belong to the line; the line's own newline (or END) is the last token.
bool Lex(std::string_view src, size_t pos, Token* out, size_t* count, size_t* next, SyntaxError* error) {
  Lexer lexer(src, pos);
  size_t n = 0;
  TokenKind previous = TokenKind::kSemi;
  for (;;) {
    Token t;
    if (!lexer.Next(&t, error)) return false;
    if (t.kind == TokenKind::kNewline && Continues(previous)) continue;
    if (out) out[n] = t;
    ++n;
    previous = t.kind;
    if (t.kind == TokenKind::kNewline || t.kind == TokenKind::kEnd) {
      *next = t.offset + t.text.size();
      break;
    }
  }
  *count = n;
  return true;
}

}  // namespace

ParseResult ParseCommandLine(std::string_view source, size_t pos, Arena& arena) {
  ParseResult r{false, {}, pos, {}};
  size_t count = 0;
  if (!Lex(source, pos, nullptr, &count, &r.next, &r.error)) return r;
  Token* tokens = arena.New<Token>(count);
  if (!tokens) {
    r.error = SyntaxError{pos, "out of memory", false};
    return r;
  }
  (void)Lex(source, pos, tokens, &count, &r.next, &r.error);
  Parser parser(tokens, source, arena);
  r.ok = parser.Line(&r.line, &r.error);
  return r;
}

Position Locate(std::string_view source, size_t offset) {
  Position p{1, 1};
  for (size_t i = 0; i < offset && i < source.size(); ++i) {
    if (source[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

}  // namespace minish
