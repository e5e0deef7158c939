// The state every section shares: the parsed initial stack, /proc/self/maps with a label for
// each mapping, the image's bounds. Plus the output and /proc helpers.
#include "probe.h"

#include <crt/errno-names.h>
#include <crt/names.h>
#include <crt/string.h>
#include <crt/sys.h>

#include <fcntl.h>

// The main executable's ELF header and end of bss, from the linker. Hidden, so they are reached
// PC-relatively and name this executable even when the code is linked into a dynamic program.
extern "C" const char __ehdr_start[] __attribute__((visibility("hidden")));
extern "C" const char _end[] __attribute__((visibility("hidden")));

namespace probe {
namespace {

// /proc/self/maps is read once; a process with more than 64 KiB of maps is not what we probe.
char g_maps_text[64 * 1024];

// Splits off the next space-separated field of a maps line.
std::string_view NextField(std::string_view& line) {
  while (!line.empty() && line[0] == ' ') line.remove_prefix(1);
  size_t n = 0;
  while (n < line.size() && line[n] != ' ') ++n;
  std::string_view field(line.data(), n);
  line.remove_prefix(n);
  return field;
}

// "start-end perms offset dev inode   path"
bool ParseMapsLine(std::string_view line, Mapping* m) {
  std::string_view range = NextField(line);
  std::string_view perms = NextField(line);
  std::string_view offset = NextField(line);
  NextField(line);  // dev
  NextField(line);  // inode
  while (!line.empty() && line[0] == ' ') line.remove_prefix(1);
  size_t dash = 0;
  while (dash < range.size() && range[dash] != '-') ++dash;
  if (dash == range.size() || perms.size() != 4) return false;
  if (!crt::ParseHex(std::string_view(range.data(), dash), &m->start)) return false;
  if (!crt::ParseHex(std::string_view(range.data() + dash + 1, range.size() - dash - 1), &m->end)) return false;
  if (!crt::ParseHex(offset, &m->offset)) return false;
  memcpy(m->perms, perms.data(), 4);
  m->perms[4] = '\0';
  m->path = line;
  return true;
}

void LabelMappings(Context& ctx) {
  for (size_t i = 0; i < ctx.map_count; ++i) {
    if (ctx.maps[i].start <= ctx.image_base && ctx.image_base < ctx.maps[i].end) ctx.image_path = ctx.maps[i].path;
  }
  for (size_t i = 0; i < ctx.map_count; ++i) {
    Mapping& m = ctx.maps[i];
    const Mapping* prev = i > 0 ? &ctx.maps[i - 1] : nullptr;
    if (!m.path.empty() && m.path == ctx.image_path) {
      m.label = "image";
    } else if (StartsWith(m.path, "[")) {
      m.label = m.path;
    } else if (!m.path.empty()) {
      m.label = Basename(m.path);
    } else if (prev && prev->end == m.start && !prev->path.empty() && !StartsWith(prev->path, "[")) {
      m.label = prev->label;  // a file's bss beyond its last page
      m.bss = true;
    } else {
      m.label = "anon";
    }
    m.index = 0;
    m.label_base = m.start;
    for (size_t j = i; j-- > 0;) {
      if (ctx.maps[j].label == m.label) {
        m.index = ctx.maps[j].index + 1;
        m.label_base = ctx.maps[j].label_base;
        break;
      }
    }
    if (m.label == "image") m.label_base = ctx.image_base;
  }
}

}  // namespace

crt::Writer& operator<<(crt::Writer& w, Quoted q) {
  w << '"';
  for (char c : q.s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') w << '\\' << c;
    else if (c == '\n') w << "\\n";
    else if (c == '\t') w << "\\t";
    else if (u < 0x20 || u >= 0x7f) {
      const char hex[] = {'\\', 'x', "0123456789abcdef"[u >> 4], "0123456789abcdef"[u & 15]};
      w << std::string_view(hex, sizeof hex);
    } else {
      w << c;
    }
  }
  return w << '"';
}

crt::Writer& operator<<(crt::Writer& w, Offset o) {
  if (o.v < 0) return w << '-' << crt::Hex{0ULL - static_cast<unsigned long long>(o.v)};
  return w << '+' << crt::Hex{static_cast<unsigned long long>(o.v)};
}

std::string_view SignalName(int sig, char (&buf)[8]) {
  if (const std::string_view name = crt::SignalName(sig); !name.empty()) return name;
  crt::Writer w(buf, sizeof buf);
  w << "SIG" << sig;
  return w.view();
}

crt::Writer& operator<<(crt::Writer& w, Errno e) { return w << "error " << crt::ErrnoName(e.e); }

crt::Writer& operator<<(crt::Writer& w, SignalSet s) {
  if (s.mask == 0) return w << "none";
  bool first = true;
  for (int sig = 1; sig <= 64; ++sig) {
    if (!(s.mask & (uint64_t{1} << (sig - 1)))) continue;
    char buf[8];
    w << (first ? "" : ",") << SignalName(sig, buf);
    first = false;
  }
  return w;
}

long ReadFile(const char* path, char* buf, size_t cap) {
  auto fd = crt::sys::Open(path, O_RDONLY | O_CLOEXEC);
  if (!fd) return -fd.error();
  size_t len = 0;
  while (len < cap) {
    auto n = crt::sys::Read(fd.value(), buf + len, cap - len);
    if (!n) {
      (void)crt::sys::Close(fd.value());
      return -n.error();
    }
    if (n.value() == 0) break;
    len += n.value();
  }
  (void)crt::sys::Close(fd.value());
  return static_cast<long>(len);
}

int ReadStat(unsigned long (&fields)[kStatFields]) {
  char buf[2048];
  const long len = ReadFile("/proc/self/stat", buf, sizeof buf);
  if (len < 0) return static_cast<int>(len);
  // comm (field 2) may hold spaces and parentheses: the fields resume after the last ')'.
  std::string_view text(buf, static_cast<size_t>(len));
  size_t close = text.size();
  while (close > 0 && text[close - 1] != ')') --close;
  text.remove_prefix(close);
  for (auto& f : fields) f = 0;
  int number = 2;
  while (number + 1 < kStatFields) {
    while (!text.empty() && (text[0] == ' ' || text[0] == '\n')) text.remove_prefix(1);
    size_t n = 0;
    while (n < text.size() && text[n] != ' ' && text[n] != '\n') ++n;
    if (n == 0) break;
    ++number;
    (void)crt::ParseUnsigned(std::string_view(text.data(), n), &fields[number]);
    text.remove_prefix(n);
  }
  return number;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && memcmp(s.data(), prefix.data(), prefix.size()) == 0;
}

std::string_view Basename(std::string_view path) {
  size_t slash = path.size();
  while (slash > 0 && path[slash - 1] != '/') --slash;
  return std::string_view(path.data() + slash, path.size() - slash);
}

const Mapping* Context::Find(uintptr_t addr) const {
  for (size_t i = 0; i < map_count; ++i) {
    if (maps[i].start <= addr && addr < maps[i].end) return &maps[i];
  }
  return nullptr;
}

void Context::Describe(crt::Writer& w, uintptr_t addr) const {
  if (addr == 0) {
    w << "0x0";
    return;
  }
  const Mapping* m = Find(addr);
  if (m == nullptr) {
    w << "unmapped";
  } else if (m->label == "anon" || m->label == "[stack]") {
    w << m->label;  // where in these depends on ASLR
  } else {
    w << m->label << Offset{static_cast<long long>(addr - m->label_base)};
  }
}

bool LoadContext(Context& ctx) {
  ctx.image_base = reinterpret_cast<uintptr_t>(__ehdr_start);
  ctx.image_end = reinterpret_cast<uintptr_t>(_end);

  auto exe = crt::sys::Readlinkat(AT_FDCWD, "/proc/self/exe", ctx.exe_buf, sizeof ctx.exe_buf);
  ctx.exe = exe ? std::string_view(ctx.exe_buf, exe.value()) : std::string_view();

  const long len = ReadFile("/proc/self/maps", g_maps_text, sizeof g_maps_text);
  if (len < 0 || static_cast<size_t>(len) == sizeof g_maps_text) return false;
  crt::ForEachLine(std::string_view(g_maps_text, static_cast<size_t>(len)), [&](std::string_view line) {
    Mapping m;
    if (ParseMapsLine(line, &m)) ctx.maps[ctx.map_count++] = m;
    return ctx.map_count < kMaxMappings;
  });
  LabelMappings(ctx);
  ctx.stack = ctx.Find(reinterpret_cast<uintptr_t>(ctx.sp));
  ctx.maps_ok = true;
  return true;
}

}  // namespace probe
