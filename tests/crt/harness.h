// Shared pieces of the crt/ test programs (hosted, glibc): ReadSymbolBytes, the bytes of a symbol
// in an ELF file on disk, from its .symtab; Lines. The programs under test come from
// support/binaries.h and run through support/run.h.
#pragma once

#include "support/binaries.h"
#include "support/run.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace crt_test {

using ulexec::test::Binary;
using ulexec::test::RunChild;
using ulexec::test::RunResult;

struct SymbolBytes {
  uint64_t address = 0;     // st_value (link-time)
  uint64_t size = 0;        // st_size
  std::vector<uint8_t> before;  // up to 16 bytes that precede it in its section
  std::vector<uint8_t> bytes;   // st_size bytes
};
// Finds `name` in the .symtab of the ELF64 file at `path`.
::testing::AssertionResult ReadSymbolBytes(const std::string& path, const std::string& name, SymbolBytes* out);

// `s` split at '\n' (a final newline gives no empty last line).
std::vector<std::string> Lines(const std::string& s);

}  // namespace crt_test
