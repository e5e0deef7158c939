// Names of kernel constants for reports and command lines: signals and auxv entry types.
#pragma once

#include <string_view>

namespace crt {

// "SIGSEGV" for 1..31; empty for any other number (real-time signals have no fixed name).
std::string_view SignalName(int sig);
// The signal named "SIGUSR1", "USR1" or "10" (1..64); 0 when there is none.
int ParseSignal(std::string_view name);

// How a report shows an auxv entry's value: the pointer kinds come last (IsPointer).
enum class AuxKind { kNumber, kHex, kAddress, kString, kRandom };
constexpr bool IsPointer(AuxKind kind) { return kind >= AuxKind::kAddress; }

// An auxv entry type with a name (as <elf.h> and the kernel's auxvec.h headers name them).
struct AuxType {
  unsigned long type;
  std::string_view name;  // "AT_PHDR"
  AuxKind kind;
};
// The entry type's name and kind; nullptr for a type without a name.
const AuxType* FindAuxType(unsigned long type);
// "AT_PHDR"; empty for an unknown type.
std::string_view AuxName(unsigned long type);

}  // namespace crt
