// Opening a program or interpreter and reading its headers, with execve's errors (spec D1, D3,
// D4): the only stage that reads the file. It reads the first bytes and, if the program header
// table lies beyond them, the table; it never reads the segments (they are mapped).
#pragma once

#include "elf-file.h"
#include "error.h"
#include "role-errors.h"

#include <cstddef>
#include <cstdint>

namespace ulexec {

struct ProgramFile {
  static constexpr size_t kHeadBytes = 2048;

  // First, so that the fields every exec writes start a page of their own and share it with
  // what follows (static-buffers.h): only read into when the program header table is not in
  // `head`.
  Elf64_Phdr table[kMaxPhdrBytes / sizeof(Elf64_Phdr)];
  int fd = -1;
  uint64_t size = 0;
  size_t head_len = 0;
  alignas(8) std::byte head[kHeadBytes];
  ElfFile elf;

  // Forgets a previous file (without clearing the large buffers, which are overwritten on use).
  void Reset() {
    fd = -1;
    size = 0;
    head_len = 0;
    elf = {};
  }
};

// Opens `path` for execution: it must exist, be executable by us (root needs an x bit), not be
// on a noexec mount, and be a regular file. Never blocks on a FIFO.
[[nodiscard]] bool OpenForExec(int dirfd, const char* path, int* fd, Error& error);

// Checks that `fd` may be executed (regular file, an x bit for us) and reads its size and first
// bytes into `file`.
[[nodiscard]] bool ReadHead(int fd, ProgramFile* file, Error& error);

// True when the head starts with "#!".
bool IsScript(const ProgramFile& file);

// Reads and checks the headers as execve does before its point of no return (ELF header, program
// header table, PT_INTERP), in the role's errnos: an interpreter's bad magic or machine is
// ELIBBAD and a short one EIO (spec D4).
[[nodiscard]] bool LoadHeaders(ProgramFile* file, Role role, Error& error);

// Refuses what the kernel would die of after its point of no return (spec H3): bad segments, no
// PT_LOAD, the entry outside the code. After LoadHeaders of the program and its interpreter.
[[nodiscard]] bool CheckImage(const ProgramFile& file, Role role, Error& error);

// Reads the PT_INTERP path into `path` (kMaxInterpSize bytes).
[[nodiscard]] bool ReadInterpPath(const ProgramFile& file, char* path, Error& error);

}  // namespace ulexec
