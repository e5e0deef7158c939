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


Elf64_Phdr Phdr(uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr, uint64_t filesz, uint64_t memsz,
                uint64_t align) {
  Elf64_Phdr p{};
  p.p_type = type;
  p.p_flags = flags;
  p.p_offset = offset;
  p.p_vaddr = p.p_paddr = vaddr;
  p.p_filesz = filesz;
  p.p_memsz = memsz;
  p.p_align = align;
  return p;
}


// A valid image: header and program headers at 0, code at kCodeOff in an R+X PT_LOAD, a data
// page (kDataSize bytes, R+W, optionally with a bss tail) at kDataOff, PT_GNU_STACK R+W.
Elf MakeElf(uint16_t type, uint64_t base, int exit_code, bool data, bool bss) {
  Elf e;
  memcpy(e.eh.e_ident, ELFMAG, SELFMAG);
  e.eh.e_ident[EI_CLASS] = ELFCLASS64;
  e.eh.e_ident[EI_DATA] = ELFDATA2LSB;
  e.eh.e_ident[EI_VERSION] = EV_CURRENT;
  e.eh.e_type = type;
  e.eh.e_machine = EM_X86_64;
  e.eh.e_version = EV_CURRENT;
  e.eh.e_entry = base + kCodeOff;
  e.eh.e_phoff = kPhoff;
  e.eh.e_ehsize = sizeof(Elf64_Ehdr);
  e.eh.e_phentsize = sizeof(Elf64_Phdr);
  e.eh.e_shentsize = sizeof(Elf64_Shdr);
  e.body.assign(data ? kDataOff + kDataSize : kTextSize, 0);
  const uint8_t code[] = {0xbf, static_cast<uint8_t>(exit_code), 0, 0, 0,  // mov edi, exit_code
                          0xb8, 0xe7, 0, 0, 0,                             // mov eax, SYS_exit_group
                          0x0f, 0x05,                                      // syscall
                          0x0f, 0x0b};                                     // ud2
  memcpy(e.body.data() + kCodeOff, code, sizeof code);
  e.ph.push_back(Phdr(PT_LOAD, PF_R | PF_X, 0, base, kTextSize, kTextSize, 0x1000));
  if (data) {
    memset(e.body.data() + kDataOff, 0x11, kDataSize);
    e.ph.push_back(Phdr(PT_LOAD, PF_R | PF_W, kDataOff, base + kDataOff, kDataSize, bss ? kBssSize : kDataSize, 0x1000));
  }
  e.ph.push_back(Phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16));
  return e;
}

Elf Program() { return MakeElf(ET_EXEC, kExecBase, kProgramExit); }
Elf StaticPie() { return MakeElf(ET_DYN, 0, kProgramExit); }
Elf Interp() { return MakeElf(ET_DYN, 0, kInterpExit); }

// Adds a PT_INTERP (first in the table) naming `path`, `size` bytes long (default: path + NUL).
Elf64_Phdr& SetInterp(Elf& e, const std::string& path, std::optional<uint64_t> size) {
  const uint64_t at = e.Append(path + '\0');
  const uint64_t n = size ? *size : path.size() + 1;
  e.ph.insert(e.ph.begin(), Phdr(PT_INTERP, PF_R, at, 0, n, n, 1));
  return e.ph.front();
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
void WriteElf(const std::string& path, const Elf& e, mode_t mode) {
  const auto b = e.Bytes();
  WriteFile(path, b.data(), b.size(), mode);
}

// "@P" in a script becomes the print-argv path, "@D" the case's directory.
std::string Expand(std::string s, const std::string& dir) {
  for (size_t at; (at = s.find("@P")) != std::string::npos;) s.replace(at, 2, g_print_argv);
  for (size_t at; (at = s.find("@D")) != std::string::npos;) s.replace(at, 2, dir);
  return s;
}

// Throws (the case is then skipped with the reason) when the paths here are too long for it.
void Require(bool ok, const char* why) {
  if (!ok) throw std::runtime_error(std::string("paths too long for this case: ") + why);
}

// A path to `dir`/prog that is `length` bytes long, padded with "./" components.
std::string PaddedPath(const std::string& dir, const std::string& file, size_t length) {
  Require(dir.size() + file.size() + 2 <= length, "the padded path");
  std::string p = dir + "/";
  while (p.size() + file.size() + 2 <= length) p += "./";
  if (p.size() + file.size() < length) p += "/";  // one more slash
  return p + file;
}

// The kernel's limit on argv+envp (spec D2).
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

// Fills c.args so that the kernel's count for execve(c.path, [c.path, args], kEnv) is `total`.
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
