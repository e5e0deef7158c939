// Stage 1 (pure): the ELF header and program headers of a file, checked as execve checks them
// (spec D3, D4), plus the checks for what the kernel would accept and then die of (spec H3), so
// that ulexec refuses those before anything changes.
//
//   CheckElfHeader(first bytes, file size)        -> Elf64_Ehdr, or ENOEXEC
//   ReadProgramHeaders(ehdr, phdrs, file size)    -> ElfFile, or the errno of spec D4
//   CheckSegments(ElfFile, file size)             -> the errno of spec H3
// (role-errors.h gives an interpreter's errnos.)
//
// Every message names the header and field at fault.
#pragma once

#include "error.h"

#include <cstddef>
#include <cstdint>
#include <span>

#include <elf.h>

namespace ulexec {

// The kernel reads at most 64 KiB of program headers (binfmt_elf load_elf_phdrs).
constexpr size_t kMaxPhdrBytes = 65536;
// PT_INTERP sizes the kernel accepts: a NUL-terminated path of 2 to PATH_MAX bytes.
constexpr uint64_t kMinInterpSize = 2;
constexpr uint64_t kMaxInterpSize = 4096;

struct ElfFile {
  Elf64_Ehdr ehdr{};
  std::span<const Elf64_Phdr> phdrs;
  const Elf64_Phdr* interp = nullptr;  // the first PT_INTERP; later ones are ignored (spec D4)
  bool exec_stack = false;             // the last PT_GNU_STACK has PF_X (spec C8)
  uint64_t max_align = 4096;           // largest power-of-two PT_LOAD p_align, at least a page
  uint64_t span_start = 0;             // PageStart of the lowest PT_LOAD vaddr
  uint64_t span_end = 0;               // PageAlign of the highest PT_LOAD vaddr + memsz
  uint64_t first_load_vaddr = 0;       // p_vaddr of the first PT_LOAD in header order

  bool is_dyn() const { return ehdr.e_type == ET_DYN; }
};

// Checks magic, e_type, e_machine, e_phentsize, e_phnum and that the program header table lies
// inside the file. `head` holds the first bytes of the file (at least 64 if it is that long).
[[nodiscard]] bool CheckElfHeader(std::span<const std::byte> head, uint64_t file_size, Elf64_Ehdr* ehdr,
                                  Error& error);

// The program header table as execve reads it before its point of no return (spec D4): the
// first PT_INTERP (size, offset), PT_GNU_STACK, and what the loader needs to know (span,
// alignment). An interpreter's own PT_INTERP and PT_GNU_STACK are ignored (spec C6). Errors here
// are the ones execve returns.
[[nodiscard]] bool ReadProgramHeaders(const Elf64_Ehdr& ehdr, std::span<const Elf64_Phdr> phdrs,
                                      uint64_t file_size, bool is_interpreter, ElfFile* out, Error& error);

// What the kernel accepts and then dies of after its point of no return (spec H3): a bad PT_LOAD,
// no PT_LOAD, an entry point outside an executable, file-backed page of the image control goes
// to (an interpreter, or a program without one). ulexec refuses these, after the checks the
// kernel makes first (the interpreter's), so that the errors come in the kernel's order.
[[nodiscard]] bool CheckSegments(const ElfFile& file, uint64_t file_size, bool is_interpreter, Error& error);

// The PT_INTERP bytes must be a NUL-terminated path (spec D4).
[[nodiscard]] bool CheckInterpPath(std::span<const std::byte> bytes, Error& error);

// A printable name for e_machine values people meet ("AArch64"), or nullptr.
const char* MachineName(uint16_t machine);

}  // namespace ulexec
