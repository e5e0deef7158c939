// What the kernel handed the program at entry, parsed once by the start-up code.
//
//   initial sp -> argc
//                 argv[0] ... argv[argc-1], NULL
//                 envp[0] ... NULL
//                 auxv: (type, value) pairs ... (AT_NULL, 0)
//                 ... padding, AT_RANDOM bytes, platform string, argument and environment strings
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace crt {

struct AuxEntry {
  unsigned long type;
  unsigned long value;
};

struct Process {
  int argc = 0;
  char** argv = nullptr;
  char** envp = nullptr;
  const AuxEntry* auxv = nullptr;  // ends with AT_NULL
  const long* initial_sp = nullptr;

  // getauxval(): the value of the first entry of that type, or `fallback` when there is none.
  unsigned long Aux(unsigned long type, unsigned long fallback = 0) const;
  bool HasAux(unsigned long type) const;
  // Number of auxv entries, AT_NULL included.
  size_t AuxCount() const;
  size_t EnvCount() const;
  // getenv(): the value of NAME=value in envp, or nullptr.
  const char* Getenv(std::string_view name) const;
};

// Parses the initial stack: pure, so tests can run it on a stack image built in memory.
Process ParseInitialStack(const long* sp);

// The process as the start-up code found it (programs on crt/ only).
const Process& ThisProcess();

}  // namespace crt

// A program on crt/ defines main like a hosted one; crt's _start calls it and exits with its result.
int main(int argc, char** argv, char** envp);
