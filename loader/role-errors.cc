// The loader's header and segment checks in the errnos of the file's role (role-errors.h).
#include "role-errors.h"

#include <crt/string.h>

#include <errno.h>

namespace ulexec {
namespace {

bool IsScript(std::span<const std::byte> head) {
  return head.size() >= 2 && head[0] == std::byte{'#'} && head[1] == std::byte{'!'};
}

}  // namespace

bool CheckHeaderInRole(std::span<const std::byte> head, uint64_t file_size, Role role, Elf64_Ehdr* ehdr, Error& error) {
  if (role == Role::kInterpreter && file_size < sizeof(Elf64_Ehdr)) {
    // The kernel reads the interpreter's header with a plain read: short is EIO (spec D4).
    return error.Fail(EIO, "the interpreter is shorter than an ELF header (", file_size, " bytes)");
  }
  if (CheckElfHeader(head, file_size, ehdr, error)) return true;
  if (role == Role::kProgram) return false;
  // What is not an ELF for this machine is ELIBBAD (spec D4); a #! script as PT_INTERP too, and
  // saying so is clearer than "no ELF magic".
  if (IsScript(head)) (void)error.Fail(ELIBBAD, "a #! script cannot be an ELF interpreter");
  error.code = ELIBBAD;
  if (head.size() >= sizeof(Elf64_Ehdr)) {
    Elf64_Ehdr h;
    memcpy(&h, head.data(), sizeof h);
    // A wrong e_type is found only after the point of no return (spec D5); EPERM is the errno the
    // kernel has then (spec H3).
    if (memcmp(h.e_ident, ELFMAG, SELFMAG) == 0 && h.e_type != ET_EXEC && h.e_type != ET_DYN) error.code = EPERM;
  }
  return false;
}

bool CheckSegmentsInRole(const ElfFile& file, uint64_t file_size, Role role, Error& error) {
  if (CheckSegments(file, file_size, role == Role::kInterpreter, error)) return true;
  bool any_load = false;
  for (const Elf64_Phdr& ph : file.phdrs) any_load |= ph.p_type == PT_LOAD && ph.p_memsz != 0;
  // An interpreter without PT_LOAD: the kernel has EINVAL when it dies of it (spec H3).
  if (role == Role::kInterpreter && !any_load) error.code = EINVAL;
  return false;
}

}  // namespace ulexec
