// Stage (pure): the same fault in a file gives a different errno by the file's role (spec D4,
// H3): an interpreter shorter than an ELF header is EIO, one that is not an ELF for this machine
// ELIBBAD, one of the wrong e_type EPERM, one without PT_LOAD EINVAL; a program gets ENOEXEC.
// The checks as the loader runs them, with those errnos.
#pragma once

#include "elf-file.h"
#include "error.h"

#include <cstdint>
#include <span>

namespace ulexec {

enum class Role { kProgram, kInterpreter };

// CheckElfHeader over the file's first bytes, in the role's errnos.
[[nodiscard]] bool CheckHeaderInRole(std::span<const std::byte> head, uint64_t file_size, Role role, Elf64_Ehdr* ehdr,
                                     Error& error);

// CheckSegments (after ReadProgramHeaders), in the role's errnos.
[[nodiscard]] bool CheckSegmentsInRole(const ElfFile& file, uint64_t file_size, Role role, Error& error);

}  // namespace ulexec
