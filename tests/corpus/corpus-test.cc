// The malformed-ELF corpus (issue "Bad input gets a clear error and nothing is lost").
//
// Every case is generated here from small valid images built in memory (a static ELF whose entry
// does exit_group(42), an interpreter that does exit_group(43), #! scripts whose interpreter
// prints its argv), written to a temporary directory, and then
//
//   1. run with a real execve in a forked child: the oracle. Its outcome is an errno, an exit
//      status, or the signal that killed the new process after the point of no return;
//   2. run through the ulexec command, which must agree: the same errno as one error line
//      "ulexec: PROGRAM: <strerror> (detail)" and status 126 (127 for ENOENT); the same exit
//      status (and output) when the kernel ran it; a refusal (126, one line with a detail) where
//      the kernel got past its point of no return and killed the process (spec H3);
//   3. run in this very process through ulexec::ExecPath (first in a forked child, to be safe),
//      for every case the kernel or ulexec refuses: the same negative errno, and the process
//      intact afterwards (/proc/self/maps, descriptors, a signal handler, the signal mask, ...).
//
// Arguments: ULEXEC PRINT_ARGV (the ulexec command and the tests/corpus/print-argv program).
// With ULEXEC_CORPUS_TABLE=FILE set, the table of every case and both outcomes is written to FILE
// in Markdown (tests/corpus/CASES.md is made that way).
//
// Expectations are never written down: they come from the kernel, as this user. A case may carry
// `known` (a disagreement whose fix lies outside the loader's checking stages; it still fails) or
// `limitation` (what no userland exec can do; skipped when it is the reason). The noexec cases
// mount a tmpfs in a private mount namespace (root only; skipped otherwise).
#include <ulexec/ulexec.h>

#include <gtest/gtest.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::string g_ulexec;      // the ulexec command
std::string g_print_argv;  // the #! interpreter that prints its argv
std::string g_root;        // the temporary directory holding the corpus
std::string g_noexec;      // a tmpfs mounted noexec inside g_root, or empty
std::string g_noexec_why;  // why there is none
const std::vector<std::string> kEnv = {"LC_ALL=C", "ULEXEC_CORPUS=1"};

constexpr uint64_t kTaskSize = 0x7ffffffff000;
constexpr uint64_t kExecBase = 0x400000;
constexpr uint64_t kPhoff = 0x40;
constexpr size_t kInlinePhdrs = 8;  // room at kPhoff before the code
constexpr uint64_t kCodeOff = 0x300;
constexpr uint64_t kTextSize = 0x400;
constexpr uint64_t kDataOff = 0x1000;
constexpr uint64_t kDataSize = 0x10;
constexpr uint64_t kBssSize = 0x2000;
constexpr int kProgramExit = 42;  // what a program that runs exits with
constexpr int kInterpExit = 43;   // what an interpreter that runs exits with

// ---------------------------------------------------------------------------------------------
// ELF images

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

struct Elf {
  Elf64_Ehdr eh{};
  std::vector<Elf64_Phdr> ph;
  std::vector<uint8_t> body;       // the file; the header and program headers are written over it
  std::optional<uint16_t> phnum;   // e_phnum as written (default: ph.size())
  std::optional<size_t> truncate;  // the file is cut to this size
  uint64_t base = 0;

  std::vector<uint8_t> Bytes() const {
    std::vector<uint8_t> b = body;
    Elf64_Ehdr h = eh;
    h.e_phnum = phnum ? *phnum : static_cast<uint16_t>(ph.size());
    if (!ph.empty() && eh.e_phoff < (uint64_t{1} << 24)) {
      const size_t end = eh.e_phoff + ph.size() * sizeof(Elf64_Phdr);
      if (b.size() < end) b.resize(end);
      memcpy(b.data() + eh.e_phoff, ph.data(), ph.size() * sizeof(Elf64_Phdr));
    }
    if (b.size() < sizeof h) b.resize(sizeof h);
    memcpy(b.data(), &h, sizeof h);
    if (truncate) b.resize(*truncate);
    return b;
  }
  uint64_t Append(const std::string& bytes) {
    const uint64_t at = body.size();
    body.insert(body.end(), bytes.begin(), bytes.end());
    return at;
  }
  // The nth PT_LOAD (0: text, 1: data in the images MakeElf builds).
  Elf64_Phdr& Load(size_t n) {
    for (auto& p : ph) {
      if (p.p_type == PT_LOAD && n-- == 0) return p;
    }
    std::abort();
  }
  void EraseType(uint32_t type) {
    std::erase_if(ph, [&](const Elf64_Phdr& p) { return p.p_type == type; });
  }
};

