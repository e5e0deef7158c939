// binfmt_misc entries, parsed and matched as fs/binfmt_misc.c does: see binfmt-misc.h.
#include "binfmt-misc.h"

#include <crt/string.h>

namespace ulexec {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// bin2hex's output back into bytes; the count in `*size`.
bool ParseHexBytes(std::string_view hex, uint8_t* out, uint32_t* size) {
  if (hex.size() % 2 != 0 || hex.size() / 2 > BinfmtEntry::kMaxMagic) return false;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = HexDigit(hex[i]), lo = HexDigit(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i / 2] = static_cast<uint8_t>(hi << 4 | lo);
  }
  *size = static_cast<uint32_t>(hex.size() / 2);
  return true;
}

bool CopyString(std::string_view s, char* out, size_t cap) {
  if (s.empty() || s.size() >= cap) return false;
  for (size_t i = 0; i < s.size(); ++i) out[i] = s[i];
  out[s.size()] = '\0';
  return true;
}

// One "key value" line of an entry into `e`; false when malformed.
bool ParseLine(std::string_view line, BinfmtEntry& e, bool& has_interpreter) {
  auto value_of = [&](std::string_view key, std::string_view* value) {
    if (!line.starts_with(key)) return false;
    *value = crt::Slice(line, key.size());
    return true;
  };
  std::string_view v;
  if (line == "enabled" || line == "disabled") {
    e.enabled = line == "enabled";
  } else if (value_of("interpreter ", &v)) {
    has_interpreter = CopyString(v, e.interpreter, sizeof e.interpreter);
    return has_interpreter;
  } else if (value_of("flags: ", &v) || line == "flags:") {
    for (char f : v) {
      if (f == 'P') e.preserve_argv0 = true;
      else if (f == 'O') e.open_binary = true;
      else if (f == 'C') e.credentials = true;
      else if (f == 'F') e.fix_binary = true;
      else return false;
    }
  } else if (value_of("extension .", &v)) {
    return CopyString(v, e.extension, sizeof e.extension);
  } else if (value_of("offset ", &v)) {
    unsigned long offset;
    if (!crt::ParseUnsigned(v, &offset) || offset >= BinfmtEntry::kMaxMagic) return false;
    e.offset = static_cast<uint32_t>(offset);
  } else if (value_of("magic ", &v)) {
    e.is_magic = true;
    return ParseHexBytes(v, e.magic, &e.size);
  } else if (value_of("mask ", &v)) {
    uint32_t size = 0;
    e.has_mask = true;
    return ParseHexBytes(v, e.mask, &size) && size == e.size;
  } else {
    return false;
  }
  return true;
}

}  // namespace

bool ParseBinfmtEntry(std::string_view text, BinfmtEntry* out) {
  BinfmtEntry e;
  bool ok = true, has_interpreter = false;
  (void)crt::ForEachLine(text, [&](std::string_view line) {
    ok = ok && (line.empty() || ParseLine(line, e, has_interpreter));
    return ok;
  });
  if (!ok || !has_interpreter || (e.is_magic ? e.size == 0 || e.offset + e.size > BinfmtEntry::kMaxMagic
                                             : e.extension[0] == '\0')) {
    return false;
  }
  *out = e;
  return true;
}

bool BinfmtMatches(const BinfmtEntry& entry, std::span<const std::byte> head, std::string_view name) {
  if (!entry.enabled) return false;
  if (!entry.is_magic) {
    const size_t dot = name.rfind('.');  // strrchr over the whole name, as the kernel does
    return dot != std::string_view::npos && crt::Slice(name, dot + 1) == std::string_view(entry.extension);
  }
  for (uint32_t j = 0; j < entry.size; ++j) {
    const size_t at = entry.offset + j;
    const uint8_t byte = at < head.size() ? static_cast<uint8_t>(head[at]) : 0;  // zero-padded
    const uint8_t mask = entry.has_mask ? entry.mask[j] : 0xff;
    if ((byte ^ entry.magic[j]) & mask) return false;
  }
  return true;
}

}  // namespace ulexec
