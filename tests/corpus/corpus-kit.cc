// The corpus's shared pieces (corpus.h): the globals, the valid images, writing files, the limits
// of argv and envp, and the whole case list.
#include "corpus.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace corpus {

std::string g_ulexec;
std::string g_print_argv;
std::string g_root;
std::string g_noexec;
std::string g_noexec_why;
const std::vector<std::string> kEnv = {"LC_ALL=C", "ULEXEC_CORPUS=1"};

ElfBuilder MakeElf(uint16_t type, uint64_t base, int exit_code, bool data, bool bss) {
  ElfBuilder e = ElfBuilder::Empty(type, base + kCodeOff);
  e.SizeToContent();
  std::string body(data ? kDataOff + kDataSize : kTextSize, '\0');
  const uint8_t code[] = {0xbf, static_cast<uint8_t>(exit_code), 0, 0, 0,  // mov edi, exit_code
                          0xb8, 0xe7, 0, 0, 0,                             // mov eax, SYS_exit_group
                          0x0f, 0x05,                                      // syscall
                          0x0f, 0x0b};                                     // ud2
  memcpy(body.data() + kCodeOff, code, sizeof code);
  e.Append(Phdr(PT_LOAD, PF_R | PF_X, 0, base, kTextSize, kTextSize, 0x1000));
  if (data) {
    memset(body.data() + kDataOff, 0x11, kDataSize);
    e.Append(Phdr(PT_LOAD, PF_R | PF_W, kDataOff, base + kDataOff, kDataSize, bss ? kBssSize : kDataSize, 0x1000));
  }
  e.Append(Phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16));
  e.Write(0, std::move(body));
  return e;
}

ElfBuilder Program() { return MakeElf(ET_EXEC, kExecBase, kProgramExit); }
ElfBuilder StaticPie() { return MakeElf(ET_DYN, 0, kProgramExit); }
ElfBuilder Interp() { return MakeElf(ET_DYN, 0, kInterpExit); }

Elf64_Phdr& AddInterp(ElfBuilder& e, const std::string& path, std::optional<uint64_t> size) {
  const uint64_t at = e.AppendBytes(path + '\0');
  const uint64_t n = size ? *size : path.size() + 1;
  e.Insert(0, Phdr(PT_INTERP, PF_R, at, 0, n, n, 1));
  return e.phdr(0);
}

void WriteFile(const std::string& path, const void* data, size_t size, mode_t mode) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("cannot create " + path + ": " + strerror(errno));
  for (size_t done = 0; done < size;) {
    const ssize_t n = write(fd, static_cast<const char*>(data) + done, size - done);
    if (n <= 0) throw std::runtime_error("cannot write " + path);
    done += static_cast<size_t>(n);
  }
  close(fd);
  chmod(path.c_str(), mode);  // not filtered by the umask
}
void WriteFile(const std::string& path, const std::string& s, mode_t mode) {
  WriteFile(path, s.data(), s.size(), mode);
}
void WriteElf(const std::string& path, const ElfBuilder& e, mode_t mode) {
  const auto b = e.Build();
  WriteFile(path, b.data(), b.size(), mode);
}

std::string Expand(std::string s, const std::string& dir) {
  for (size_t at; (at = s.find("@P")) != std::string::npos;) s.replace(at, 2, g_print_argv);
  for (size_t at; (at = s.find("@D")) != std::string::npos;) s.replace(at, 2, dir);
  return s;
}

void Require(bool ok, const char* why) {
  if (!ok) throw std::runtime_error(std::string("paths too long for this case: ") + why);
}

std::string PaddedPath(const std::string& dir, const std::string& file, size_t length) {
  Require(dir.size() + file.size() + 2 <= length, "the padded path");
  std::string p = dir + "/";
  while (p.size() + file.size() + 2 <= length) p += "./";
  if (p.size() + file.size() < length) p += "/";  // one more slash
  return p + file;
}

uint64_t ArgLimit(rlim_t stack) {
  if (stack == RLIM_INFINITY) return 6 << 20;
  uint64_t l = std::min<uint64_t>(6 << 20, stack / 4);
  return std::max<uint64_t>(l, 128 * 1024);
}
rlim_t CurrentStackLimit() {
  rlimit r;
  getrlimit(RLIMIT_STACK, &r);
  return r.rlim_cur;
}

void FillArgs(Case& c, uint64_t total) {
  uint64_t used = 2 * (c.path.size() + 1) + 8;  // filename, argv[0]
  for (const auto& e : kEnv) used += e.size() + 1 + 8;
  if (total < used) std::abort();
  uint64_t left = total - used;
  constexpr uint64_t kMaxChunk = 131071 + 1 + 8;  // the longest argument (MAX_ARG_STRLEN with NUL)
  while (left > 0) {
    uint64_t chunk = std::min(left, kMaxChunk);
    if (left - chunk > 0 && left - chunk < 9) chunk -= 16;  // leave room for one more argument
    if (chunk < 9) std::abort();
    c.args.push_back(std::string(chunk - 9, 'a'));
    left -= chunk;
  }
}

std::vector<Case>& AllCases() {
  static std::vector<Case> cases = [] {
    CaseList l;
    AddHeaderCases(l);
    AddSegmentCases(l);
    AddInterpCases(l);
    AddProgramCases(l);
    AddScriptCases(l);
    return l.cases;
  }();
  return cases;
}

}  // namespace corpus