// A valid image: header and program headers at 0, code at kCodeOff in an R+X PT_LOAD, a data
// page (kDataSize bytes, R+W, optionally with a bss tail) at kDataOff, PT_GNU_STACK R+W.
Elf MakeElf(uint16_t type, uint64_t base, int exit_code, bool data = true, bool bss = true) {
  Elf e;
  e.base = base;
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
Elf64_Phdr& SetInterp(Elf& e, const std::string& path, std::optional<uint64_t> size = {}) {
  const uint64_t at = e.Append(path + '\0');
  const uint64_t n = size ? *size : path.size() + 1;
  e.ph.insert(e.ph.begin(), Phdr(PT_INTERP, PF_R, at, 0, n, n, 1));
  return e.ph.front();
}

// ---------------------------------------------------------------------------------------------
// Cases

struct Case {
  std::string name;  // a GoogleTest name
  std::string what;  // for the table
  // Writes the files into `dir` (a fresh directory); sets `path` if not dir/prog.
  std::function<void(Case&, const std::string& dir)> make;
  std::string path;               // the program as passed to execve and to ulexec
  std::vector<std::string> args;  // argv[1..]; argv[0] is the path
  rlim_t stack_limit = 0;         // RLIMIT_STACK for the run (0: unchanged)
  rlim_t as_limit = 0;            // RLIMIT_AS for execve and the ulexec command (0: unchanged)
  bool compare_stdout = false;    // a #! case: the interpreter prints argv
  bool command = true;            // false: ulexec itself cannot be started with this argv
  bool needs_noexec = false;
  bool needs_lease = false;  // ulexec detects a writer with a read lease (spec D1, ETXTBSY)
  // A disagreement whose fix is outside the loader files this test may change: why, and where.
  std::string known;
  // What a userland exec cannot do: when the kernel runs the file and ulexec refuses it with
  // `limitation_errno`, the case is skipped with this reason.
  std::string limitation;
  int limitation_errno = 0;
  bool prepared = false;
  std::string prepare_error;
  int write_fd = -1;  // held open for writing for ETXTBSY
};

void WriteFile(const std::string& path, const void* data, size_t size, mode_t mode = 0755) {
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
void WriteFile(const std::string& path, const std::string& s, mode_t mode = 0755) {
  WriteFile(path, s.data(), s.size(), mode);
}
void WriteElf(const std::string& path, const Elf& e, mode_t mode = 0755) {
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

using ElfFn = std::function<Elf()>;

struct CaseList {
  std::vector<Case> cases;

  Case& Add(std::string name, std::string what, std::function<void(Case&, const std::string&)> make) {
    Case c;
    c.name = std::move(name);
    c.what = std::move(what);
    c.make = std::move(make);
    cases.push_back(std::move(c));
    return cases.back();
  }
  // The program is the image `build` returns.
  Case& Image(std::string name, std::string what, ElfFn build) {
    return Add(std::move(name), std::move(what),
               [build](Case&, const std::string& dir) { WriteElf(dir + "/prog", build()); });
  }
  // The program is Program() (or `main`) with a PT_INTERP naming dir/interp, which `interp` builds.
  Case& WithInterp(std::string name, std::string what, ElfFn interp, std::function<void(Elf&, const std::string&)> main = {}) {
    return Add(std::move(name), std::move(what), [interp, main](Case&, const std::string& dir) {
      WriteElf(dir + "/interp", interp());
      Elf e = Program();
      SetInterp(e, dir + "/interp");
      if (main) main(e, dir);
      WriteElf(dir + "/prog", e);
    });
  }
  // The program is a #! script (see Expand); its interpreter prints argv.
  Case& Script(std::string name, std::string what, std::string text, mode_t mode = 0755) {
    Case& c = Add(std::move(name), std::move(what), [text, mode](Case&, const std::string& dir) {
      WriteFile(dir + "/prog", Expand(text, dir), mode);
    });
    c.compare_stdout = true;
    return c;
  }
};

std::vector<Case> BuildCases() {
  CaseList l;

  // --- Valid images: the kernel runs them, so must ulexec.
  l.Image("valid_static", "valid ET_EXEC (text, data+bss, PT_GNU_STACK)", Program);
  l.Image("valid_static_pie", "valid ET_DYN without PT_INTERP", StaticPie);
  l.WithInterp("valid_with_interp", "valid ET_EXEC with an ET_DYN interpreter (exits 43)", Interp);
  l.Add("valid_pie_with_interp", "valid ET_DYN with an ET_DYN interpreter", [](Case&, const std::string& dir) {
    WriteElf(dir + "/interp", Interp());
    Elf e = StaticPie();
    SetInterp(e, dir + "/interp");
    WriteElf(dir + "/prog", e);
  });

  // --- Not an ELF, or cut short (spec D1, D3).
  l.Add("empty_file", "empty file", [](Case&, const std::string& dir) { WriteFile(dir + "/prog", ""); });
  l.Image("trunc_in_magic", "2 bytes: \\x7fE", [] { auto e = Program(); e.truncate = 2; return e; });
  l.Image("trunc_in_ident", "10 bytes: cut inside e_ident", [] { auto e = Program(); e.truncate = 10; return e; });
  l.Image("trunc_in_ehdr", "40 bytes: cut inside the ELF header", [] { auto e = Program(); e.truncate = 40; return e; });
  l.Image("trunc_in_phdrs", "cut inside the program headers", [] {
    auto e = Program();
    e.truncate = kPhoff + 80;
    return e;
  });
  l.Image("trunc_in_text_no_bss", "only a text segment, file cut inside it (entry page present)", [] {
    auto e = MakeElf(ET_EXEC, kExecBase, kProgramExit, false);
    e.truncate = kCodeOff + 0x50;
    return e;
  });
  l.Image("trunc_before_data_with_bss", "file cut before the writable data segment that has a bss tail", [] {
    auto e = Program();
    e.truncate = 0x800;
    return e;
  });
  l.Image("trunc_before_data_no_bss", "file cut before a writable data segment without bss", [] {
    auto e = MakeElf(ET_EXEC, kExecBase, kProgramExit, true, false);
    e.truncate = 0x800;
    return e;
  });
  l.Image("trunc_in_data_page_with_bss", "file cut inside the data segment; its last page partly in the file", [] {
    auto e = Program();
    e.truncate = kDataOff + 8;
    return e;
  });
  l.Image("bad_magic", "\\x7fELG instead of \\x7fELF", [] { auto e = Program(); e.eh.e_ident[3] = 'G'; return e; });
  l.Add("text_file", "executable text file without #!", [](Case&, const std::string& dir) {
    WriteFile(dir + "/prog", "echo hello\n");
  });
  l.Add("zeros_4k", "4096 zero bytes", [](Case&, const std::string& dir) {
    WriteFile(dir + "/prog", std::string(4096, '\0'));
  });

  // --- ELF header fields (spec D3, H1).
  l.Image("ei_class_32", "EI_CLASS = ELFCLASS32 (not checked)", [] { auto e = Program(); e.eh.e_ident[EI_CLASS] = ELFCLASS32; return e; });
  l.Image("ei_class_0", "EI_CLASS = 0", [] { auto e = Program(); e.eh.e_ident[EI_CLASS] = 0; return e; });
  l.Image("ei_data_msb", "EI_DATA = big-endian (not checked)", [] { auto e = Program(); e.eh.e_ident[EI_DATA] = ELFDATA2MSB; return e; });
  l.Image("ei_version_0", "EI_VERSION = 0", [] { auto e = Program(); e.eh.e_ident[EI_VERSION] = 0; return e; });
  l.Image("ei_osabi_garbage", "EI_OSABI = 0xff and garbage padding", [] {
    auto e = Program();
    e.eh.e_ident[EI_OSABI] = 0xff;
    memset(e.eh.e_ident + EI_PAD, 0xa5, EI_NIDENT - EI_PAD);
    return e;
  });
  l.Image("garbage_version_flags_ehsize", "e_version, e_flags, e_ehsize garbage", [] {
    auto e = Program();
    e.eh.e_version = 0xdeadbeef;
    e.eh.e_flags = 0xffffffff;
    e.eh.e_ehsize = 3;
    return e;
  });
  l.Image("garbage_section_headers", "e_shoff past EOF, e_shnum 0xffff, e_shentsize 3, e_shstrndx 0xfffe", [] {
    auto e = Program();
    e.eh.e_shoff = 0xffffffffffff0000;
    e.eh.e_shnum = 0xffff;
    e.eh.e_shentsize = 3;
    e.eh.e_shstrndx = 0xfffe;
    return e;
  });
  l.Image("machine_aarch64", "e_machine = EM_AARCH64", [] { auto e = Program(); e.eh.e_machine = EM_AARCH64; return e; });
  l.Image("machine_i386", "e_machine = EM_386", [] { auto e = Program(); e.eh.e_machine = EM_386; return e; });
  l.Image("machine_none", "e_machine = 0", [] { auto e = Program(); e.eh.e_machine = 0; return e; });
  l.Image("type_rel", "e_type = ET_REL", [] { auto e = Program(); e.eh.e_type = ET_REL; return e; });
  l.Image("type_core", "e_type = ET_CORE", [] { auto e = Program(); e.eh.e_type = ET_CORE; return e; });
  l.Image("type_none", "e_type = ET_NONE", [] { auto e = Program(); e.eh.e_type = ET_NONE; return e; });
  l.Image("type_os_specific", "e_type = 0xfe00 (ET_LOOS)", [] { auto e = Program(); e.eh.e_type = 0xfe00; return e; });
  l.Image("phentsize_32", "e_phentsize = 32", [] { auto e = Program(); e.eh.e_phentsize = 32; return e; });
  l.Image("phentsize_64", "e_phentsize = 64", [] { auto e = Program(); e.eh.e_phentsize = 64; return e; });
  l.Image("phentsize_0", "e_phentsize = 0", [] { auto e = Program(); e.eh.e_phentsize = 0; return e; });
  l.Image("phnum_0", "e_phnum = 0", [] { auto e = Program(); e.phnum = 0; return e; });
  l.Image("phnum_1170", "1170 program headers (65520 bytes, the most that fit in 64 KiB)", [] {
    auto e = Program();
    e.eh.e_phoff = 0x2000;
    e.ph.resize(1170, Phdr(PT_NULL, 0, 0, 0, 0, 0, 0));
    return e;
  });
  l.Image("phnum_1171", "e_phnum = 1171 (65576 bytes)", [] {
    auto e = Program();
    e.eh.e_phoff = 0x2000;
    e.ph.resize(1171, Phdr(PT_NULL, 0, 0, 0, 0, 0, 0));
    return e;
  });
  l.Image("phnum_2000", "e_phnum = 2000, table not in the file", [] { auto e = Program(); e.phnum = 2000; return e; });
  l.Image("phnum_xnum", "e_phnum = PN_XNUM (0xffff)", [] { auto e = Program(); e.phnum = PN_XNUM; return e; });
  l.Image("phoff_past_eof", "e_phoff past the end of the file", [] {
    auto e = Program();
    e.eh.e_phoff = 0x10000;
    e.truncate = kDataOff + kDataSize;
    return e;
  });
  l.Image("phoff_table_crosses_eof", "program header table starts inside the file and ends past it", [] {
    auto e = Program();
    e.eh.e_phoff = kDataOff - 0x40;  // 3 headers: 0x1000-0x40+168 > file size 0x1010
    e.truncate = kDataOff + kDataSize;
    return e;
  });
  l.Image("phoff_overflow", "e_phoff + table size overflows 64 bits", [] {
    auto e = Program();
    memcpy(e.body.data() + kPhoff, e.ph.data(), e.ph.size() * sizeof(Elf64_Phdr));  // only e_phoff is bad
    e.eh.e_phoff = 0xffffffffffffffc0;
    return e;
  });
  l.Image("phoff_unaligned", "program header table at an odd offset (0x1013)", [] {
    auto e = Program();
    e.body.resize(kDataOff + 0x13, 0);
    e.eh.e_phoff = kDataOff + 0x13;
    return e;
  });
  l.Image("phdrs_not_loaded", "program header table at the end of the file, in no PT_LOAD", [] {
    auto e = Program();
    e.eh.e_phoff = 0x1800;
    return e;
  });

  // --- PT_LOAD segments (spec C1-C3, D5, H1, H3).
  l.Image("filesz_gt_memsz", "data PT_LOAD with p_filesz > p_memsz", [] {
    auto e = Program();
    e.Load(1).p_memsz = 0x8;
    return e;
  });
  l.Image("text_filesz_gt_memsz", "text PT_LOAD with p_filesz > p_memsz", [] {
    auto e = Program();
    e.Load(0).p_memsz = 0x200;
    return e;
  });
  l.Image("file_range_past_eof_bss", "writable PT_LOAD with bss whose file range lies past EOF", [] {
    auto e = Program();
    e.Load(1).p_offset = 0x5000;
    return e;
  });
  l.Image("file_range_past_eof_no_bss", "writable PT_LOAD without bss whose file range lies past EOF", [] {
    auto e = Program();
    e.Load(1).p_offset = 0x5000;
    e.Load(1).p_memsz = kDataSize;
    return e;
  });
  l.Image("file_range_past_eof_readonly_bss", "read-only PT_LOAD with bss whose file range lies past EOF", [] {
    auto e = Program();
    e.Load(1).p_offset = 0x5000;
    e.Load(1).p_flags = PF_R;
    return e;
  });
  l.Image("filesz_huge_no_bss", "text PT_LOAD with p_filesz = p_memsz = 1 GiB, file 4 KiB", [] {
    auto e = MakeElf(ET_EXEC, kExecBase, kProgramExit, false);
    e.Load(0).p_filesz = e.Load(0).p_memsz = 1 << 30;
    return e;
  });
  l.Image("vaddr_memsz_overflow", "p_vaddr + p_memsz overflows 64 bits", [] {
    auto e = Program();
    e.Load(1).p_vaddr = 0xfffffffffffff000;
    e.Load(1).p_offset = kDataOff;
    return e;
  });
  l.Image("memsz_huge", "p_memsz = 2^63", [] {
    auto e = Program();
    e.Load(1).p_memsz = uint64_t{1} << 63;
    return e;
  });
  l.Image("segment_crosses_task_size", "PT_LOAD from TASK_SIZE-4K to TASK_SIZE+4K", [] {
    auto e = Program();
    e.Load(1).p_vaddr = kTaskSize - 0x1000;
    e.Load(1).p_filesz = 0;
    e.Load(1).p_memsz = 0x2000;
    return e;
  });
  l.Image("segment_in_kernel_half", "PT_LOAD at 0xffff800000000000", [] {
    auto e = Program();
    e.Load(1).p_vaddr = 0xffff800000000000;
    return e;
  });
  l.Image("align_3", "p_align = 3 (not a power of two)", [] {
    auto e = Program();
    e.Load(0).p_align = e.Load(1).p_align = 3;
    return e;
  });
  l.Image("align_0", "p_align = 0", [] {
    auto e = Program();
    e.Load(0).p_align = e.Load(1).p_align = 0;
    return e;
  });
  l.Image("pie_align_3", "ET_DYN with p_align = 3", [] {
    auto e = StaticPie();
    e.Load(0).p_align = e.Load(1).p_align = 3;
    return e;
  });
  l.Image("pie_align_2m", "ET_DYN with p_align = 2 MiB", [] {
    auto e = StaticPie();
    e.Load(0).p_align = e.Load(1).p_align = 0x200000;
    return e;
  });
  l.Image("pie_align_1g", "ET_DYN with p_align = 1 GiB", [] {
    auto e = StaticPie();
    e.Load(0).p_align = 0x40000000;
    return e;
  });
  l.Image("offset_incongruent", "p_offset and p_vaddr differ modulo 4096", [] {
    auto e = Program();
    e.Load(1).p_offset = kDataOff + 8;
    return e;
  });
  l.Image("text_offset_incongruent", "text PT_LOAD with p_offset 0x100, p_vaddr page-aligned", [] {
    auto e = Program();
    e.Load(0).p_offset = 0x100;
    return e;
  });
  l.Image("overlap_same_text", "a third PT_LOAD mapping the text page again", [] {
    auto e = Program();
    e.ph.push_back(e.Load(0));
    return e;
  });
  l.Image("overlap_data_bss", "a PT_LOAD (R+W, no file) over the bss of the data segment", [] {
    auto e = Program();
    e.ph.push_back(Phdr(PT_LOAD, PF_R | PF_W, 0, kExecBase + 0x2000, 0, 0x1000, 0x1000));
    return e;
  });
  l.Image("unsorted_segments", "data PT_LOAD before text PT_LOAD", [] {
    auto e = Program();
    std::swap(e.ph[0], e.ph[1]);
    return e;
  });
  l.Image("pie_unsorted_segments", "ET_DYN with the data PT_LOAD first", [] {
    auto e = StaticPie();
    std::swap(e.ph[0], e.ph[1]);
    return e;
  });
  l.Image("load_at_vaddr_0", "ET_EXEC linked at 0 (below mmap_min_addr)", [] {
    return MakeElf(ET_EXEC, 0, kProgramExit);
  });
  l.Image("load_at_0x8000", "ET_EXEC linked at 0x8000 (below the 64 KiB CONFIG_LSM_MMAP_MIN_ADDR)", [] {
    return MakeElf(ET_EXEC, 0x8000, kProgramExit);
  });
  l.Image("load_at_0x10000", "ET_EXEC linked at 0x10000", [] { return MakeElf(ET_EXEC, 0x10000, kProgramExit); });
  l.Image("data_at_vaddr_0", "an extra R+W PT_LOAD at 0 (below mmap_min_addr)", [] {
    auto e = Program();
    e.ph.push_back(Phdr(PT_LOAD, PF_R | PF_W, 0, 0, 0, 0x1000, 0x1000));
    return e;
  });
  l.Image("memsz_0_segment", "an extra PT_LOAD with p_memsz = 0 at a weird address", [] {
    auto e = Program();
    e.ph.push_back(Phdr(PT_LOAD, PF_R, 0x123, 0xdead000, 0, 0, 0x1000));
    return e;
  });
  l.Image("no_pt_load", "ET_EXEC with no PT_LOAD", [] {
    auto e = Program();
    e.EraseType(PT_LOAD);
    return e;
  });
  l.Image("pie_no_pt_load", "ET_DYN with no PT_LOAD", [] {
    auto e = StaticPie();
    e.EraseType(PT_LOAD);
    return e;
  });
  l.Image("only_memsz_0_loads", "every PT_LOAD has p_memsz = 0", [] {
    auto e = Program();
    e.Load(0).p_filesz = e.Load(0).p_memsz = 0;
    e.Load(1).p_filesz = e.Load(1).p_memsz = 0;
    return e;
  });
  l.Image("collision_with_stack", "first PT_LOAD covers the top 32 GiB, where the stack is", [] {
    auto e = MakeElf(ET_EXEC, kTaskSize - (uint64_t{32} << 30), kProgramExit, false);
    e.Load(0).p_filesz = e.Load(0).p_memsz = uint64_t{32} << 30;
    return e;
  });
  l.Image("bss_1g", "data PT_LOAD with a 1 GiB bss", [] {
    auto e = Program();
    e.Load(1).p_memsz = 1 << 30;
    return e;
  });
  {
    Case& c = l.Image("rlimit_as_bss_1g", "1 GiB bss under RLIMIT_AS = 128 MiB", [] {
      auto e = Program();
      e.Load(1).p_memsz = 1 << 30;
      return e;
    });
    c.as_limit = 128 << 20;
  }
  l.Image("exec_stack", "PT_GNU_STACK with PF_X", [] {
    auto e = Program();
    e.ph.back().p_flags |= PF_X;
    return e;
  });
  l.Image("no_gnu_stack", "no PT_GNU_STACK", [] { auto e = Program(); e.EraseType(PT_GNU_STACK); return e; });
  l.Image("gnu_property_garbage", "PT_GNU_PROPERTY pointing at garbage past EOF", [] {
    auto e = Program();
    e.ph.push_back(Phdr(PT_GNU_PROPERTY, PF_R, 0x99999, 0, 0x1234, 0x1234, 8));
    return e;
  });
  l.Image("loproc_and_unknown_types", "PT_LOPROC and an unknown p_type", [] {
    auto e = Program();
    e.ph.push_back(Phdr(PT_LOPROC + 1, PF_R, 0, 0, 0x10, 0x10, 8));
    e.ph.push_back(Phdr(0x12345678, PF_R, 0xfffffff, 0, 0x10, 0x10, 8));
    return e;
  });
  l.Image("pt_phdr_garbage", "PT_PHDR with a garbage address", [] {
    auto e = Program();
    e.ph.insert(e.ph.begin(), Phdr(PT_PHDR, PF_R, 0x99999, 0x12345, 0x77, 0x77, 8));
    return e;
  });

  // --- e_entry (spec H3).
  l.Image("entry_0", "e_entry = 0", [] { auto e = Program(); e.eh.e_entry = 0; return e; });
  l.Image("entry_kernel_half", "e_entry = 0xffffffff81000000", [] { auto e = Program(); e.eh.e_entry = 0xffffffff81000000; return e; });
  l.Image("entry_task_size", "e_entry = TASK_SIZE", [] { auto e = Program(); e.eh.e_entry = kTaskSize; return e; });
  l.Image("entry_in_data", "e_entry in the R+W data segment", [] {
    auto e = Program();
    e.eh.e_entry = kExecBase + kDataOff;
    return e;
  });
  l.Image("entry_in_no_segment", "e_entry in no PT_LOAD", [] { auto e = Program(); e.eh.e_entry = 0x500000; return e; });
  l.Image("entry_in_bss", "e_entry in the zero-filled part of an executable segment", [] {
    auto e = Program();
    e.Load(0).p_memsz = 0x3000;
    e.Load(1).p_vaddr += 0x4000;
    e.eh.e_entry = kExecBase + 0x2000;
    return e;
  });
  l.Image("entry_covered_by_nonexec", "e_entry's page mapped again by a later R+W PT_LOAD", [] {
    auto e = Program();
    e.ph.push_back(Phdr(PT_LOAD, PF_R | PF_W, 0, kExecBase, kTextSize, kTextSize, 0x1000));
    return e;
  });
  l.Image("entry_page_past_eof", "e_entry in a file page past EOF", [] {
    auto e = MakeElf(ET_EXEC, kExecBase, kProgramExit, false);
    e.Load(0).p_filesz = e.Load(0).p_memsz = 0x3000;
    e.eh.e_entry = kExecBase + 0x2300;
    return e;
  });

  // --- PT_INTERP (spec D4, H1, H2, H3).
  l.WithInterp("interp_second_bad", "a second PT_INTERP naming a missing file (ignored)", Interp, [](Elf& e, const std::string&) {
    const uint64_t at = e.Append(std::string("/nonexistent/ld.so") + '\0');
    e.ph.insert(e.ph.begin() + 1, Phdr(PT_INTERP, PF_R, at, 0, 19, 19, 1));
  });
  l.WithInterp("interp_not_nul_terminated", "PT_INTERP path without its NUL", Interp, [](Elf& e, const std::string&) {
    e.ph.front().p_filesz -= 1;
  });
  l.WithInterp("interp_filesz_0", "PT_INTERP with p_filesz = 0", Interp, [](Elf& e, const std::string&) {
    e.ph.front().p_filesz = 0;
  });
  l.WithInterp("interp_filesz_1", "PT_INTERP with p_filesz = 1 (just a NUL)", Interp, [](Elf& e, const std::string&) {
    e.body[e.ph.front().p_offset] = 0;
    e.ph.front().p_filesz = 1;
  });
  l.Add("interp_4096", "PT_INTERP of 4096 bytes: a 4095-byte path (slash-padded) and NUL",
        [](Case&, const std::string& dir) {
          Require(dir.size() + 7 < 4095, "the PT_INTERP path");
          WriteElf(dir + "/interp", Interp());
          Elf e = Program();
          SetInterp(e, std::string(4095 - (dir.size() + 7), '/') + dir + "/interp");
          WriteElf(dir + "/prog", e);
        });
  l.Add("interp_4096_nul_padded", "PT_INTERP of 4096 bytes: a short path and NULs", [](Case&, const std::string& dir) {
    Require(dir.size() + 7 < 4095, "the PT_INTERP path");
    WriteElf(dir + "/interp", Interp());
    Elf e = Program();
    SetInterp(e, dir + "/interp" + std::string(4095 - (dir.size() + 7), '\0'));
    WriteElf(dir + "/prog", e);
  });
  l.Add("interp_4097", "PT_INTERP of 4097 bytes", [](Case&, const std::string& dir) {
    Require(dir.size() + 7 < 4096, "the PT_INTERP path");
    WriteElf(dir + "/interp", Interp());
    Elf e = Program();
    SetInterp(e, std::string(4096 - (dir.size() + 7), '/') + dir + "/interp");
    WriteElf(dir + "/prog", e);
  });
  l.WithInterp("interp_past_eof", "PT_INTERP's bytes past EOF", Interp, [](Elf& e, const std::string&) {
    e.ph.front().p_offset = 0x100000;
  });
  l.WithInterp("interp_crosses_eof", "PT_INTERP's bytes start in the file and end past EOF", Interp,
               [](Elf& e, const std::string&) { e.ph.front().p_filesz += 100; });
  l.WithInterp("interp_offset_overflow", "PT_INTERP p_offset = 2^64 - 8", Interp, [](Elf& e, const std::string&) {
    e.ph.front().p_offset = 0xfffffffffffffff8;
  });
  l.WithInterp("interp_missing", "PT_INTERP names a missing file", Interp, [](Elf& e, const std::string& dir) {
    e.EraseType(PT_INTERP);
    SetInterp(e, dir + "/no-such-interp");
  });
  l.WithInterp("interp_relative_missing", "PT_INTERP names a relative path that does not exist", Interp,
               [](Elf& e, const std::string&) {
                 e.EraseType(PT_INTERP);
                 SetInterp(e, "no-such-interp-xyz");
               });
  l.WithInterp("interp_directory", "PT_INTERP names a directory", Interp, [](Elf& e, const std::string& dir) {
    e.EraseType(PT_INTERP);
    SetInterp(e, dir);
  });
  l.Add("interp_text_not_executable", "interpreter is a text file without x permission", [](Case&, const std::string& dir) {
    WriteFile(dir + "/interp", std::string(200, 'x'), 0644);
    Elf e = Program();
    SetInterp(e, dir + "/interp");
    WriteElf(dir + "/prog", e);
  });
  l.Add("interp_elf_not_executable", "interpreter is a valid ELF without x permission", [](Case&, const std::string& dir) {
    WriteElf(dir + "/interp", Interp(), 0644);
    Elf e = Program();
    SetInterp(e, dir + "/interp");
    WriteElf(dir + "/prog", e);
  });
  l.Add("interp_executable_text", "interpreter is an executable text file", [](Case&, const std::string& dir) {
    WriteFile(dir + "/interp", std::string(200, 'x'));
    Elf e = Program();
    SetInterp(e, dir + "/interp");
    WriteElf(dir + "/prog", e);
  });
  l.Add("interp_script", "interpreter is a #! script", [](Case&, const std::string& dir) {
    WriteFile(dir + "/interp", "#!" + g_print_argv + "\n" + std::string(100, '#') + "\n");
    Elf e = Program();
    SetInterp(e, dir + "/interp");
    WriteElf(dir + "/prog", e);
  });
  l.WithInterp("interp_short", "interpreter is a 40-byte ELF", [] { auto e = Interp(); e.truncate = 40; return e; });
  l.WithInterp("interp_empty", "interpreter is an empty executable file", [] { auto e = Interp(); e.truncate = 0; return e; });
  l.WithInterp("interp_has_interp", "interpreter with its own PT_INTERP (ignored)", [] {
    auto e = Interp();
    SetInterp(e, "/nonexistent/ld.so");
    return e;
  });
  l.WithInterp("interp_aarch64", "interpreter for EM_AARCH64", [] { auto e = Interp(); e.eh.e_machine = EM_AARCH64; return e; });
  l.WithInterp("interp_bad_magic", "interpreter with bad magic", [] { auto e = Interp(); e.eh.e_ident[0] = 0; return e; });
  l.WithInterp("interp_et_rel", "interpreter with e_type ET_REL", [] { auto e = Interp(); e.eh.e_type = ET_REL; return e; });
  l.WithInterp("interp_et_core", "interpreter with e_type ET_CORE", [] { auto e = Interp(); e.eh.e_type = ET_CORE; return e; });
  l.WithInterp("interp_et_exec", "ET_EXEC interpreter at 0x600000", [] {
    return MakeElf(ET_EXEC, 0x600000, kInterpExit);
  });
  {
    auto& c = l.WithInterp("interp_et_exec_over_program", "ET_EXEC interpreter at the program's own addresses", [] {
      return MakeElf(ET_EXEC, kExecBase, kInterpExit);
    });
    // The kernel maps an ET_EXEC interpreter MAP_FIXED over the program's own pages and runs
    // whatever results; ulexec never maps over a mapping (README: known differences).
    c.limitation = "an interpreter overlapping the program is refused, not mapped over it";
    c.limitation_errno = ENOMEM;
  }
  l.WithInterp("interp_no_pt_load", "interpreter with no PT_LOAD", [] {
    auto e = Interp();
    e.EraseType(PT_LOAD);
    return e;
  });
  l.WithInterp("interp_phentsize", "interpreter with e_phentsize = 32", [] { auto e = Interp(); e.eh.e_phentsize = 32; return e; });
  l.WithInterp("interp_phnum_0", "interpreter with e_phnum = 0", [] { auto e = Interp(); e.phnum = 0; return e; });
  l.WithInterp("interp_phnum_2000", "interpreter with e_phnum = 2000", [] { auto e = Interp(); e.phnum = 2000; return e; });
  l.WithInterp("interp_filesz_gt_memsz", "interpreter PT_LOAD with p_filesz > p_memsz", [] {
    auto e = Interp();
    e.Load(1).p_memsz = 8;
    return e;
  });
  l.WithInterp("interp_offset_incongruent", "interpreter PT_LOAD with incongruent p_offset", [] {
    auto e = Interp();
    e.Load(1).p_offset = kDataOff + 8;
    return e;
  });
  l.WithInterp("interp_entry_in_data", "interpreter e_entry in its R+W segment", [] {
    auto e = Interp();
    e.eh.e_entry = kDataOff;
    return e;
  });
  l.WithInterp("interp_entry_outside", "interpreter e_entry outside its segments", [] {
    auto e = Interp();
    e.eh.e_entry = 0x100000;
    return e;
  });
  l.WithInterp("interp_kernel_half", "interpreter PT_LOAD in the kernel half", [] {
    auto e = MakeElf(ET_EXEC, 0x600000, kInterpExit);
    e.Load(1).p_vaddr = 0xffff800000000000;
    return e;
  });
  l.WithInterp("interp_trunc_before_bss_page", "interpreter cut before its writable data page with bss", [] {
    auto e = Interp();
    e.truncate = 0x800;
    return e;
  });
  l.Add("interp_symlink_loop", "PT_INTERP names a symlink loop", [](Case&, const std::string& dir) {
    symlink((dir + "/loop").c_str(), (dir + "/loop").c_str());
    Elf e = Program();
    SetInterp(e, dir + "/loop");
    WriteElf(dir + "/prog", e);
  });
  {
    Case& c = l.Add("interp_on_noexec", "interpreter on a noexec mount", [](Case& c, const std::string& dir) {
      const std::string interp = g_noexec + "/" + c.name + "-interp";
      WriteElf(interp, Interp());
      Elf e = Program();
      SetInterp(e, interp);
      WriteElf(dir + "/prog", e);
    });
    c.needs_noexec = true;
  }

  // --- The program file (spec D1).
  l.Add("program_directory", "PROGRAM is a directory", [](Case& c, const std::string& dir) { c.path = dir; });
  l.Add("program_not_executable", "mode 0644 (root needs an x bit)", [](Case&, const std::string& dir) {
    WriteElf(dir + "/prog", Program(), 0644);
  });
  l.Add("program_mode_0001", "mode 0001: an x bit for others only (root runs it)", [](Case&, const std::string& dir) {
    WriteElf(dir + "/prog", Program(), 0001);
  });
  {
    Case& c = l.Add("program_mode_0100", "mode 0100: execute-only for the owner", [](Case&, const std::string& dir) {
      WriteElf(dir + "/prog", Program(), 0100);
    });
    c.limitation = "ulexec reads the file it maps; execve needs no read permission (root may read anything)";
    c.limitation_errno = EACCES;
  }
  l.Add("program_fifo", "PROGRAM is a FIFO with mode 0755", [](Case&, const std::string& dir) {
    mkfifo((dir + "/prog").c_str(), 0755);
    chmod((dir + "/prog").c_str(), 0755);
  });
  l.Add("program_char_device", "PROGRAM is /dev/null", [](Case& c, const std::string&) { c.path = "/dev/null"; });
  l.Add("program_missing", "PROGRAM does not exist", [](Case&, const std::string&) {});
  l.Add("program_enotdir", "a path through a regular file (prog/x)", [](Case& c, const std::string& dir) {
    WriteElf(dir + "/prog", Program());
    c.path = dir + "/prog/x";
  });
  l.Add("program_name_too_long", "a 256-byte path component", [](Case& c, const std::string& dir) {
    c.path = dir + "/" + std::string(256, 'n');
  });
  l.Add("program_path_too_long", "a 4096-byte path", [](Case& c, const std::string& dir) {
    WriteElf(dir + "/prog", Program());
    c.path = PaddedPath(dir, "prog", 4096);
  });
  l.Add("program_symlink", "PROGRAM is a symlink to a valid ELF", [](Case& c, const std::string& dir) {
    WriteElf(dir + "/real", Program());
    symlink("real", (dir + "/prog").c_str());
    c.path = dir + "/prog";
  });
  l.Add("program_symlink_loop", "PROGRAM is a symlink loop", [](Case&, const std::string& dir) {
    symlink("prog", (dir + "/prog").c_str());
  });
  l.Add("program_open_for_writing", "PROGRAM is open for writing", [](Case& c, const std::string& dir) {
    WriteElf(dir + "/prog", Program());
    c.write_fd = open((dir + "/prog").c_str(), O_WRONLY | O_CLOEXEC);
  }).needs_lease = true;
  {
    Case& c = l.Add("program_on_noexec", "PROGRAM on a noexec mount", [](Case& c, const std::string&) {
      c.path = g_noexec + "/" + c.name;
      WriteElf(c.path, Program());
    });
    c.needs_noexec = true;
  }

  // --- argv and envp size (spec D1, D2). The path is long so that the ulexec command itself
  // (whose own execve carries both its path and PROGRAM) still starts where PROGRAM fails.
  struct Limit {
    const char* name;
    rlim_t stack;
  };
  const Limit limits[] = {{"rlimit_stack_current", 0}, {"rlimit_stack_1m", 1 << 20}, {"rlimit_stack_400k", 400 << 10}};
  for (const Limit& lim : limits) {
    for (int over = 0; over <= 1; ++over) {
      Case& c = l.Add(std::string("e2big_") + (over ? "over_" : "at_") + lim.name,
                      std::string("argv+envp ") + (over ? "1 byte over" : "exactly at") + " the limit for " +
                          (lim.stack ? std::to_string(lim.stack >> 10) + " KiB RLIMIT_STACK" : "the current RLIMIT_STACK"),
                      [over, lim](Case& c, const std::string& dir) {
                        WriteElf(dir + "/prog", Program());
                        c.path = PaddedPath(dir, "prog", 2 * g_ulexec.size() + 64);
                        FillArgs(c, ArgLimit(lim.stack ? lim.stack : CurrentStackLimit()) + over);
                      });
      c.stack_limit = lim.stack;
    }
  }
  {
    Case& c = l.Add("arg_131072_chars", "one argument of 131072 chars (131073 bytes with NUL)", [](Case& c, const std::string& dir) {
      WriteElf(dir + "/prog", Program());
      c.args = {std::string(131072, 'x')};
    });
    c.command = false;  // the kernel would not start ulexec itself with it
  }
  l.Add("arg_131071_chars", "one argument of 131071 chars (131072 bytes with NUL)", [](Case& c, const std::string& dir) {
    WriteElf(dir + "/prog", Program());
    c.args = {std::string(131071, 'x')};
  });

  // --- #! scripts (spec F). @P is the argv printer.
  l.Script("script_basic", "#!P", "#!@P\n");
  l.Script("script_arg", "#!P -x", "#!@P -x\n");
  l.Script("script_arg_inner_blanks", "argument with inner and trailing blanks", "#!@P  a  b \t \n");
  l.Script("script_leading_blanks", "blanks before the interpreter", "#! \t @P arg\n");
  l.Script("script_tab_separator", "a tab between path and argument", "#!@P\targ\n");
  l.Script("script_no_newline_arg_space", "#!P a  (EOF, trailing space kept)", "#!@P a ");
  l.Script("script_no_newline_space", "#!P  (EOF: an extra empty argument)", "#!@P ");
  l.Script("script_no_newline_space_tab_space", "#!P <sp><tab><sp> (EOF)", "#!@P \t ");
  l.Script("script_no_newline", "#!P (EOF)", "#!@P");
  l.Script("script_arg_300", "a 300-byte argument without newline (cut)", "#!@P " + std::string(300, 'z'));
  l.Script("script_arg_300_newline_late", "a 300-byte argument, newline after byte 256", "#!@P " + std::string(300, 'z') + "\n");
  l.Script("script_arg_with_nul", "argument containing a NUL", std::string("#!@P a\0b c\n", 13));
  l.Script("script_nul_after_path", "a NUL right after the path", std::string("#!@P\0 arg\n", 10));
  l.Script("script_with_args", "script given extra arguments", "#!@P opt\n").args = {"x", "y z", ""};
  l.Script("script_empty_argv_args", "script given an empty argument", "#!@P\n").args = {""};
  l.Add("script_path_253", "a 253-byte interpreter path (slash-padded) then newline", [](Case&, const std::string& dir) {
    Require(g_print_argv.size() <= 253, "the #! path");
    WriteFile(dir + "/prog", "#!" + std::string(253 - g_print_argv.size(), '/') + g_print_argv + "\n");
  }).compare_stdout = true;
  l.Add("script_path_253_eof", "a 253-byte interpreter path, EOF", [](Case&, const std::string& dir) {
    Require(g_print_argv.size() <= 253, "the #! path");
    WriteFile(dir + "/prog", "#!" + std::string(253 - g_print_argv.size(), '/') + g_print_argv);
  }).compare_stdout = true;
  l.Add("script_path_254", "a 254-byte interpreter path: no terminator in 256 bytes", [](Case&, const std::string& dir) {
    Require(g_print_argv.size() <= 254, "the #! path");
    WriteFile(dir + "/prog", "#!" + std::string(254 - g_print_argv.size(), '/') + g_print_argv + "\n");
  }).compare_stdout = true;
  l.Script("script_blank", "#!<newline>", "#!\n");
  l.Script("script_blanks", "#!<3 spaces><newline>", "#!   \n");
  l.Script("script_only_hashbang", "#! and EOF", "#!");
  l.Script("script_blanks_eof", "#!<blanks> and EOF", "#!  \t ");
  l.Script("script_nul_interp", "#!<NUL>x: an empty interpreter name", std::string("#!\0x\n", 5));
  l.Script("script_blank_nul_interp", "#!<space><NUL>x", std::string("#! \0x\n", 6));
  l.Script("script_crlf", "#!/bin/sh<CR><LF>", "#!/bin/sh\r\n");
  l.Script("script_missing_interp", "interpreter does not exist", "#!/nonexistent/interp\n");
  l.Script("script_relative_missing_interp", "relative interpreter that does not exist", "#!no-such-interp-xyz\n");
  l.Script("script_interp_directory", "interpreter is a directory", "#!@D\n");
  l.Script("script_not_executable", "script without x permission", "#!@P\n", 0644);
  l.Add("script_interp_not_executable", "interpreter without x permission", [](Case&, const std::string& dir) {
    WriteFile(dir + "/interp", "#!" + g_print_argv + "\n", 0644);
    WriteFile(dir + "/prog", "#!" + dir + "/interp\n");
  }).compare_stdout = true;
  l.Add("script_interp_text", "interpreter is an executable text file without #!", [](Case&, const std::string& dir) {
    WriteFile(dir + "/interp", "just text\n");
    WriteFile(dir + "/prog", "#!" + dir + "/interp\n");
  }).compare_stdout = true;
  l.Add("script_interp_bad_elf", "interpreter is an ELF for aarch64", [](Case&, const std::string& dir) {
    auto e = Program();
    e.eh.e_machine = EM_AARCH64;
    WriteElf(dir + "/interp", e);
    WriteFile(dir + "/prog", "#!" + dir + "/interp\n");
  }).compare_stdout = true;
  l.Add("script_interp_elf", "interpreter is the valid static ELF", [](Case&, const std::string& dir) {
    WriteElf(dir + "/interp", Program());
    WriteFile(dir + "/prog", "#!" + dir + "/interp\n");
  });
  l.Add("script_interp_h3", "interpreter is an ELF the kernel dies of (p_filesz > p_memsz)", [](Case&, const std::string& dir) {
    auto e = Program();
    e.Load(1).p_memsz = 8;
    WriteElf(dir + "/interp", e);
    WriteFile(dir + "/prog", "#!" + dir + "/interp\n");
  });
  l.Script("script_self_loop", "the script is its own interpreter", "#!@D/prog\n");
  for (int depth : {5, 6}) {
    l.Add("script_nested_" + std::to_string(depth), std::to_string(depth) + " nested #! scripts, then an ELF",
          [depth](Case&, const std::string& dir) {
            for (int i = 1; i <= depth; ++i) {
              const std::string next = i == depth ? g_print_argv : dir + "/s" + std::to_string(i + 1);
              WriteFile(i == 1 ? dir + "/prog" : dir + "/s" + std::to_string(i), "#!" + next + " level" + std::to_string(i) + "\n");
            }
          }).compare_stdout = true;
  }
  {
    Case& c = l.Add("script_on_noexec", "script on a noexec mount", [](Case& c, const std::string&) {
      c.path = g_noexec + "/" + c.name;
      WriteFile(c.path, "#!" + g_print_argv + "\n");
    });
    c.needs_noexec = true;
  }
  return l.cases;
}

std::vector<Case>& AllCases() {
  static std::vector<Case> cases = BuildCases();
  return cases;
}

// Whether a read lease can be taken on a file of ours in `dir` (how ulexec finds writers).
bool LeasesWork(const std::string& dir) {
  const std::string probe = dir + "/lease-probe";
  WriteFile(probe, "x", 0644);
  const int fd = open(probe.c_str(), O_RDONLY | O_CLOEXEC);
  const bool ok = fd >= 0 && fcntl(fd, F_SETLEASE, F_RDLCK) == 0;
  if (ok) fcntl(fd, F_SETLEASE, F_UNLCK);
  if (fd >= 0) close(fd);
  unlink(probe.c_str());
  return ok;
}

void Prepare(Case& c) {
  if (c.prepared) return;
  c.prepared = true;
  const std::string dir = g_root + "/" + c.name;
  mkdir(dir.c_str(), 0755);
  c.path = dir + "/prog";
  if (c.needs_noexec && g_noexec.empty()) {
    c.prepare_error = g_noexec_why;
    return;
  }
  if (c.needs_lease && !LeasesWork(dir)) {
    c.prepare_error = "no file leases here (not the owner, no CAP_LEASE, or not supported): ulexec cannot see writers";
    return;
  }
  try {
    c.make(c, dir);
  } catch (const std::exception& e) {
    c.prepare_error = e.what();
  }
}

// ---------------------------------------------------------------------------------------------
// Running

struct Outcome {
  enum Kind { kNone, kErrno, kExit, kSignal, kTimeout } kind = kNone;
  int value = 0;
  std::string out, err;
};

std::string ErrnoName(int e) {
  const char* n = strerrorname_np(e);
  return n ? n : "errno " + std::to_string(e);
}

// `command`: the outcome of the ulexec command (whose exit status may be its own 126/127).
std::string Describe(const Outcome& o, bool command = false) {
  switch (o.kind) {
    case Outcome::kErrno: return (command ? "cannot start ulexec: " : "execve fails: ") + ErrnoName(o.value);
    case Outcome::kExit: return (command ? "exit " : "runs: exit ") + std::to_string(o.value);
    case Outcome::kSignal: {
      const char* n = sigabbrev_np(o.value);
      return std::string("killed: SIG") + (n ? n : std::to_string(o.value).c_str());
    }
    case Outcome::kTimeout: return "timed out";
    default: return "not run";
  }
}

std::vector<char*> CStrings(const std::vector<std::string>& v) {
  std::vector<char*> p;
  for (const auto& s : v) p.push_back(const_cast<char*>(s.c_str()));
  p.push_back(nullptr);
  return p;
}

void ApplyLimits(rlim_t stack, rlim_t as) {
  if (stack) {
    rlimit r{stack, stack};
    getrlimit(RLIMIT_STACK, &r);
    r.rlim_cur = stack;
    setrlimit(RLIMIT_STACK, &r);
  }
  if (as) {
    rlimit r;
    getrlimit(RLIMIT_AS, &r);
    r.rlim_cur = as;
    setrlimit(RLIMIT_AS, &r);
  }
}

// Runs execve(file, argv, kEnv) in a forked child with the case's limits; collects its output.
// `child` runs in the child before the execve (nullptr: none).
Outcome Spawn(const std::string& file, const std::vector<std::string>& argv, const Case& c,
              const std::function<void()>& child = {}) {
  int out[2], err[2], rep[2];
  if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(rep, O_CLOEXEC)) std::abort();
  auto av = CStrings(argv);
  auto ev = CStrings(kEnv);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    ApplyLimits(c.stack_limit, c.as_limit);
    alarm(20);
    if (child) child();
    execve(file.c_str(), av.data(), ev.data());
    const int e = errno;
    (void)!write(rep[1], &e, sizeof e);
    _exit(255);
  }
  close(out[1]);
  close(err[1]);
  close(rep[1]);
  Outcome o;
  std::string report;
  pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {rep[0], POLLIN, 0}};
  std::string* sinks[3] = {&o.out, &o.err, &report};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int open_pipes = 3;
  bool timed_out = false;
  while (open_pipes > 0) {
    const int n = poll(fds, 3, 100);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 3; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      const ssize_t r = read(fds[i].fd, buf, sizeof buf);
      if (r > 0) {
        sinks[i]->append(buf, static_cast<size_t>(r));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_pipes;
      }
    }
    if (std::chrono::steady_clock::now() > deadline) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    o.kind = Outcome::kTimeout;
  } else if (report.size() == sizeof(int)) {
    o.kind = Outcome::kErrno;
    memcpy(&o.value, report.data(), sizeof(int));
  } else if (WIFEXITED(status)) {
    o.kind = Outcome::kExit;
    o.value = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    o.kind = WTERMSIG(status) == SIGALRM ? Outcome::kTimeout : Outcome::kSignal;
    o.value = WTERMSIG(status);
  }
  return o;
}

