// Stage 4b (pure): the new program's initial stack, byte for byte as the kernel lays it out
// (spec A1-A9), built in a buffer that stands for the memory just below the stack top S:
//
//   S-8 .. S        8 zero bytes (end marker)
//                   AT_EXECFN string
//                   envp strings, below them argv strings   (argv[0] string = arg_start)
//                   0..8191 bytes of random padding, rounded down to 16 (pad)
//   p-7 .. p        AT_PLATFORM string "x86_64"
//   p-23 .. p-7     AT_RANDOM: 16 random bytes
//                   0..15 bytes of alignment
//                   auxv pairs, AT_NULL pair
//                   envp pointers, NULL
//                   argv pointers, NULL
//   sp ->           argc                                   (sp % 16 == 0)
#pragma once

#include "error.h"

#include <crt/process.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ulexec {

struct StackRequest {
  uint64_t stack_top = 0;                  // S, page-aligned
  std::span<const char* const> argv_head;  // argv is argv_head then argv (after #! rewriting)
  std::span<const char* const> argv;       // an empty argv becomes {""} (spec A9)
  std::span<const char* const> envp;
  std::string_view execfn;
  std::string_view platform;
  const unsigned char* random = nullptr;   // 16 bytes
  uint64_t pad = 0;                        // 0..8191; 0 without randomization (spec A4)
  std::span<const crt::AuxEntry> auxv;     // ComposeAuxv's result, AT_NULL included
};

struct StackLayout {
  uint64_t sp = 0;
  uint64_t arg_start = 0, arg_end = 0, env_start = 0, env_end = 0;
  uint64_t execfn = 0, random = 0, platform = 0;
  uint64_t pad = 0;  // [pad, arg_start): the pad (zero), above AT_PLATFORM's string
  uint64_t auxv = 0, auxv_bytes = 0;
};

// Bytes between sp and S for this request.
uint64_t StackSize(const StackRequest& request);

// The addresses BuildStack writes at, without writing.
StackLayout LayOutStack(const StackRequest& request);

// Whether BuildStack writes the pad's zeros, or leaves them to memory that is already zero (the
// hand-off's fresh payload, whose pad pages are then never touched).
enum class PadBytes { kZero, kLeave };

// Writes the image into `below_top`, which stands for [S - below_top.size(), S) and must be at
// least StackSize() bytes; bytes below sp are zeroed, and the pad's with PadBytes::kZero. Fills
// AT_RANDOM, AT_EXECFN and AT_PLATFORM into the copy of the auxv it writes.
void BuildStack(const StackRequest& request, std::span<std::byte> below_top, StackLayout* out,
                PadBytes pad = PadBytes::kZero);

}  // namespace ulexec
