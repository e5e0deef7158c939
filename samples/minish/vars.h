// The shell's variables: the environment it was given plus what scripts set, each marked
// exported or not, and the special parameters $? $$ $# $0-$9. Kept in two fixed blocks that
// are compacted into each other when one fills up.
#pragma once

#include "arena.h"
#include "expand.h"

#include <cstddef>
#include <string_view>

namespace minish {

class VariableStore final : public Variables {
 public:
  // envp: the inherited environment (all exported). argv0 and args: $0 and $1...
  void Init(char** envp, const char* argv0, char** args, size_t arg_count);
  const char* Get(std::string_view name) const override;
  // $0, and $1... from args ($# is arg_count).
  void SetPositional(const char* argv0, char** args, size_t arg_count);

  // NAME=value; exported stays as it was for a known name unless `exported` is true.
  bool Set(std::string_view name, std::string_view value, bool exported = false);
  // "NAME=value" as an assignment word expands to.
  bool Assign(const char* assignment, bool exported = false);
  void Unset(std::string_view name);
  // Marks NAME exported (creating it empty when `create`).
  void Export(std::string_view name);
  // The exported variables as envp, in the arena, with `extra` ("NAME=value") overriding them.
  char** Environ(Arena& arena, char* const* extra, size_t extra_count) const;

  void set_status(int status);
  int status() const { return status_; }

 private:
  struct Entry {
    const char* text;  // "NAME=value"
    size_t name_len;
    bool exported;
  };
  static constexpr size_t kMaxEntries = 1024;
  static constexpr size_t kBlockSize = 256 * 1024;

  size_t IndexOf(std::string_view name) const;  // count_ when there is none
  Entry* Find(std::string_view name);
  const char* Store(std::string_view name, std::string_view value);
  void Compact();

  Entry entries_[kMaxEntries];
  size_t count_ = 0;
  char blocks_[2][kBlockSize];
  int current_ = 0;
  Arena arena_{blocks_[0], kBlockSize};
  int status_ = 0;
  char status_text_[12] = "0";
  char pid_text_[12] = "";
  char count_text_[12] = "0";
  const char* positional_[10] = {};
};

}  // namespace minish