std::vector<std::string> ProgramArgv(const Case& c) {
  std::vector<std::string> argv{c.path};
  argv.insert(argv.end(), c.args.begin(), c.args.end());
  return argv;
}

Outcome RunKernel(const Case& c) { return Spawn(c.path, ProgramArgv(c), c); }

Outcome RunCommand(const Case& c) {
  std::vector<std::string> argv{g_ulexec};
  const auto rest = ProgramArgv(c);
  argv.insert(argv.end(), rest.begin(), rest.end());
  return Spawn(g_ulexec, argv, c);
}

// Errors whose strerror text says all there is: the detail may be left out.
bool DetailOptional(int e) { return e == ENOENT || e == ENOTDIR || e == ENAMETOOLONG || e == ELOOP; }

// Checks ulexec's one error line. `expected` is the errno, or 0 for "any errno (spec H3)".
std::string CheckErrorLine(const Case& c, const std::string& err, int expected) {
  if (err.empty() || err.back() != '\n' || err.find('\n') != err.size() - 1) {
    return "stderr is not exactly one line: \"" + err + "\"";
  }
  const std::string line = err.substr(0, err.size() - 1);
  const std::string head = "ulexec: " + c.path + ": ";
  if (line.compare(0, head.size(), head) != 0) return "the error line does not start with \"" + head + "\"";
  const std::string rest = line.substr(head.size());
  int code = expected;
  if (code == 0) {
    for (int e = 1; e < 134; ++e) {
      const std::string m = strerror(e);
      if (rest.compare(0, m.size(), m) == 0 && (rest.size() == m.size() || rest[m.size()] == ' ')) code = e;
    }
    if (code == 0) return "the error line names no errno: \"" + line + "\"";
  }
  const std::string message = strerror(code);
  if (rest.compare(0, message.size(), message) != 0) return "expected \"" + message + "\" in \"" + line + "\"";
  const std::string detail = rest.substr(message.size());
  if (detail.empty()) {
    if (expected == 0 || !DetailOptional(code)) return "the error line has no (detail): \"" + line + "\"";
    return "";
  }
  if (detail.size() < 4 || detail.compare(0, 2, " (") != 0 || detail.back() != ')') {
    return "malformed detail in \"" + line + "\"";
  }
  return "";
}

