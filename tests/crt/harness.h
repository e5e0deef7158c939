// Shared pieces of the crt/ test programs (hosted, glibc):
//   - the programs under test, passed on the command line as NAME=PATH (see test-main.cc and
//     tests/crt/meson.build), looked up with HaveBinary;
//   - RunProgram: run a program to completion, capturing stdout, stderr and the wait status;
//   - ReadSymbolBytes: the bytes of a symbol in an ELF file on disk, from its .symtab.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace crt_test {

// Records NAME=PATH; false if `arg` has no '='.
bool AddBinary(const std::string& arg);
// The path given for `name`, or a failure naming the missing argument.
::testing::AssertionResult HaveBinary(const std::string& name, std::string* path);

struct RunResult {
  std::string out;
  std::string err;
  int status = -1;  // as wait4 reports it
  bool exited() const;
  int exit_code() const;  // -1 unless it exited
  int term_signal() const;  // 0 unless a signal killed it
};

// Runs argv[0] (a path) with argv and, when `env` is non-null, exactly that environment (else
// this process's). stdin is /dev/null.
RunResult RunProgram(const std::vector<std::string>& argv, const std::vector<std::string>* env = nullptr);

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
