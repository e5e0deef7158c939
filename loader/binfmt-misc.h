// Resolve's pure part: binfmt_misc entries as /proc/sys/fs/binfmt_misc/NAME shows them, and the match
// fs/binfmt_misc.c makes (check_file): an enabled entry whose magic, under its mask, equals the
// file's first bytes at its offset, or whose extension is what follows the last '.' of the name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ulexec {

struct BinfmtEntry {
  const char* name = nullptr;  // its file's name in binfmt_misc: set by the caller, not parsed
  // offset + size is at most BINPRM_BUF_SIZE (256 since Linux 4.20; create_entry checks it).
  static constexpr size_t kMaxMagic = 256;
  // A registration is at most MAX_REGISTER_LENGTH (1920) bytes: the interpreter path is shorter.
  static constexpr size_t kMaxInterpreter = 1920;
  bool enabled = false;
  char interpreter[kMaxInterpreter] = {};
  bool preserve_argv0 = false;  // P
  bool open_binary = false;     // O: the interpreter gets the file open as AT_EXECFD
  bool credentials = false;     // C: credentials from the file, not the interpreter (implies O)
  bool fix_binary = false;      // F: the interpreter was opened at registration
  bool is_magic = false;
  uint32_t offset = 0, size = 0;
  uint8_t magic[kMaxMagic] = {}, mask[kMaxMagic] = {};
  bool has_mask = false;
  char extension[kMaxMagic] = {};  // without the dot
};

// Parses one entry file's text; false when it is not in the kernel's format.
[[nodiscard]] bool ParseBinfmtEntry(std::string_view text, BinfmtEntry* out);

// Whether the entry takes the file: `head` is the file's first bytes (the kernel looks at 256,
// zero-padded), `name` the file name as exec'd (the kernel's bprm->interp).
bool BinfmtMatches(const BinfmtEntry& entry, std::span<const std::byte> head, std::string_view name);

}  // namespace ulexec
