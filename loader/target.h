// Resolve: the program as execve finds it (spec D1, F) — the file, its #! chain and interpreter,
// the argv head the #! lines make, AT_EXECFN and comm — as a `Target` value.
#pragma once

#include "credentials.h"
#include "error.h"
#include "program-file.h"
#include "script.h"

#include <ulexec/ulexec.h>

#include <cstddef>
#include <span>
#include <string_view>

namespace ulexec {

struct Rollback;

// Where the program comes from: a path, a descriptor, or bytes in memory.
struct Source {
  const char* path = nullptr;
  int fd = -1;
  const void* memory = nullptr;
  size_t size = 0;
};

// The front of argv as #! lines and binfmt_misc entries rewrite it (spec F6, D3): each level
// drops argv[0] (binfmt_misc's P flag keeps it) and puts interpreter, optional argument and
// script name in front. The rest is the caller's argv[1..].
class ArgvHead {
 public:
  void Start(std::span<const char* const> argv) {
    size_ = 0;
    rewritten_ = false;
    if (!argv.empty()) items_[size_++] = argv[0];
  }
  // Drops argv[0], then puts `interpreter`, `argument` (if not nullptr) and `script` in front.
  void Rewrite(const char* interpreter, const char* argument, const char* script) {
    rewritten_ = true;
    DropFirst();
    PushFront(script);
    if (argument) PushFront(argument);
    PushFront(interpreter);
  }
  // binfmt_misc (load_misc_binary): interpreter and the file's name in front; argv[0] dropped
  // unless the P flag keeps it (docs/execve.md#D3).
  void RewriteMisc(const char* interpreter, const char* file, bool preserve_argv0) {
    rewritten_ = true;
    if (!preserve_argv0) DropFirst();
    PushFront(file);
    PushFront(interpreter);
  }
  std::span<const char* const> view() const { return {items_, size_}; }
  bool rewritten() const { return rewritten_; }

 private:
  void DropFirst() {
    if (size_ == 0) return;
    for (size_t i = 1; i < size_; ++i) items_[i - 1] = items_[i];
    --size_;
  }
  void PushFront(const char* item) {
    for (size_t i = size_; i > 0; --i) items_[i] = items_[i - 1];
    items_[0] = item;
    ++size_;
  }

  const char* items_[3 * (kMaxScriptDepth + 1) + 1] = {};
  size_t size_ = 0;
  bool rewritten_ = false;
};

struct Target {
  ProgramFile* program = nullptr;      // the ELF file that runs: the program or its last #! interpreter
  ProgramFile* interpreter = nullptr;  // its PT_INTERP, opened and checked; nullptr without one
  const char* interp_path = nullptr;   // PT_INTERP's path, or nullptr
  const char* elf_path = nullptr;      // the ELF file that runs, as named (a #! interpreter's path)
  std::string_view execfn;             // AT_EXECFN: the name as passed, or /dev/fd/N (spec A2)
  std::string_view comm;               // the process name (spec E6), before its cut to 15 bytes
  ArgvHead argv_head;                  // argv[0], or what #! lines made of it
  std::span<const char* const> argv;   // the caller's argv and envp, counted once
  std::span<const char* const> envp;
  ExecFile exec_file;  // the owner, mode and mount of the ELF file that runs (its set-id bits, spec E13),
                       // or of the file a binfmt_misc C entry took (docs/execve.md#D3)
  // binfmt_misc's O flag: the file the entry took, open, for the interpreter as AT_EXECFD; -1: none.
  int execfd_file = -1;
  bool creds_from_execfd = false;  // binfmt_misc's C flag: exec_file is execfd_file's
  // The files lie on a file system whose large mappings the kernel aligns to 2 MiB (placement.h).
  bool program_on_thp_fs = false;
  bool interpreter_on_thp_fs = false;

  // The caller's argv after argv[0]: what follows the head.
  std::span<const char* const> argv_tail() const { return argv.empty() ? argv : argv.subspan(1); }
};

// Opens the program and follows #! lines and binfmt_misc entries to the ELF that runs and its
// interpreter, with execve's errors in execve's order (spec D1-D5, F, H3). The descriptors it
// opens go to `rollback`. Reads only the files' headers; the files' contents live in Buffers()
// (static-buffers.h).
// `rlimit_stack`: RLIMIT_STACK as Observe read it (ProcessState::rlimit_stack), for E2BIG.
[[nodiscard]] bool Resolve(const Source& source, std::span<const char* const> argv, std::span<const char* const> envp,
                           const Options& options, uint64_t rlimit_stack, Rollback& rollback, Target* target,
                           Error& error);

}  // namespace ulexec