// "" when the ulexec command did what the kernel's outcome asks (see the top of the file).
std::string JudgeCommand(const Case& c, const Outcome& k, const Outcome& u) {
  if (u.kind == Outcome::kErrno) return "ulexec itself could not be started: " + ErrnoName(u.value);
  if (u.kind == Outcome::kSignal) return "ulexec died of a signal";
  if (u.kind == Outcome::kTimeout) return "ulexec timed out";
  switch (k.kind) {
    case Outcome::kExit:
      if (u.value != k.value) return "the kernel ran it, ulexec exited " + std::to_string(u.value) + " (" + u.err + ")";
      if (u.err != k.err) return "stderr differs: kernel \"" + k.err + "\", ulexec \"" + u.err + "\"";
      if (u.out != k.out) return "stdout differs:\n--- kernel\n" + k.out + "--- ulexec\n" + u.out;
      return "";
    case Outcome::kErrno: {
      const int want = k.value == ENOENT ? 127 : 126;
      if (u.value != want) return "exit status " + std::to_string(u.value) + ", expected " + std::to_string(want);
      if (!u.out.empty()) return "unexpected stdout: " + u.out;
      return CheckErrorLine(c, u.err, k.value);
    }
    case Outcome::kSignal:
      if (u.value != 126) return "the kernel killed it; ulexec exited " + std::to_string(u.value) + ", expected 126";
      if (!u.out.empty()) return "unexpected stdout: " + u.out;
      return CheckErrorLine(c, u.err, 0);
    default:
      return "the kernel's outcome is unusable: " + Describe(k);
  }
}

