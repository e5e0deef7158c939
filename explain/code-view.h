// The first instructions at an address, decoded with Zydis at the address they will run at and
// named from the ELF symbol table (`_start+0x4`).
#pragma once

#include "view.h"

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace explain {

enum class Syntax { kIntel, kAtt };

// An ELF file read whole: its bytes by link address and its symbols.
class ElfCode {
 public:
  static std::optional<ElfCode> Load(const std::string& path);

  // The file bytes that a PT_LOAD maps at link address `vaddr`, up to the end of its file part.
  std::span<const std::byte> BytesAt(uint64_t vaddr) const;
  std::optional<uint64_t> SymbolAddress(std::string_view name) const;
  // "name+0x4" for the function or object that holds `vaddr`; empty when none does.
  std::string SymbolFor(uint64_t vaddr) const;

 private:
  struct Symbol {
    std::string name;
    uint64_t value, size;
  };
  std::vector<std::byte> bytes_;
  std::vector<Symbol> symbols_;
};

// Decodes up to `count` instructions of `code`, which will run at `run_address`. `name` gives a
// run address's symbol, or empty.
std::vector<Instruction> Decode(std::span<const std::byte> code, uint64_t run_address, size_t count, Syntax syntax,
                                const std::function<std::string(uint64_t)>& name);

}  // namespace explain
