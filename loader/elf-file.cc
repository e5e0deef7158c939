// Stage 1 (pure): the ELF header and program headers, checked as execve checks them (elf-file.h).
#include "elf-file.h"

#include "page.h"

#include <crt/string.h>
#include <ulexec/arch/constants.h>

#include <errno.h>

namespace ulexec {
namespace {

const char* TypeName(uint16_t type) {
  switch (type) {
    case ET_NONE: return "ET_NONE";
    case ET_REL: return "ET_REL";
    case ET_EXEC: return "ET_EXEC";
    case ET_DYN: return "ET_DYN";
    case ET_CORE: return "ET_CORE";
    default: return "unknown";
  }
}

// "PT_LOAD #3 (vaddr 0x401000)": which segment a message is about, by its index in the table.
struct SegmentName {
  size_t index;
  const Elf64_Phdr& phdr;
};
crt::Writer& operator<<(crt::Writer& w, const SegmentName& s) {
  return w << "PT_LOAD #" << s.index << " (p_vaddr " << crt::Hex{s.phdr.p_vaddr} << ')';
}

bool CheckLoad(size_t index, const Elf64_Phdr& ph, uint64_t file_size, Error& error) {
  const SegmentName name{index, ph};
  if (ph.p_filesz > ph.p_memsz) {
    return error.Fail(EINVAL, name, ": p_filesz ", crt::Hex{ph.p_filesz}, " is larger than p_memsz ",
                      crt::Hex{ph.p_memsz});
  }
  uint64_t end;
  if (AddOverflows(ph.p_vaddr, ph.p_memsz, &end) || end > arch::kTaskSize) {
    return error.Fail(ENOMEM, name, ": p_vaddr + p_memsz overflows or ends beyond the user address space (",
                      crt::Hex{arch::kTaskSize}, ')');
  }
  if (ph.p_filesz == 0) return true;  // purely anonymous: offset and file size do not matter
  if (PageOffset(ph.p_offset) != PageOffset(ph.p_vaddr)) {
    return error.Fail(EINVAL, name, ": p_offset ", crt::Hex{ph.p_offset},
                      " and p_vaddr are not congruent modulo the page size");
  }
  uint64_t file_end;
  if (AddOverflows(ph.p_offset, ph.p_filesz, &file_end)) {
    return error.Fail(EINVAL, name, ": p_offset + p_filesz overflows");
  }
  // The kernel zeroes the bytes from p_filesz to the end of that page of a writable segment with
  // bss; if that page lies past the end of the file the write faults (SIGBUS, then SIGSEGV).
  const bool writable = (ph.p_flags & PF_W) != 0;
  if (writable && ph.p_memsz > ph.p_filesz && PageOffset(file_end) != 0 &&
      PageStart(file_end) >= PageAlign(file_size)) {
    return error.Fail(EFAULT, name, ": its bss starts in a page past the end of the file (p_offset + p_filesz ",
                      crt::Hex{file_end}, ", file size ", crt::Hex{file_size}, ')');
  }
  return true;
}

// The entry must be in an executable, file-backed page of the final layout: the last PT_LOAD
// covering its page decides (later segments are mapped over earlier ones), and that page must
// exist in the file (else SIGBUS at the first instruction).
bool CheckEntry(const Elf64_Ehdr& ehdr, std::span<const Elf64_Phdr> phdrs, uint64_t file_size, Error& error) {
  const uint64_t entry = ehdr.e_entry;
  if (entry >= arch::kTaskSize) {
    return error.Fail(EINVAL, "e_entry ", crt::Hex{entry}, " is in the kernel's half of the address space");
  }
  const Elf64_Phdr* covering = nullptr;
  size_t covering_index = 0;
  for (size_t i = 0; i < phdrs.size(); ++i) {
    const Elf64_Phdr& ph = phdrs[i];
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    if (entry >= PageStart(ph.p_vaddr) && entry < PageAlign(ph.p_vaddr + ph.p_memsz)) {
      covering = &ph;
      covering_index = i;
    }
  }
  if (covering == nullptr) {
    return error.Fail(ENOEXEC, "e_entry ", crt::Hex{entry}, " is not inside any PT_LOAD segment");
  }
  const SegmentName name{covering_index, *covering};
  if ((covering->p_flags & PF_X) == 0) {
    return error.Fail(ENOEXEC, "e_entry ", crt::Hex{entry}, " is in ", name, ", which is not executable");
  }
  // With p_filesz 0 nothing of the segment comes from the file (spec C2).
  if (covering->p_filesz == 0 || entry >= PageAlign(covering->p_vaddr + covering->p_filesz)) {
    return error.Fail(ENOEXEC, "e_entry ", crt::Hex{entry}, " is in the zero-filled part of ", name);
  }
  const uint64_t entry_offset = covering->p_offset + (entry - covering->p_vaddr);
  if (PageStart(entry_offset) >= file_size) {
    return error.Fail(ENOEXEC, "e_entry ", crt::Hex{entry}, " is in a page past the end of the file (offset ",
                      crt::Hex{entry_offset}, ", file size ", crt::Hex{file_size}, ')');
  }
  return true;
}

}  // namespace

const char* MachineName(uint16_t machine) {
  switch (machine) {
    case EM_386: return "i386";
    case EM_ARM: return "ARM";
    case EM_X86_64: return "x86-64";
    case EM_AARCH64: return "AArch64";
    case EM_RISCV: return "RISC-V";
    case EM_PPC64: return "PowerPC64";
    case EM_S390: return "S/390";
    case EM_MIPS: return "MIPS";
    default: return nullptr;
  }
}

bool CheckElfHeader(std::span<const std::byte> head, uint64_t file_size, Elf64_Ehdr* ehdr, Error& error) {
  if (file_size == 0) return error.Fail(ENOEXEC, "the file is empty");
  if (head.size() < SELFMAG || memcmp(head.data(), ELFMAG, SELFMAG) != 0) {
    return error.Fail(ENOEXEC, "not an ELF file and no #! line");
  }
  // The kernel reads a zero-padded buffer: a file shorter than the header has zeros beyond.
  Elf64_Ehdr h{};
  memcpy(&h, head.data(), head.size() < sizeof h ? head.size() : sizeof h);
  if (h.e_type != ET_EXEC && h.e_type != ET_DYN) {
    return error.Fail(ENOEXEC, "e_type is ", h.e_type, " (", TypeName(h.e_type), "), not ET_EXEC or ET_DYN");
  }
  if (h.e_machine != arch::kMachine) {
    const char* name = MachineName(h.e_machine);
    return error.Fail(ENOEXEC, "e_machine is ", h.e_machine, " (", name ? name : "unknown", "), not ",
                      arch::kMachineName);
  }
  if (h.e_phentsize != sizeof(Elf64_Phdr)) {
    return error.Fail(ENOEXEC, "e_phentsize is ", h.e_phentsize, ", not ", sizeof(Elf64_Phdr));
  }
  const uint64_t table = uint64_t{h.e_phnum} * sizeof(Elf64_Phdr);
  if (h.e_phnum == 0) return error.Fail(ENOEXEC, "e_phnum is 0: there are no program headers");
  if (table > kMaxPhdrBytes) {
    return error.Fail(ENOEXEC, "e_phnum ", h.e_phnum, " makes the program header table ", table,
                      " bytes, more than the kernel's ", kMaxPhdrBytes);
  }
  uint64_t table_end;
  if (AddOverflows(h.e_phoff, table, &table_end) || table_end > file_size) {
    return error.Fail(ENOEXEC, "the program header table (e_phoff ", crt::Hex{h.e_phoff}, ", ", table,
                      " bytes) extends past the end of the file (", file_size, " bytes)");
  }
  *ehdr = h;
  return true;
}

bool ReadProgramHeaders(const Elf64_Ehdr& ehdr, std::span<const Elf64_Phdr> phdrs, uint64_t file_size,
                        bool is_interpreter, ElfFile* out, Error& error) {
  ElfFile f;
  f.ehdr = ehdr;
  f.phdrs = phdrs;
  f.span_start = ~uint64_t{0};
  bool any_load = false;
  for (const Elf64_Phdr& ph : phdrs) {
    switch (ph.p_type) {
      case PT_INTERP:
        if (f.interp != nullptr || is_interpreter) break;  // only the first counts
        if (ph.p_filesz < kMinInterpSize || ph.p_filesz > kMaxInterpSize) {
          return error.Fail(ENOEXEC, "PT_INTERP: p_filesz ", ph.p_filesz, " is not between ", kMinInterpSize,
                            " and ", kMaxInterpSize);
        }
        // Spec D4/H2: the kernel reads the path at p_offset as a (signed) loff_t; a range reaching
        // past INT64_MAX fails in the read itself with EINVAL (rw_verify_area), not with EIO.
        if (ph.p_offset > uint64_t{INT64_MAX} - ph.p_filesz) {
          return error.Fail(EINVAL, "PT_INTERP: p_offset ", crt::Hex{ph.p_offset}, " is not a valid file offset");
        }
        if (ph.p_offset + ph.p_filesz > file_size) {
          return error.Fail(EIO, "PT_INTERP: the interpreter path (p_offset ", crt::Hex{ph.p_offset},
                            ") lies past the end of the file");
        }
        f.interp = &ph;
        break;
      case PT_LOAD:
        // Only summarised here; CheckSegments refuses what would overflow.
        if (ph.p_memsz == 0) break;  // maps nothing (spec H1)
        if (!any_load) f.first_load_vaddr = ph.p_vaddr;
        any_load = true;
        if (PageStart(ph.p_vaddr) < f.span_start) f.span_start = PageStart(ph.p_vaddr);
        if (PageAlign(ph.p_vaddr + ph.p_memsz) > f.span_end) f.span_end = PageAlign(ph.p_vaddr + ph.p_memsz);
        if (IsPowerOfTwo(ph.p_align) && ph.p_align > f.max_align) f.max_align = ph.p_align;
        break;
      case PT_GNU_STACK:
        if (!is_interpreter) f.exec_stack = (ph.p_flags & PF_X) != 0;
        break;
      default:
        break;
    }
  }
  if (!any_load) f.span_start = 0;
  *out = f;
  return true;
}

bool CheckSegments(const ElfFile& file, uint64_t file_size, bool is_interpreter, Error& error) {
  bool any_load = false;
  for (size_t i = 0; i < file.phdrs.size(); ++i) {
    const Elf64_Phdr& ph = file.phdrs[i];
    if (ph.p_type != PT_LOAD) continue;
    if (!CheckLoad(i, ph, file_size, error)) return false;
    any_load |= ph.p_memsz != 0;
  }
  if (!any_load) return error.Fail(ENOEXEC, "no PT_LOAD segment with a nonzero p_memsz");
  if ((is_interpreter || file.interp == nullptr) && !CheckEntry(file.ehdr, file.phdrs, file_size, error)) {
    return false;
  }
  return true;
}

bool CheckInterpPath(std::span<const std::byte> bytes, Error& error) {
  if (bytes.empty() || bytes.back() != std::byte{0}) {
    return error.Fail(ENOEXEC, "PT_INTERP: the interpreter path is not NUL-terminated");
  }
  return true;
}

}  // namespace ulexec
