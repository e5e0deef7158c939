// The malformed-ELF corpus's shared pieces (corpus-test.cc runs the cases): the paths the cases
// use, the small valid images they start from, a case and the list the cases-*.cc files fill.
#pragma once

#include "support/elf-builder.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace corpus {

extern std::string g_ulexec;      // the ulexec command
extern std::string g_print_argv;  // the #! interpreter that prints its argv
extern std::string g_root;        // the temporary directory holding the corpus
extern std::string g_noexec;      // a tmpfs mounted noexec inside g_root, or empty
extern std::string g_noexec_why;  // why there is none
extern const std::vector<std::string> kEnv;

constexpr uint64_t kTaskSize = 0x7ffffffff000;
constexpr uint64_t kExecBase = 0x400000;
constexpr uint64_t kPhoff = 0x40;
constexpr uint64_t kCodeOff = 0x300;
constexpr uint64_t kTextSize = 0x400;
constexpr uint64_t kDataOff = 0x1000;
constexpr uint64_t kDataSize = 0x10;
constexpr uint64_t kBssSize = 0x2000;
constexpr int kProgramExit = 42;  // what a program that runs exits with
constexpr int kInterpExit = 43;   // what an interpreter that runs exits with

// ---------------------------------------------------------------------------------------------
// ELF images

using ulexec::test::ElfBuilder;
using ulexec::test::Phdr;

// A valid image: header and program headers at 0, code at kCodeOff in an R+X PT_LOAD, a data
// page (kDataSize bytes, R+W, optionally with a bss tail) at kDataOff, PT_GNU_STACK R+W.
ElfBuilder MakeElf(uint16_t type, uint64_t base, int exit_code, bool data = true, bool bss = true);
ElfBuilder Program();
ElfBuilder StaticPie();
ElfBuilder Interp();
// Adds a PT_INTERP (first in the table) naming `path`, `size` bytes long (default: path + NUL).
Elf64_Phdr& AddInterp(ElfBuilder& e, const std::string& path, std::optional<uint64_t> size = {});

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

void WriteFile(const std::string& path, const void* data, size_t size, mode_t mode = 0755);
void WriteFile(const std::string& path, const std::string& s, mode_t mode = 0755);
void WriteElf(const std::string& path, const ElfBuilder& e, mode_t mode = 0755);
// "@P" in a script becomes the print-argv path, "@D" the case's directory.
std::string Expand(std::string s, const std::string& dir);
// Throws (the case is then skipped with the reason) when the paths here are too long for it.
void Require(bool ok, const char* why);
// A path to `dir`/prog that is `length` bytes long, padded with "./" components.
std::string PaddedPath(const std::string& dir, const std::string& file, size_t length);
// The kernel's limit on argv+envp (spec D2).
uint64_t ArgLimit(rlim_t stack);
rlim_t CurrentStackLimit();
// Fills c.args so that the kernel's count for execve(c.path, [c.path, args], kEnv) is `total`.
void FillArgs(Case& c, uint64_t total);

using ElfFn = std::function<ElfBuilder()>;

// The image `base` builds, changed by `edit`: a case's one override, as in
// `Edit(Program, [](auto& e) { e.ehdr().e_phnum = 0; })`.
inline ElfFn Edit(ElfFn base, std::function<void(ElfBuilder&)> edit) {
  return [base = std::move(base), edit = std::move(edit)] {
    ElfBuilder e = base();
    edit(e);
    return e;
  };
}

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
  Case& WithInterp(std::string name, std::string what, ElfFn interp,
                   std::function<void(ElfBuilder&, const std::string&)> main = {}) {
    return Add(std::move(name), std::move(what), [interp, main](Case&, const std::string& dir) {
      WriteElf(dir + "/interp", interp());
      ElfBuilder e = Program();
      AddInterp(e, dir + "/interp");
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

// The case table, by topic, in this order.
void AddHeaderCases(CaseList& l);   // cases-header.cc
void AddSegmentCases(CaseList& l);  // cases-segments.cc
void AddInterpCases(CaseList& l);   // cases-interp.cc
void AddProgramCases(CaseList& l);  // cases-program.cc
void AddScriptCases(CaseList& l);   // cases-scripts.cc

// Every case, built once.
std::vector<Case>& AllCases();

}  // namespace corpus
