// Zydis (decoder and formatter, the library's two-step API) over bytes read from the ELF file, and
// a symbol lookup over .symtab, or .dynsym when the file is stripped.
#include "code-view.h"

#include <Zydis/Zydis.h>
#include <cxxabi.h>
#include <elf.h>
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

namespace explain {
namespace {

template <typename T>
bool ReadAt(const std::vector<std::byte>& bytes, uint64_t offset, T* out) {
  if (offset > bytes.size() || sizeof(T) > bytes.size() - offset) return false;
  memcpy(out, bytes.data() + offset, sizeof(T));
  return true;
}

// "crt::Start(long*)" for "_ZN3crt5StartEPl"; other names as they are.
std::string Demangled(const std::string& name) {
  int status = 0;
  char* out = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  std::string result = status == 0 && out ? out : name;
  free(out);
  return result;
}

}  // namespace

std::optional<ElfCode> ElfCode::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  ElfCode code;
  std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  code.bytes_.resize(raw.size());
  memcpy(code.bytes_.data(), raw.data(), raw.size());
  Elf64_Ehdr eh;
  if (!ReadAt(code.bytes_, 0, &eh)) return std::nullopt;
  std::vector<Elf64_Shdr> sections(eh.e_shentsize == sizeof(Elf64_Shdr) ? eh.e_shnum : 0);
  for (size_t i = 0; i < sections.size(); ++i) {
    if (!ReadAt(code.bytes_, eh.e_shoff + i * sizeof(Elf64_Shdr), &sections[i])) return code;
  }
  for (const Elf64_Word wanted : {SHT_SYMTAB, SHT_DYNSYM}) {
    for (const Elf64_Shdr& sh : sections) {
      if (sh.sh_type != wanted || sh.sh_link >= sections.size()) continue;
      const Elf64_Shdr& strtab = sections[sh.sh_link];
      for (uint64_t off = 0; off + sizeof(Elf64_Sym) <= sh.sh_size; off += sizeof(Elf64_Sym)) {
        Elf64_Sym sym;
        if (!ReadAt(code.bytes_, sh.sh_offset + off, &sym) || sym.st_name >= strtab.sh_size) break;
        const int type = ELF64_ST_TYPE(sym.st_info);
        if (sym.st_shndx == SHN_UNDEF || (type != STT_FUNC && type != STT_NOTYPE && type != STT_OBJECT)) continue;
        const uint64_t name_at = strtab.sh_offset + sym.st_name;
        if (name_at >= code.bytes_.size()) continue;
        const char* name = reinterpret_cast<const char*>(code.bytes_.data() + name_at);
        const std::string s(name, strnlen(name, code.bytes_.size() - name_at));
        if (!s.empty() && s[0] != '.' && s[0] != '$')
          code.symbols_.push_back({Demangled(s), sym.st_value, sym.st_size});
      }
    }
    if (!code.symbols_.empty()) break;
  }
  return code;
}

std::span<const std::byte> ElfCode::BytesAt(uint64_t vaddr) const {
  Elf64_Ehdr eh;
  if (!ReadAt(bytes_, 0, &eh)) return {};
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    if (!ReadAt(bytes_, eh.e_phoff + i * sizeof ph, &ph) || ph.p_type != PT_LOAD) continue;
    if (vaddr < ph.p_vaddr || vaddr - ph.p_vaddr >= ph.p_filesz) continue;
    const uint64_t offset = ph.p_offset + (vaddr - ph.p_vaddr);
    if (offset >= bytes_.size()) return {};
    const uint64_t end = std::min<uint64_t>(ph.p_offset + ph.p_filesz, bytes_.size());
    return std::span(bytes_).subspan(offset, end - offset);
  }
  return {};
}

std::optional<uint64_t> ElfCode::SymbolAddress(std::string_view name) const {
  for (const Symbol& s : symbols_) {
    if (s.name == name) return s.value;
  }
  return std::nullopt;
}

std::string ElfCode::SymbolFor(uint64_t vaddr) const {
  // The nearest symbol at or below vaddr (the larger one on a tie), if it covers vaddr or has
  // no size (assembly labels).
  const Symbol* best = nullptr;
  for (const Symbol& s : symbols_) {
    if (s.value <= vaddr && (!best || s.value > best->value || (s.value == best->value && s.size > best->size))) {
      best = &s;
    }
  }
  if (!best || (best->size && vaddr - best->value >= best->size)) return {};
  return vaddr == best->value ? best->name : fmt::format("{}+{:#x}", best->name, vaddr - best->value);
}

std::vector<Instruction> Decode(std::span<const std::byte> code, uint64_t run_address, size_t count, Syntax syntax,
                                const std::function<std::string(uint64_t)>& name) {
  ZydisDecoder decoder;
  ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
  ZydisFormatter formatter;
  ZydisFormatterInit(&formatter, syntax == Syntax::kAtt ? ZYDIS_FORMATTER_STYLE_ATT : ZYDIS_FORMATTER_STYLE_INTEL);
  // As objdump and the rest of the explanation write numbers: 0xf, not 0x0F.
  ZydisFormatterSetProperty(&formatter, ZYDIS_FORMATTER_PROP_HEX_UPPERCASE, ZYAN_FALSE);
  ZydisFormatterSetProperty(&formatter, ZYDIS_FORMATTER_PROP_IMM_PADDING, ZYDIS_PADDING_DISABLED);
  ZydisFormatterSetProperty(&formatter, ZYDIS_FORMATTER_PROP_ADDR_PADDING_ABSOLUTE, ZYDIS_PADDING_DISABLED);
  ZydisFormatterSetProperty(&formatter, ZYDIS_FORMATTER_PROP_DISP_PADDING, ZYDIS_PADDING_DISABLED);
  std::vector<Instruction> out;
  size_t offset = 0;
  ZydisDecodedInstruction insn;
  ZydisDecodedOperand operands[ZYDIS_MAX_OPERAND_COUNT];
  while (out.size() < count &&
         ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, code.data() + offset, code.size() - offset, &insn, operands))) {
    const uint64_t at = run_address + offset;
    char text[256];
    ZydisFormatterFormatInstruction(&formatter, &insn, operands, insn.operand_count_visible, text, sizeof text, at,
                                    nullptr);
    std::string bytes;
    for (size_t i = 0; i < insn.length; ++i)
      bytes += fmt::format("{:02x}", std::to_integer<unsigned>(code[offset + i]));
    std::string line = text;
    // A branch or rip-relative target, named.
    for (size_t i = 0; i < insn.operand_count_visible; ++i) {
      ZyanU64 target;
      if (ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&insn, &operands[i], at, &target))) {
        const std::string s = name(target);
        if (!s.empty()) line += fmt::format("  <{}>", s);
        break;
      }
    }
    out.push_back({at, bytes, line, name(at)});
    offset += insn.length;
  }
  return out;
}

}  // namespace explain
