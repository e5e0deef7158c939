#include "elf-builder.h"

#include <crt/errno-names.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

namespace ulexec::test {
namespace {

Elf64_Ehdr DefaultEhdr(uint16_t type, uint64_t entry) {
  Elf64_Ehdr h{};
  memcpy(h.e_ident, ELFMAG, SELFMAG);
  h.e_ident[EI_CLASS] = ELFCLASS64;
  h.e_ident[EI_DATA] = ELFDATA2LSB;
  h.e_ident[EI_VERSION] = EV_CURRENT;
  h.e_ident[EI_OSABI] = ELFOSABI_SYSV;
  h.e_type = type;
  h.e_machine = EM_X86_64;
  h.e_version = EV_CURRENT;
  h.e_entry = entry;
  h.e_phoff = sizeof(Elf64_Ehdr);
  h.e_ehsize = sizeof(Elf64_Ehdr);
  h.e_phentsize = sizeof(Elf64_Phdr);
  h.e_shentsize = sizeof(Elf64_Shdr);
  return h;
}

// Copies the part of `data` that falls inside `out` at `offset`.
void Put(std::vector<std::byte>& out, uint64_t offset, const void* data, size_t size) {
  if (offset >= out.size()) return;
  const size_t n = std::min<uint64_t>(size, out.size() - offset);
  memcpy(out.data() + offset, data, n);
}

// Default file sizes ignore ranges ending beyond this, so that a test that sets a huge p_offset
// does not allocate it; such tests fix the size with Truncate().
constexpr uint64_t kMaxDefaultSize = uint64_t{64} << 20;

void Extend(uint64_t* size, uint64_t offset, uint64_t length) {
  uint64_t end;
  if (__builtin_add_overflow(offset, length, &end) || end > kMaxDefaultSize) return;
  *size = std::max(*size, end);
}

}  // namespace

Elf64_Phdr Phdr(uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr, uint64_t filesz, uint64_t memsz,
                uint64_t align) {
  Elf64_Phdr p{};
  p.p_type = type;
  p.p_flags = flags;
  p.p_offset = offset;
  p.p_vaddr = vaddr;
  p.p_paddr = vaddr;
  p.p_filesz = filesz;
  p.p_memsz = memsz;
  p.p_align = align;
  return p;
}

// A small static executable, laid out as ld lays out one:
//   0x400000 R   headers           file 0x0000-0x0158
//   0x401000 RX  text              file 0x1000-0x2234      e_entry 0x401040
//   0x403000 R   rodata            file 0x3000-0x35d0
//   0x404e10 RW  data 0x100, then bss up to 0x406f10 (the zeroed tail and two anonymous pages)
ElfBuilder ElfBuilder::Exec() {
  ElfBuilder b;
  b.ehdr_ = DefaultEhdr(ET_EXEC, 0x401040);
  b.Append(Phdr(PT_LOAD, PF_R, 0, 0x400000, 0x158, 0x158));
  b.Append(Phdr(PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x1234, 0x1234));
  b.Append(Phdr(PT_LOAD, PF_R, 0x3000, 0x403000, 0x5d0, 0x5d0));
  b.Append(Phdr(PT_LOAD, PF_R | PF_W, 0x3e10, 0x404e10, 0x100, 0x2100));
  b.Append(Phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16));
  return b;
}

// A small PIE, laid out as ld lays out one (headers and PT_INTERP inside the first load):
//   0x0000 R   headers, interp path at 0x318     file 0x0000-0x0628
//   0x1000 RX  text                              file 0x1000-0x11a5   e_entry 0x1040
//   0x2000 R   rodata                            file 0x2000-0x211c
//   0x3df0 RW  data 0x220, bss 8 bytes           file 0x2df0-0x3010
ElfBuilder ElfBuilder::Pie() {
  ElfBuilder b;
  b.ehdr_ = DefaultEhdr(ET_DYN, 0x1040);
  b.Append(Phdr(PT_PHDR, PF_R, sizeof(Elf64_Ehdr), sizeof(Elf64_Ehdr), 7 * sizeof(Elf64_Phdr),
                7 * sizeof(Elf64_Phdr), 8));
  b.Append(Phdr(PT_INTERP, PF_R, 0x318, 0x318, kDefaultInterp.size() + 1, kDefaultInterp.size() + 1, 1));
  b.Append(Phdr(PT_LOAD, PF_R, 0, 0, 0x628, 0x628));
  b.Append(Phdr(PT_LOAD, PF_R | PF_X, 0x1000, 0x1000, 0x1a5, 0x1a5));
  b.Append(Phdr(PT_LOAD, PF_R, 0x2000, 0x2000, 0x11c, 0x11c));
  b.Append(Phdr(PT_LOAD, PF_R | PF_W, 0x2df0, 0x3df0, 0x220, 0x228));
  b.Append(Phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16));
  b.interp_ = std::string(kDefaultInterp) + '\0';
  return b;
}

