// ReadSymbolBytes and Lines for the crt/ tests (harness.h).
#include "harness.h"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>

namespace crt_test {

::testing::AssertionResult ReadSymbolBytes(const std::string& path, const std::string& name, SymbolBytes* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ::testing::AssertionFailure() << "cannot open " << path;
  const std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto fits = [&](uint64_t off, uint64_t len) { return off <= file.size() && len <= file.size() - off; };
  if (!fits(0, sizeof(Elf64_Ehdr)) || std::memcmp(file.data(), ELFMAG, SELFMAG) != 0 ||
      file[EI_CLASS] != ELFCLASS64) {
    return ::testing::AssertionFailure() << path << " is not an ELF64 file";
  }
  Elf64_Ehdr eh;
  std::memcpy(&eh, file.data(), sizeof eh);
  if (eh.e_shentsize != sizeof(Elf64_Shdr) || !fits(eh.e_shoff, uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr))) {
    return ::testing::AssertionFailure() << path << ": bad section header table";
  }
  std::vector<Elf64_Shdr> sections(eh.e_shnum);
  std::memcpy(sections.data(), file.data() + eh.e_shoff, sections.size() * sizeof(Elf64_Shdr));
  for (const Elf64_Shdr& symtab : sections) {
    if (symtab.sh_type != SHT_SYMTAB || symtab.sh_link >= sections.size()) continue;
    const Elf64_Shdr& strtab = sections[symtab.sh_link];
    if (!fits(symtab.sh_offset, symtab.sh_size) || !fits(strtab.sh_offset, strtab.sh_size)) break;
    for (uint64_t off = 0; off + sizeof(Elf64_Sym) <= symtab.sh_size; off += sizeof(Elf64_Sym)) {
      Elf64_Sym sym;
      std::memcpy(&sym, file.data() + symtab.sh_offset + off, sizeof sym);
      if (sym.st_name >= strtab.sh_size) continue;
      const char* sym_name = reinterpret_cast<const char*>(file.data() + strtab.sh_offset + sym.st_name);
      if (name != std::string(sym_name, strnlen(sym_name, strtab.sh_size - sym.st_name))) continue;
      if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= sections.size()) {
        return ::testing::AssertionFailure() << name << " in " << path << " is not defined in a section";
      }
      const Elf64_Shdr& sec = sections[sym.st_shndx];
      if (sym.st_value < sec.sh_addr || sym.st_value - sec.sh_addr + sym.st_size > sec.sh_size ||
          !fits(sec.sh_offset + (sym.st_value - sec.sh_addr), sym.st_size)) {
        return ::testing::AssertionFailure() << name << " in " << path << " lies outside its section";
      }
      const uint64_t in_section = sym.st_value - sec.sh_addr;
      const uint64_t start = sec.sh_offset + in_section;
      const uint64_t before = in_section < 16 ? in_section : 16;
      out->address = sym.st_value;
      out->size = sym.st_size;
      out->before.assign(file.begin() + static_cast<long>(start - before), file.begin() + static_cast<long>(start));
      out->bytes.assign(file.begin() + static_cast<long>(start), file.begin() + static_cast<long>(start + sym.st_size));
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "no symbol " << name << " in the .symtab of " << path;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) nl = s.size();
    lines.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

}  // namespace crt_test