// --- In-process runs.

struct LibraryResult {
  bool returned = false;  // ExecPath returned (else: see `child`)
  int rc = 0;
  std::string text;
  Outcome child;  // what became of the child that called ExecPath, if it did not return
};

struct Argv {
  std::vector<std::string> argv;
  std::vector<char*> av, ev;
  explicit Argv(const Case& c) : argv(ProgramArgv(c)), av(CStrings(argv)), ev(CStrings(kEnv)) {}
};

int CallLibrary(const Case& c, const Argv& a, ulexec_error* error) {
  ulexec::Options options;  // the defaults: read /proc/self/auxv, scan the whole process state
  return ulexec::ExecPath(c.path.c_str(), a.av.data(), a.ev.data(), options, error);
}

// RLIMIT_AS for an in-process run: this process's size plus 256 MiB (the 1 GiB bss cannot fit).
rlim_t InProcessAsLimit() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmSize:", 0) == 0) return (std::stoull(line.substr(7)) << 10) + (256 << 20);
  }
  return 0;
}

// ExecPath in a forked child first: what it does there decides whether it is safe here.
LibraryResult LibraryInChild(const Case& c) {
  const Argv a(c);
  const rlim_t as = c.as_limit ? InProcessAsLimit() : 0;
  int rep[2];
  if (pipe2(rep, O_CLOEXEC)) std::abort();
  const pid_t pid = fork();
  if (pid == 0) {
    ApplyLimits(c.stack_limit, as);
    alarm(20);
    ulexec_error error{};
    const int rc = CallLibrary(c, a, &error);
    (void)!write(rep[1], &rc, sizeof rc);
    (void)!write(rep[1], error.text, strnlen(error.text, sizeof error.text));
    _exit(0);
  }
  close(rep[1]);
  std::string report;
  char buf[512];
  for (ssize_t n; (n = read(rep[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    report.append(buf, static_cast<size_t>(n));
  }
  close(rep[0]);
  int status;
  waitpid(pid, &status, 0);
  LibraryResult r;
  if (report.size() >= sizeof(int)) {
    r.returned = true;
    memcpy(&r.rc, report.data(), sizeof(int));
    r.text = report.substr(sizeof(int));
  } else if (WIFEXITED(status)) {
    r.child.kind = Outcome::kExit;
    r.child.value = WEXITSTATUS(status);
  } else {
    r.child.kind = Outcome::kSignal;
    r.child.value = WTERMSIG(status);
  }
  return r;
}

// What must be the same before and after a failed ExecPath. Filled without allocating (the heap
// growing would show in the maps).
struct Snapshot {
  char maps[1 << 18];
  size_t maps_len;
  char fds[1 << 14];
  size_t fds_len;
  struct sigaction usr1;
  sigset_t mask;
  char comm[17];
  int personality, dumpable;
  char cwd[512];
};
Snapshot g_before, g_after;

size_t ReadProc(const char* path, char* buf, size_t cap) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t len = 0;
  for (ssize_t n; len < cap && (n = read(fd, buf + len, cap - len)) > 0;) len += static_cast<size_t>(n);
  close(fd);
  return len;
}

void Take(Snapshot* s) {
  s->maps_len = ReadProc("/proc/self/maps", s->maps, sizeof s->maps);
  s->fds_len = 0;
  const int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  alignas(8) char dents[8192];
  for (long n; dir >= 0 && (n = syscall(SYS_getdents64, dir, dents, sizeof dents)) > 0;) {
    for (long at = 0; at < n;) {
      const char* d = dents + at;
      at += *reinterpret_cast<const unsigned short*>(d + 16);
      const char* name = d + 19;
      if (name[0] == '.' || atoi(name) == dir) continue;
      char link[64], target[512];
      snprintf(link, sizeof link, "/proc/self/fd/%s", name);
      const ssize_t tn = readlink(link, target, sizeof target - 1);
      target[tn > 0 ? tn : 0] = '\0';
      const int flags = fcntl(atoi(name), F_GETFD);
      const int fl = fcntl(atoi(name), F_GETFL);
      s->fds_len += static_cast<size_t>(snprintf(s->fds + s->fds_len, sizeof s->fds - s->fds_len,
                                                 "%s -> %s fd-flags %d fl %#x\n", name, target, flags, fl));
    }
  }
  if (dir >= 0) close(dir);
  sigaction(SIGUSR1, nullptr, &s->usr1);
  sigprocmask(SIG_BLOCK, nullptr, &s->mask);
  memset(s->comm, 0, sizeof s->comm);
  prctl(PR_GET_NAME, s->comm);
  s->personality = personality(0xffffffff);
  s->dumpable = prctl(PR_GET_DUMPABLE);
  if (!getcwd(s->cwd, sizeof s->cwd)) s->cwd[0] = '\0';
}

std::string Differences(const Snapshot& a, const Snapshot& b) {
  std::string d;
  if (std::string_view(a.maps, a.maps_len) != std::string_view(b.maps, b.maps_len)) {
    d += "/proc/self/maps changed:\n--- before\n" + std::string(a.maps, a.maps_len) + "--- after\n" +
         std::string(b.maps, b.maps_len);
  }
  if (std::string_view(a.fds, a.fds_len) != std::string_view(b.fds, b.fds_len)) {
    d += "descriptors changed:\n--- before\n" + std::string(a.fds, a.fds_len) + "--- after\n" + std::string(b.fds, b.fds_len);
  }
  if (a.usr1.sa_handler != b.usr1.sa_handler || a.usr1.sa_flags != b.usr1.sa_flags ||
      memcmp(&a.usr1.sa_mask, &b.usr1.sa_mask, 8) != 0) {  // the kernel's 64 signals; glibc fills no more
    char buf[256];
    snprintf(buf, sizeof buf, "the SIGUSR1 handler changed: %p/%#x -> %p/%#x\n", (void*)a.usr1.sa_handler,
             a.usr1.sa_flags, (void*)b.usr1.sa_handler, b.usr1.sa_flags);
    d += buf;
  }
  if (memcmp(&a.mask, &b.mask, 8) != 0) d += "the signal mask changed\n";
  if (memcmp(a.comm, b.comm, sizeof a.comm) != 0) d += std::string("comm changed: ") + a.comm + " -> " + b.comm + "\n";
  if (a.personality != b.personality) d += "the personality changed\n";
  if (a.dumpable != b.dumpable) d += "dumpable changed\n";
  if (strcmp(a.cwd, b.cwd) != 0) d += "the working directory changed\n";
  return d;
}

volatile sig_atomic_t g_usr1_count = 0;
void OnUsr1(int) { g_usr1_count = g_usr1_count + 1; }

struct InProcessResult {
  int rc = 0;
  std::string text, differences;
  bool handler_works = false;
};

InProcessResult LibraryInProcess(const Case& c) {
  const Argv a(c);
  const rlim_t as = c.as_limit ? InProcessAsLimit() : 0;
  rlimit old_stack, old_as;
  getrlimit(RLIMIT_STACK, &old_stack);
  getrlimit(RLIMIT_AS, &old_as);
  ApplyLimits(c.stack_limit, as);
  ulexec_error error{};
  Take(&g_before);
  const int rc = CallLibrary(c, a, &error);
  Take(&g_after);
  setrlimit(RLIMIT_STACK, &old_stack);
  setrlimit(RLIMIT_AS, &old_as);
  InProcessResult r;
  r.rc = rc;
  r.text = error.text;
  r.differences = Differences(g_before, g_after);
  const int before = g_usr1_count;
  raise(SIGUSR1);
  r.handler_works = g_usr1_count == before + 1;
  return r;
}

// --- Results, computed once a case.

struct Results {
  Outcome kernel, command;
  bool library_run = false;  // the in-process part applies
  LibraryResult child;
  std::optional<InProcessResult> in_process;
};
std::map<size_t, Results> g_results;

Results& KernelAndCommand(size_t i) {
  auto [it, fresh] = g_results.try_emplace(i);
  if (fresh) {
    Case& c = AllCases()[i];
    Prepare(c);
    if (c.prepare_error.empty()) {
      it->second.kernel = RunKernel(c);
      if (c.command) it->second.command = RunCommand(c);
    }
  }
  return it->second;
}

bool CommandRefused(const Outcome& u);
// The kernel runs it, and ulexec refuses it for the case's documented limitation.
bool Limited(const Case& c, const Results& r) {
  return !c.limitation.empty() && r.kernel.kind == Outcome::kExit && CommandRefused(r.command) &&
         r.command.err.find(std::string(": ") + strerror(c.limitation_errno)) != std::string::npos;
}

bool CommandRefused(const Outcome& u) { return u.kind == Outcome::kExit && (u.value == 126 || u.value == 127) && !u.err.empty(); }

// The in-process part applies to every case the kernel or ulexec refuses (or the kernel killed).
bool LibraryApplies(const Case& c, const Results& r) {
  if (r.kernel.kind == Outcome::kErrno || r.kernel.kind == Outcome::kSignal) return true;
  return c.command && CommandRefused(r.command);
}

class Corpus : public ::testing::TestWithParam<size_t> {};

TEST_P(Corpus, CommandMatchesKernel) {
  const Case& c = AllCases()[GetParam()];
  Results& r = KernelAndCommand(GetParam());
  if (!c.prepare_error.empty()) GTEST_SKIP() << c.prepare_error;
  if (!c.command) GTEST_SKIP() << "the kernel cannot start the ulexec command with this argv; see the library test";
  ASSERT_NE(r.kernel.kind, Outcome::kTimeout) << "the real execve did not finish";
  if (Limited(c, r)) GTEST_SKIP() << "a limitation of a userland exec: " << c.limitation;
  const std::string why = JudgeCommand(c, r.kernel, r.command);
  EXPECT_EQ(why, "") << c.name << " (" << c.what << ")\n"
                     << (c.known.empty() ? "" : "  known difference: " + c.known + "\n") << "  kernel: " << Describe(r.kernel) << "\n  ulexec: "
                     << Describe(r.command, true) << "\n  ulexec stderr: " << r.command.err;
}

TEST_P(Corpus, LibraryRefusesAndLeavesProcessIntact) {
  const Case& c = AllCases()[GetParam()];
  Results& r = KernelAndCommand(GetParam());
  if (!c.prepare_error.empty()) GTEST_SKIP() << c.prepare_error;
  if (!LibraryApplies(c, r)) GTEST_SKIP() << "the kernel and ulexec run it: not run in-process";
  r.library_run = true;
  r.child = LibraryInChild(c);
  ASSERT_TRUE(r.child.returned) << c.name << ": ulexec::ExecPath did not return in a child ("
                                << Describe(r.child.child) << "; kernel: " << Describe(r.kernel)
                                << "); not run in this process";
  if (r.kernel.kind == Outcome::kErrno) {
    EXPECT_EQ(r.child.rc, -r.kernel.value) << c.name << ": kernel " << ErrnoName(r.kernel.value) << ", library "
                                           << ErrnoName(-r.child.rc) << " (" << r.child.text << ")";
  } else {
    EXPECT_LT(r.child.rc, 0) << c.name << ": " << r.child.text << (c.known.empty() ? "" : "\n  known difference: " + c.known);
  }
  if (!(r.kernel.kind == Outcome::kErrno && DetailOptional(r.kernel.value))) {
    EXPECT_NE(r.child.text, "") << c.name << ": no message with " << ErrnoName(-r.child.rc);
  }
  r.in_process = LibraryInProcess(c);
  EXPECT_EQ(r.in_process->rc, r.child.rc) << c.name << ": " << r.in_process->text;
  EXPECT_EQ(r.in_process->text, r.child.text);
  EXPECT_EQ(r.in_process->differences, "") << c.name;
  EXPECT_TRUE(r.in_process->handler_works) << c.name << ": the SIGUSR1 handler no longer runs";
}

INSTANTIATE_TEST_SUITE_P(Cases, Corpus, ::testing::Range(size_t{0}, AllCases().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) { return AllCases()[info.param].name; });

TEST(CorpusSize, AtLeastSixtyDistinctCases) {
  EXPECT_GE(AllCases().size(), 60u);
  std::map<std::string, int> names;
  for (const auto& c : AllCases()) EXPECT_EQ(++names[c.name], 1) << c.name;
}

// ---------------------------------------------------------------------------------------------
// The table (ULEXEC_CORPUS_TABLE=FILE).

std::string Cell(std::string s) {
  for (size_t at; (at = s.find(g_root)) != std::string::npos;) s.replace(at, g_root.size(), "$T");
  for (size_t at; (at = s.find(g_print_argv)) != std::string::npos;) s.replace(at, g_print_argv.size(), "print-argv");
  for (size_t at = 0; (at = s.find_first_of("|\n", at)) != std::string::npos;) {
    s.replace(at, 1, s[at] == '|' ? "\\|" : " ");
    at += 2;
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string Shorten(std::string s) {
  // Collapse runs of "./" and of one character longer than 12 ("aaaa...") so that the table stays
  // readable.
  for (size_t at; (at = s.find("././././")) != std::string::npos;) {
    size_t end = at;
    while (s.compare(end, 2, "./") == 0) end += 2;
    s.replace(at, end - at, "./…(" + std::to_string((end - at) / 2) + "×)/");
  }
  std::string out;
  for (size_t i = 0; i < s.size();) {
    size_t j = i;
    while (j < s.size() && s[j] == s[i]) ++j;
    if (j - i > 12) out += std::string(3, s[i]) + "…(" + std::to_string(j - i) + ")";
    else out.append(s, i, j - i);
    i = j;
  }
  return out;
}

void WriteTable(const std::string& file) {
  std::ofstream t(file);
  utsname u{};
  uname(&u);
  size_t runs = 0, refused = 0, killed = 0;
  for (size_t i = 0; i < AllCases().size(); ++i) {
    const Outcome& k = KernelAndCommand(i).kernel;
    runs += k.kind == Outcome::kExit;
    refused += k.kind == Outcome::kErrno;
    killed += k.kind == Outcome::kSignal;
  }
  t << "# The malformed-ELF corpus: what ulexec validates and how it fails\n\n"
    << "Generated by `tests/corpus/corpus-test` (`ULEXEC_CORPUS_TABLE=FILE`; see corpus-test.cc) on " << u.sysname
    << " " << u.release << " " << u.machine << ", as " << (geteuid() == 0 ? "root" : "an unprivileged user")
    << ". Each case is generated from a small valid image (a static ELF whose entry does exit_group(42), an "
       "interpreter that exits 43, #! scripts whose interpreter prints its argv). The kernel column is a real "
       "execve of the file on this machine: the oracle. " << AllCases().size() << " cases: the kernel runs " << runs
    << ", refuses " << refused << " with an errno, and kills " << killed
    << " after its point of no return (spec H3), which ulexec refuses before changing anything.\n\n"
    << "- **ulexec**: the `ulexec` command: the program's exit status when it runs, else 126 or 127 (ENOENT) and "
       "one line on stderr, shown in the next column (`$T` is the corpus directory, `print-argv` the #! "
       "interpreter). For #! cases that run, the interpreter's argv is compared byte for byte with the kernel's.\n"
    << "- **ExecPath in-process**: `ulexec::ExecPath` called in the test process itself for every case the "
       "kernel or ulexec refuses: the errno it returns, and whether the process was left intact "
       "(/proc/self/maps, descriptors, a SIGUSR1 handler, the signal mask, comm, personality, dumpable, cwd).\n"
    << "- **DIFFERS** marks a disagreement with the kernel; see the known differences below the table.\n\n";
  t << "| # | case | file | kernel (execve, as " << (geteuid() == 0 ? "root" : "this user") << ") | ulexec | ulexec's message | ExecPath in-process |\n";
  t << "|---|---|---|---|---|---|---|\n";
  for (size_t i = 0; i < AllCases().size(); ++i) {
    const Case& c = AllCases()[i];
    Results& r = KernelAndCommand(i);
    std::string ulexec, message, library;
    if (!c.prepare_error.empty()) {
      ulexec = "skipped: " + c.prepare_error;
    } else {
      if (!c.command) {
        ulexec = "(command not startable)";
      } else if (r.command.kind == Outcome::kExit && !CommandRefused(r.command)) {
        ulexec = "runs: exit " + std::to_string(r.command.value);
        if (c.compare_stdout && r.command.out == r.kernel.out) message = "same argv as the kernel";
      } else if (r.command.kind == Outcome::kExit) {
        ulexec = "refuses: " + std::to_string(r.command.value);
        message = Shorten(r.command.err);
      } else {
        ulexec = Describe(r.command, true);
      }
      if (r.library_run) {
        library = r.child.returned ? ErrnoName(-r.child.rc) : "did not return: " + Describe(r.child.child);
        if (r.in_process) library += r.in_process->differences.empty() ? ", intact" : ", CHANGED";
        if (!c.command) library += " (" + Shorten(r.child.text) + ")";
      } else if (LibraryApplies(c, r)) {
        library = "(not run)";
      } else {
        library = "—";
      }
    }
    if (Limited(c, r)) {
      ulexec += " (limitation: " + c.limitation + ")";
    } else if (JudgeCommand(c, r.kernel, r.command) != "" && c.command && c.prepare_error.empty()) {
      ulexec += " **DIFFERS**";
    }
    t << "| " << i + 1 << " | `" << c.name << "` | " << Cell(c.what) << " | " << Describe(r.kernel) << " | " << Cell(ulexec)
      << " | " << (message.empty() ? "" : "`" + Cell(message) + "`") << " | " << Cell(library) << " |\n";
  }
  bool any = false;
  for (const Case& c : AllCases()) {
    if (c.known.empty()) continue;
    if (!any) t << "\nKnown differences (the fix is outside the loader's checking stages):\n\n";
    any = true;
    t << "- `" << c.name << "`: " << c.known << "\n";
  }
}

// ---------------------------------------------------------------------------------------------
// Setup

// Grows the stack now, so that no later call grows it between two snapshots of the maps.
__attribute__((noinline)) void GrowStack() {
  volatile char buf[1 << 21];
  for (size_t i = 0; i < sizeof buf; i += 4096) buf[i] = 0;
}

// A noexec tmpfs in a private mount namespace (this process's and its children's only).
void MountNoexec() {
  if (unshare(CLONE_NEWNS) != 0) {
    g_noexec_why = std::string("cannot unshare the mount namespace: ") + strerror(errno);
    return;
  }
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    g_noexec_why = std::string("cannot make / private: ") + strerror(errno);
    return;
  }
  const std::string dir = g_root + "/noexec-mount";
  mkdir(dir.c_str(), 0755);
  if (mount("corpus-noexec", dir.c_str(), "tmpfs", MS_NOEXEC, "size=16m") != 0) {
    g_noexec_why = std::string("cannot mount a noexec tmpfs: ") + strerror(errno);
    return;
  }
  g_noexec = dir;
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 3) {
    fprintf(stderr, "usage: %s [gtest options] ULEXEC PRINT_ARGV\n", argv[0]);
    return 2;
  }
  g_ulexec = std::filesystem::absolute(argv[1]);
  g_print_argv = std::filesystem::absolute(argv[2]);
  GrowStack();
  const char* tmp = getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/ulexec-corpus-XXXXXX";
  if (!mkdtemp(templ.data())) {
    perror("mkdtemp");
    return 2;
  }
  g_root = templ;
  MountNoexec();
  struct sigaction sa {};
  sa.sa_handler = OnUsr1;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, nullptr);

  const int rc = RUN_ALL_TESTS();
  if (const char* table = getenv("ULEXEC_CORPUS_TABLE")) WriteTable(table);

  for (auto& c : AllCases()) {
    if (c.write_fd >= 0) close(c.write_fd);
  }
  if (!g_noexec.empty()) umount2(g_noexec.c_str(), MNT_DETACH);
  std::error_code ec;
  std::filesystem::remove_all(g_root, ec);
  return rc;
}