ElfBuilder ElfBuilder::StaticPie() {
  ElfBuilder b = Pie();
  b.RemoveAll(PT_PHDR).RemoveAll(PT_INTERP);
  b.interp_.clear();
  return b;
}

Elf64_Phdr& ElfBuilder::load(size_t n) {
  for (Elf64_Phdr& p : phdrs_) {
    if (p.p_type == PT_LOAD && n-- == 0) return p;
  }
  ADD_FAILURE() << "the image has no PT_LOAD #" << n;
  return phdrs_.at(0);
}

size_t ElfBuilder::IndexOf(uint32_t type) const {
  for (size_t i = 0; i < phdrs_.size(); ++i) {
    if (phdrs_[i].p_type == type) return i;
  }
  ADD_FAILURE() << "the image has no program header of type " << type;
  return 0;
}

ElfBuilder& ElfBuilder::Append(const Elf64_Phdr& phdr) { return Insert(phdrs_.size(), phdr); }

ElfBuilder& ElfBuilder::Insert(size_t index, const Elf64_Phdr& phdr) {
  phdrs_.insert(phdrs_.begin() + static_cast<ptrdiff_t>(index), phdr);
  ehdr_.e_phnum = static_cast<uint16_t>(phdrs_.size());
  return *this;
}

ElfBuilder& ElfBuilder::Remove(size_t index) {
  phdrs_.erase(phdrs_.begin() + static_cast<ptrdiff_t>(index));
  ehdr_.e_phnum = static_cast<uint16_t>(phdrs_.size());
  return *this;
}

ElfBuilder& ElfBuilder::RemoveAll(uint32_t type) {
  std::erase_if(phdrs_, [type](const Elf64_Phdr& p) { return p.p_type == type; });
  ehdr_.e_phnum = static_cast<uint16_t>(phdrs_.size());
  return *this;
}

ElfBuilder& ElfBuilder::PadPhdrsTo(size_t count) {
  while (phdrs_.size() < count) Append(Phdr(PT_NULL, 0, 0, 0, 0, 0, 0));
  return *this;
}

ElfBuilder& ElfBuilder::SetInterpBytes(std::string bytes) {
  phdr(IndexOf(PT_INTERP)).p_filesz = bytes.size();
  interp_ = std::move(bytes);
  return *this;
}

ElfBuilder& ElfBuilder::Write(uint64_t offset, std::string bytes) {
  writes_.emplace_back(offset, std::move(bytes));
  return *this;
}

ElfBuilder& ElfBuilder::Truncate(uint64_t size) {
  size_ = size;
  return *this;
}

std::vector<std::byte> ElfBuilder::Build() const {
  const Elf64_Phdr* interp = nullptr;
  for (const Elf64_Phdr& p : phdrs_) {
    if (p.p_type == PT_INTERP) {
      interp = &p;
      break;
    }
  }
  uint64_t size = sizeof(Elf64_Ehdr);
  if (size_) {
    size = *size_;
  } else {
    Extend(&size, ehdr_.e_phoff, phdrs_.size() * sizeof(Elf64_Phdr));
    if (interp) Extend(&size, interp->p_offset, interp_.size());
    for (const auto& [offset, bytes] : writes_) Extend(&size, offset, bytes.size());
    for (const Elf64_Phdr& p : phdrs_) {
      if (p.p_type == PT_LOAD) Extend(&size, p.p_offset, p.p_filesz);
    }
  }
  std::vector<std::byte> out(size);
  if (interp) Put(out, interp->p_offset, interp_.data(), interp_.size());
  for (const auto& [offset, bytes] : writes_) Put(out, offset, bytes.data(), bytes.size());
  Put(out, ehdr_.e_phoff, phdrs_.data(), phdrs_.size() * sizeof(Elf64_Phdr));
  Put(out, 0, &ehdr_, sizeof ehdr_);
  return out;
}

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
