// execve's checks over a built image, as program-file.cc runs them (elf-builder.h).
#include "elf-builder.h"

#include <crt/errno-names.h>

#include <algorithm>
#include <cstring>

namespace ulexec::test {

CheckedImage RunChecks(std::vector<std::byte> bytes, bool is_interpreter) {
  CheckedImage c;
  c.bytes = std::move(bytes);
  const std::span<const std::byte> file(c.bytes);
  Elf64_Ehdr ehdr;
  if (!CheckElfHeader(file.first(std::min<size_t>(file.size(), 2048)), file.size(), &ehdr, c.error)) return c;
  // CheckElfHeader has made sure the table lies inside the file.
  c.phdrs.resize(ehdr.e_phnum);
  memcpy(c.phdrs.data(), file.data() + ehdr.e_phoff, c.phdrs.size() * sizeof(Elf64_Phdr));
  // The loader's own path: ReadProgramHeaders (before the interpreter is opened), CheckSegments.
  ElfFile elf;
  if (!ReadProgramHeaders(ehdr, c.phdrs, file.size(), is_interpreter, &elf, c.error) ||
      !CheckSegments(elf, file.size(), is_interpreter, c.error)) {
    return c;
  }
  c.elf = elf;
  if (c.elf.interp != nullptr) {
    if (!CheckInterpPath(file.subspan(c.elf.interp->p_offset, c.elf.interp->p_filesz), c.error)) return c;
  }
  c.ok = true;
  return c;
}

std::string Describe(const Error& error) {
  if (error.code == 0) return "no error";
  return std::string(crt::ErrnoName(error.code)) + ": " + std::string(error.detail());
}

}  // namespace ulexec::test
