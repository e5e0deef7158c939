// An in-memory ELF image builder for the loader's unit tests: valid defaults, one override per
// test case, bytes out. No file is written and nothing is executed.
//
//   ElfBuilder b = ElfBuilder::Exec();          // a small static ET_EXEC that execve would run
//   b.load(1).p_flags = PF_R;                   // the override under test
//   CheckedImage c = RunChecks(b.Build());      // execve's checks, as program-file.cc runs them
//   EXPECT_EQ(c.error.code, ENOEXEC);
//
// Defaults (offsets and addresses are those of the layout; see elf-builder.cc for the numbers):
//   Exec():      ET_EXEC at 0x400000: R headers, RX text, R rodata, RW data+bss (bss spans two
//                pages), PT_GNU_STACK RW; e_entry in the text.
//   Pie():       ET_DYN at 0 with PT_PHDR, PT_INTERP "/lib64/ld-linux-x86-64.so.2", R, RX, RW
//                loads and PT_GNU_STACK; e_entry in the text.
//   StaticPie(): Pie() without PT_PHDR and PT_INTERP (also what an ld.so looks like).
//
// e_phnum follows the table as phdrs are appended or removed; set ehdr().e_phnum after the last
// such call to override it. Build() writes, in this order: the PT_INTERP path at its p_offset,
// any Write()s, the program header table at e_phoff, the ELF header. The file is as long as the
// furthest of those and of every PT_LOAD's file range, unless Truncate() fixed its size.
#pragma once

#include "elf-file.h"
#include "error.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <elf.h>

namespace ulexec::test {

constexpr std::string_view kDefaultInterp = "/lib64/ld-linux-x86-64.so.2";

class ElfBuilder {
 public:
  static ElfBuilder Exec();
  static ElfBuilder Pie();
  static ElfBuilder StaticPie();

  Elf64_Ehdr& ehdr() { return ehdr_; }
  const Elf64_Ehdr& ehdr() const { return ehdr_; }
  std::vector<Elf64_Phdr>& phdrs() { return phdrs_; }
  Elf64_Phdr& phdr(size_t index) { return phdrs_.at(index); }
  // The n-th PT_LOAD (0-based) in table order.
  Elf64_Phdr& load(size_t n);
  // The index of the first header of `type`; the test fails (and 0 is returned) if none.
  size_t IndexOf(uint32_t type) const;

  ElfBuilder& Append(const Elf64_Phdr& phdr);
  ElfBuilder& Insert(size_t index, const Elf64_Phdr& phdr);
  ElfBuilder& Remove(size_t index);
  ElfBuilder& RemoveAll(uint32_t type);
  // Appends PT_NULL headers until there are `count` (the table itself grows; nothing moves).
  ElfBuilder& PadPhdrsTo(size_t count);
  // The bytes of the first PT_INTERP; sets its p_filesz (not its p_offset) to their size.
  ElfBuilder& SetInterpBytes(std::string bytes);
  ElfBuilder& SetInterp(std::string_view path) { return SetInterpBytes(std::string(path) + '\0'); }
  ElfBuilder& Write(uint64_t offset, std::string bytes);
  ElfBuilder& Truncate(uint64_t size);

  std::vector<std::byte> Build() const;

 private:
  Elf64_Ehdr ehdr_{};
  std::vector<Elf64_Phdr> phdrs_;
  std::string interp_;
  std::vector<std::pair<uint64_t, std::string>> writes_;
  std::optional<uint64_t> size_;
};

Elf64_Phdr Phdr(uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr, uint64_t filesz, uint64_t memsz,
                uint64_t align = 0x1000);

// The result of running execve's checks over a whole file image, as program-file.cc does:
// CheckElfHeader on the first 2048 bytes, ReadProgramHeaders and CheckSegments on the table,
// CheckInterpPath on the PT_INTERP bytes. Move-only: `elf` points into `phdrs`.
struct CheckedImage {
  bool ok = false;
  Error error;
  std::vector<std::byte> bytes;
  std::vector<Elf64_Phdr> phdrs;
  ElfFile elf;

  CheckedImage() = default;
  CheckedImage(CheckedImage&&) = default;
  CheckedImage& operator=(CheckedImage&&) = default;
  CheckedImage(const CheckedImage&) = delete;
  CheckedImage& operator=(const CheckedImage&) = delete;
};

CheckedImage RunChecks(std::vector<std::byte> bytes, bool is_interpreter = false);

// "ENOEXEC (8): detail" for assertion messages.
std::string Describe(const Error& error);

}  // namespace ulexec::test
