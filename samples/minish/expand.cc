// Expands raw words as the lexer left them (so their quotes are balanced and every ${...} is a
// valid name). Fields are built at the top of the arena, NUL-terminated, one after the other.
#include "expand.h"

#include "lexer.h"

namespace minish {
namespace {

bool IsFieldSeparator(char c) { return c == ' ' || c == '\t' || c == '\n'; }

class FieldBuilder {
 public:
  FieldBuilder(Arena& arena, char** out, size_t cap) : arena_(arena), out_(out), cap_(cap) {}

  void Char(char c) {
    if (!open_) Open();
    arena_.Push(c);
  }
  // An expansion: split on blanks and newlines when `split`.
  void Value(const char* value, bool split) {
    if (!value) return;
    for (; *value; ++value) {
      if (split && IsFieldSeparator(*value)) Close();
      else Char(*value);
    }
  }
  // Quotes make a field even when nothing is inside them.
  void Quoted() {
    if (!open_) Open();
  }
  void Close() {
    if (!open_) return;
    arena_.Push('\0');
    open_ = false;
  }
  size_t count() const { return count_; }

 private:
  void Open() {
    if (out_ && count_ < cap_) out_[count_] = arena_.Top();
    ++count_;
    open_ = true;
  }

  Arena& arena_;
  char** out_;
  size_t cap_;
  size_t count_ = 0;
  bool open_ = false;
};

// The parameter at raw[*i] (just after a '$'): its name, and *i moved past it. An empty name
// means a lone '$'.
std::string_view ParameterName(std::string_view raw, size_t* i) {
  const size_t at = *i;
  if (at < raw.size() && raw[at] == '{') {
    const size_t close = raw.find('}', at);
    *i = close + 1;
    return raw.substr(at + 1, close - at - 1);
  }
  if (at < raw.size() && (raw[at] == '?' || raw[at] == '$' || raw[at] == '#' || (raw[at] >= '0' && raw[at] <= '9'))) {
    *i = at + 1;
    return raw.substr(at, 1);
  }
  const size_t n = NameLength(raw.substr(at));
  *i = at + n;
  return raw.substr(at, n);
}

void Dollar(std::string_view raw, size_t* i, bool split, const Variables& vars, FieldBuilder& f) {
  const std::string_view name = ParameterName(raw, i);
  if (name.empty()) f.Char('$');
  else f.Value(vars.Get(name), split);
}

// Inside "...": from just after the opening quote to just after the closing one.
void DoubleQuoted(std::string_view raw, size_t* i, const Variables& vars, FieldBuilder& f) {
  f.Quoted();
  while (*i < raw.size() && raw[*i] != '"') {
    const char c = raw[(*i)++];
    if (c == '\\') {
      const char next = raw[(*i)++];
      if (next == '\n') continue;
      if (next != '$' && next != '`' && next != '"' && next != '\\') f.Char('\\');
      f.Char(next);
    } else if (c == '$') {
      Dollar(raw, i, false, vars, f);
    } else {
      f.Char(c);
    }
  }
  ++*i;
}

void Expand(std::string_view raw, bool split, const Variables& vars, FieldBuilder& f) {
  size_t i = 0;
  if (!raw.empty() && raw[0] == '~' && (raw.size() == 1 || raw[1] == '/')) {
    const char* home = vars.Get("HOME");
    if (home) {
      f.Quoted();
      f.Value(home, false);
      i = 1;
    }
  }
  while (i < raw.size()) {
    const char c = raw[i++];
    if (c == '\\') {
      if (i == raw.size()) {
        f.Char('\\');
      } else if (raw[i++] != '\n') {
        f.Char(raw[i - 1]);
      }
    } else if (c == '\'') {
      f.Quoted();
      while (i < raw.size() && raw[i] != '\'') f.Char(raw[i++]);
      ++i;
    } else if (c == '"') {
      DoubleQuoted(raw, &i, vars, f);
    } else if (c == '$') {
      Dollar(raw, &i, split, vars, f);
    } else {
      f.Char(c);
    }
  }
  f.Close();
}

// Expands `words` into `out` (nullptr: only count). Returns the number of fields, or -1.
long ExpandAll(const Word* words, size_t n, bool split, const Variables& vars, Arena& arena, char** out, size_t cap) {
  size_t total = 0;
  for (size_t w = 0; w < n; ++w) {
    const long got = ExpandWord(words[w].raw, split, vars, arena, out ? out + total : nullptr, out ? cap - total : 0);
    if (got < 0) return -1;
    total += static_cast<size_t>(got);
  }
  return static_cast<long>(total);
}

}  // namespace

bool IsAssignment(std::string_view raw) {
  const size_t n = NameLength(raw);
  return n > 0 && n < raw.size() && raw[n] == '=';
}

long ExpandWord(std::string_view raw, bool split, const Variables& vars, Arena& arena, char** out, size_t cap) {
  const size_t mark = arena.Mark();
  FieldBuilder f(arena, out, cap);
  Expand(raw, split, vars, f);
  if (arena.full()) return -1;
  if (!out) arena.Rollback(mark);  // only counting
  if (!split && f.count() == 0 && out && cap > 0) {
    out[0] = const_cast<char*>(arena.Copy(""));  // an empty expansion is still one (empty) string
    return out[0] ? 1 : -1;
  }
  return static_cast<long>(split ? f.count() : 1);
}

bool ExpandCommand(const Command& command, const Variables& vars, Arena& arena, ExpandedCommand* out) {
  *out = ExpandedCommand{&command, nullptr, 0, nullptr, 0, nullptr};
  size_t assignments = 0;
  while (assignments < command.word_count && IsAssignment(command.words[assignments].raw)) ++assignments;
  const Word* words = command.words + assignments;
  const size_t word_count = command.word_count - assignments;
  const long argc = ExpandAll(words, word_count, true, vars, arena, nullptr, 0);
  out->assignments = arena.New<char*>(assignments + 1);
  out->targets = arena.New<const char*>(command.redirect_count + 1);
  if (argc < 0 || !out->assignments || !out->targets) return false;
  out->argv = arena.New<char*>(static_cast<size_t>(argc) + 1);
  if (!out->argv) return false;
  // The same words again, now stored: the same count (the variables did not change).
  if (ExpandAll(words, word_count, true, vars, arena, out->argv, static_cast<size_t>(argc)) != argc) return false;
  out->argc = static_cast<size_t>(argc);
  out->assignment_count = assignments;
  if (ExpandAll(command.words, assignments, false, vars, arena, out->assignments, assignments) < 0) return false;
  for (size_t r = 0; r < command.redirect_count; ++r) {
    char* target = nullptr;
    if (ExpandWord(command.redirects[r].target.raw, false, vars, arena, &target, 1) < 0) return false;
    out->targets[r] = target;
  }
  return true;
}

}  // namespace minish
