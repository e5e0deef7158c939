// Shell variables in fixed memory (no malloc): a table of "NAME=value" strings.
#include "vars.h"

#include "lexer.h"

#include <crt/format.h>
#include <crt/sys.h>

namespace minish {

void VariableStore::Init(char** envp, const char* argv0, char** args, size_t arg_count) {
  for (char** e = envp; e && *e; ++e) {
    const std::string_view s(*e);
    const size_t eq = s.find('=');
    if (eq != std::string_view::npos && IsName(s.substr(0, eq))) Set(s.substr(0, eq), s.substr(eq + 1), true);
  }
  SetPositional(argv0, args, arg_count);
  crt::FormatTo(pid_text_, sizeof pid_text_, crt::sys::Getpid().value());
}

void VariableStore::SetPositional(const char* argv0, char** args, size_t arg_count) {
  for (const char*& p : positional_) p = nullptr;
  positional_[0] = argv0;
  for (size_t i = 0; i < arg_count && i < 9; ++i) positional_[i + 1] = args[i];
  crt::FormatTo(count_text_, sizeof count_text_, arg_count);
}

const char* VariableStore::Get(std::string_view name) const {
  if (name.size() == 1) {
    const char c = name[0];
    if (c == '?') return status_text_;
    if (c == '$') return pid_text_;
    if (c == '#') return count_text_;
    if (c >= '0' && c <= '9') return positional_[c - '0'];
  }
  const size_t i = IndexOf(name);
  return i < count_ ? entries_[i].text + entries_[i].name_len + 1 : nullptr;
}

void VariableStore::set_status(int status) {
  status_ = status;
  crt::FormatTo(status_text_, sizeof status_text_, status);
}

size_t VariableStore::IndexOf(std::string_view name) const {
  for (size_t i = 0; i < count_; ++i) {
    if (std::string_view(entries_[i].text, entries_[i].name_len) == name) return i;
  }
  return count_;
}

VariableStore::Entry* VariableStore::Find(std::string_view name) {
  const size_t i = IndexOf(name);
  return i < count_ ? &entries_[i] : nullptr;
}

const char* VariableStore::Store(std::string_view name, std::string_view value) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    const size_t mark = arena_.Mark();
    arena_.Begin();
    arena_.Push(name);
    arena_.Push('=');
    arena_.Push(value);
    arena_.Push('\0');
    std::string_view out;
    if (arena_.End(&out)) return out.data();
    arena_.Rollback(mark);
    Compact();
  }
  return nullptr;
}

// Copies the live strings into the other block, which becomes the current one.
void VariableStore::Compact() {
  current_ = 1 - current_;
  arena_ = Arena(blocks_[current_], kBlockSize);
  for (size_t i = 0; i < count_; ++i) entries_[i].text = arena_.Copy(entries_[i].text);
}

bool VariableStore::Set(std::string_view name, std::string_view value, bool exported) {
  Entry* e = Find(name);
  if (!e && count_ == kMaxEntries) return false;
  const char* text = Store(name, value);
  if (!text) return false;
  e = Find(name);  // Store may have compacted: entries stay, their texts moved
  if (!e) {
    e = &entries_[count_++];
    *e = Entry{nullptr, name.size(), false};
  }
  e->text = text;
  e->exported = e->exported || exported;
  return true;
}

bool VariableStore::Assign(const char* assignment, bool exported) {
  const std::string_view s(assignment);
  const size_t eq = s.find('=');
  return Set(s.substr(0, eq), s.substr(eq + 1), exported);
}

void VariableStore::Unset(std::string_view name) {
  Entry* e = Find(name);
  if (e) *e = entries_[--count_];
}

void VariableStore::Export(std::string_view name) {
  Entry* e = Find(name);
  if (e) e->exported = true;
  else (void)Set(name, "", true);
}

char** VariableStore::Environ(Arena& arena, char* const* extra, size_t extra_count) const {
  char** env = arena.New<char*>(count_ + extra_count + 1);
  if (!env) return nullptr;
  size_t n = 0;
  for (size_t i = 0; i < count_; ++i) {
    const std::string_view name(entries_[i].text, entries_[i].name_len + 1);  // with its '='
    bool overridden = false;
    for (size_t j = 0; j < extra_count; ++j) overridden |= std::string_view(extra[j]).starts_with(name);
    if (entries_[i].exported && !overridden) env[n++] = const_cast<char*>(entries_[i].text);
  }
  for (size_t j = 0; j < extra_count; ++j) env[n++] = extra[j];
  env[n] = nullptr;
  return env;
}

}  // namespace minish
