// Section `smaps`: what /proc/self/smaps says of each mapping that is not anonymous: its VmFlags
// and, for a file's mappings that are not writable, how much of it is anonymous (copied on write)
// and whether its bytes still equal the file's. A loader that wrote into a program's text (ulexec
// plants a stub before the program's signal restorer, docs/execve.md#B6) must leave 0 kB and the
// file's bytes, as execve does.
#include "probe.h"

#include <crt/string.h>
#include <crt/sys.h>

#include <fcntl.h>
#include <sys/stat.h>

namespace probe {
namespace {

char g_smaps_text[256 * 1024];
char g_path[4096];
unsigned char g_file_page[4096];

// The hex number a line starts with (a mapping's start); 0 without one.
uint64_t ParseHexPrefix(std::string_view s) {
  uint64_t v = 0;
  return crt::ConsumeHex(s, &v) ? v : 0;
}

// Compares the mapping's bytes with the file's at its offset (up to the file's end: a page past
// it cannot be read). "same", "differ at +0x..", or why it could not be checked.
void CompareWithFile(const Mapping& m, crt::Writer& w) {
  if (m.path.size() >= sizeof g_path) {
    w << "unchecked";
    return;
  }
  memcpy(g_path, m.path.data(), m.path.size());
  g_path[m.path.size()] = '\0';
  auto fd = crt::sys::Open(g_path, O_RDONLY | O_CLOEXEC);
  struct stat st = {};
  if (!fd || !crt::sys::Fstat(fd.value(), &st)) {
    w << "unreadable";
    if (fd) (void)crt::sys::Close(fd.value());
    return;
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t end = m.end - m.start;
  if (m.offset >= size) end = 0;
  else if (size - m.offset < end) end = size - m.offset;
  for (uint64_t at = 0; at < end; at += sizeof g_file_page) {
    const size_t n = end - at < sizeof g_file_page ? end - at : sizeof g_file_page;
    auto r = crt::sys::Pread(fd.value(), g_file_page, n, static_cast<off_t>(m.offset + at));
    if (!r || r.value() != n || memcmp(g_file_page, reinterpret_cast<const void*>(m.start + at), n) != 0) {
      w << "differ in the page at +" << crt::Hex{at};
      (void)crt::sys::Close(fd.value());
      return;
    }
  }
  (void)crt::sys::Close(fd.value());
  w << "same";
}

void ReportBlock(const Mapping& m, std::string_view anonymous, std::string_view flags, crt::Writer& w) {
  w << "smaps." << m.label << '.' << m.index << ": flags=" << flags;
  const bool file = !m.path.empty() && m.path[0] == '/';
  if (file && m.perms[1] != 'w') {
    w << " anonymous=" << anonymous << " bytes=";
    if (m.perms[0] == 'r') CompareWithFile(m, w);
    else w << "unreadable";
  }
  w << '\n';
}

}  // namespace

void ReportSmaps(const Context& ctx, crt::Writer& w) {
  const long len = ReadFile("/proc/self/smaps", g_smaps_text, sizeof g_smaps_text);
  if (len < 0 || static_cast<size_t>(len) == sizeof g_smaps_text) {
    w << "smaps: unreadable\n";
    return;
  }
  const Mapping* current = nullptr;
  std::string_view anonymous = "?";
  crt::ForEachLine(std::string_view(g_smaps_text, static_cast<size_t>(len)), [&](std::string_view line) {
    if (!line.empty() && line.find(':') > line.find(' ')) {  // a maps line: a new block
      current = ctx.Find(ParseHexPrefix(line));
      if (current && current->label == "anon") current = nullptr;
      anonymous = "?";
    } else if (StartsWith(line, "Anonymous:")) {
      anonymous = line;
      anonymous.remove_prefix(10);
      while (!anonymous.empty() && anonymous[0] == ' ') anonymous.remove_prefix(1);
    } else if (StartsWith(line, "VmFlags:") && current) {
      std::string_view flags = line;
      flags.remove_prefix(8);
      while (!flags.empty() && flags[0] == ' ') flags.remove_prefix(1);
      while (!flags.empty() && flags.back() == ' ') flags.remove_suffix(1);
      ReportBlock(*current, anonymous, flags, w);
      current = nullptr;
    }
    return true;
  });
}

}  // namespace probe
