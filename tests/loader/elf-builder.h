// The loader's unit tests' view of the ELF builder (support/elf-builder.h): the builder, and
// execve's checks run over the bytes it builds.
#pragma once

#include "elf-file.h"
#include "error.h"
#include "support/elf-builder.h"

#include <cstddef>
#include <string>
#include <vector>

#include <elf.h>

namespace ulexec::test {

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
