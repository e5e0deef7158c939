// The adapter between the loader and the explain view: it runs the loader's own file stages
// (program-file, script, image-plan, layout) and a real exec cancelled by Options::before_entry,
// and copies what they computed into explain's view. No other explain file includes the loader.
#include "plan-adapter.h"

#include "image-plan.h"
#include "layout.h"
#include "program-file.h"
#include "script.h"

#include <crt/errno-names.h>
#include <ulexec/arch/constants.h>
#include <ulexec/ulexec.h>

#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace explain {
namespace {

using ulexec::ProgramFile;
using ulexec::Role;

// execvp's search, as the ulexec command does it (loader/main.cc): the first PATH entry holding
// an executable regular file; EACCES when one was found but is not executable.
bool SearchPath(const std::string& name, std::string* found, int* err) {
  const char* env = getenv("PATH");
  std::string_view path = env ? env : "/bin:/usr/bin";
  *err = ENOENT;
  for (;;) {
    const size_t colon = path.find(':');
    std::string dir(path.substr(0, colon));
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + name;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      if (faccessat(AT_FDCWD, candidate.c_str(), X_OK, AT_EACCESS) == 0) return *found = candidate, true;
      *err = EACCES;
    }
    if (colon == std::string_view::npos) return false;
    path.remove_prefix(colon + 1);
  }
}

struct Failure {
  int code = 0;
  std::string text;
};

// The checks of the file chain, in the order the loader makes them (spec D1, D3, D4, F1-F8, H3).
// Each one runs the loader's function; the first that fails ends the walk.
class ChainWalk {
 public:
  explicit ChainWalk(FileView* file) : file_(file) {}

  // Returns false at the first failing check, with the failure in *failure.
  bool Run(int fd, std::string path, Failure* failure) {
    subject_ = path;
    for (int depth = 0;; ++depth) {
      if (!Step("open and read the head: a regular file with execute permission (spec D1)",
                ulexec::ReadHead(fd, program_.get(), error_), failure)) return false;
      if (!ulexec::IsScript(*program_)) break;
      ulexec::Shebang line;
      const std::span<const std::byte> head(program_->head, program_->head_len);
      if (!Step("#! line names an interpreter (spec F1-F5)", ulexec::ParseShebang(head, &line, error_), failure)) {
        return false;
      }
      file_->scripts.push_back({path, line.interpreter,
                                line.argument ? std::optional<std::string>(line.argument) : std::nullopt});
      if (depth == ulexec::kMaxScriptDepth) return Fail("#! nesting depth (spec F8)", ELOOP, "too deep", failure);
      path = line.interpreter;
      subject_ = path;
      close(fd);
      if (!Step("open the #! interpreter (spec F5)", ulexec::OpenForExec(AT_FDCWD, path.c_str(), &fd, error_),
                failure)) return false;
    }
    file_->elf_path = path;
    file_->size = program_->size;
    if (!Step("ELF header and program headers (spec D3, D4)",
              ulexec::LoadHeaders(program_.get(), Role::kProgram, error_), failure)) return false;
    if (program_->elf.interp) {
      char interp_path[ulexec::kMaxInterpSize + 1];
      if (!Step("PT_INTERP path (spec D4)", ulexec::ReadInterpPath(*program_, interp_path, error_), failure)) {
        return false;
      }
      interp_path_ = interp_path;
      subject_ = interp_path;
      int ifd;
      if (!Step("open the interpreter (spec D4)", ulexec::OpenForExec(AT_FDCWD, interp_path, &ifd, error_),
                failure)) return false;
      const bool ok = ulexec::ReadHead(ifd, interp_.get(), error_) &&
                      ulexec::LoadHeaders(interp_.get(), Role::kInterpreter, error_);
      close(ifd);
      if (!Step("interpreter's ELF header and program headers (spec D4)", ok, failure)) return false;
      if (!Step("interpreter's segments and entry point (spec H3)",
                ulexec::CheckImage(*interp_, Role::kInterpreter, error_), failure)) return false;
      subject_ = path;
    }
    return Step("segments and entry point (spec H3)", ulexec::CheckImage(*program_, Role::kProgram, error_),
                failure);
  }

  const ProgramFile& program() const { return *program_; }
  const ProgramFile* interp() const { return interp_path_.empty() ? nullptr : interp_.get(); }
  const std::string& interp_path() const { return interp_path_; }

 private:
  bool Step(const char* name, bool ok, Failure* failure) {
    file_->checks.push_back({name, subject_, ok});
    if (!ok) *failure = {error_.code, error_.text};
    return ok;
  }
  bool Fail(const char* name, int code, const char* text, Failure* failure) {
    file_->checks.push_back({name, subject_, false});
    *failure = {code, text};
    return false;
  }

  FileView* file_;
  ulexec::Error error_;
  std::unique_ptr<ProgramFile> program_ = std::make_unique<ProgramFile>();
  std::unique_ptr<ProgramFile> interp_ = std::make_unique<ProgramFile>();
  std::string interp_path_;
  std::string subject_;  // the file being checked
};

// What Options::before_entry saw, copied out before the loader undoes everything.
struct Seen {
  bool called = false;
  ulexec::EntryView view{};
  std::string path, execfn, interpreter;
  std::vector<std::byte> stack;
};

bool Capture(const ulexec::EntryView& view, void* context) {
  auto* seen = static_cast<Seen*>(context);
  seen->called = true;
  seen->view = view;
  seen->path = view.path;
  seen->execfn = view.execfn;
  if (view.interpreter) seen->interpreter = view.interpreter;
  const auto* bytes = static_cast<const std::byte*>(view.stack);
  seen->stack.assign(bytes, bytes + view.stack_size);
  return false;  // cancel: the loader unmaps and restores everything
}

std::string ProtText(int prot) {
  return {prot & PROT_READ ? 'r' : '-', prot & PROT_WRITE ? 'w' : '-', prot & PROT_EXEC ? 'x' : '-'};
}

// The placement rule the loader applied (spec C3-C6), in words.
std::string BiasRule(const ulexec::ElfFile& elf, bool interpreter, bool has_interp, uint64_t bias) {
  if (!elf.is_dyn()) return "ET_EXEC: at its link addresses (spec C3)";
  std::string huge;
  if (elf.span_end - elf.span_start >= ulexec::kHugePageSize && bias % ulexec::kHugePageSize == 0) {
    huge = ", 2 MiB aligned as thp_get_unmapped_area does";
  }
  if (interpreter) return "interpreter: top-down from mmap_base (spec C6)" + huge;
  if (has_interp) return "PIE: ELF_ET_DYN_BASE + a random offset, aligned to p_align (spec C4)";
  return "static-pie: top-down from mmap_base, aligned to p_align (spec C5)" + huge;
}

ImageView DescribeImage(const char* role, const std::string& path, const ulexec::ElfFile& elf, uint64_t bias,
                        bool has_interp, bool randomize) {
  ImageView image{role, path, elf.is_dyn() ? "ET_DYN" : "ET_EXEC", bias, "", elf.is_dyn() && randomize,
                  elf.ehdr.e_entry + bias, {}};
  image.bias_rule = BiasRule(elf, std::string_view(role) == "interpreter", has_interp, bias);
  for (unsigned i = 0; i < elf.phdrs.size(); ++i) {
    const Elf64_Phdr& ph = elf.phdrs[i];
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    const ulexec::SegmentPlan s = ulexec::PlanSegment(ph);
    image.segments.push_back({i, ph.p_offset, ph.p_filesz, ph.p_vaddr + bias, ph.p_memsz,
                              ProtText(s.file_start != s.file_end ? s.prot : s.anon_prot),
                              s.file_start + bias, s.file_end + bias, s.zero_start + bias, s.zero_end + bias,
                              s.anon_start + bias, s.anon_end + bias});
  }
  return image;
}

bool RandomizeBrk() {
  FILE* f = fopen("/proc/sys/kernel/randomize_va_space", "r");
  int v = 2;
  if (f) {
    if (fscanf(f, "%d", &v) != 1) v = 2;
    fclose(f);
  }
  return v == 2;
}

void FillPlan(const ChainWalk& walk, const Seen& seen, int fd_for_files, DryRun* run) {
  Explanation& plan = run->plan;
  plan.planned = true;
  plan.stack_top = seen.view.stack_top;
  // With ADDR_NO_RANDOMIZE the kernel puts [stack] right at TASK_SIZE (spec C12).
  const bool randomize = seen.view.stack_top != ulexec::arch::kStackTop;
  const bool has_interp = walk.interp() != nullptr;
  const std::string main_file = fd_for_files >= 0 ? "/proc/self/fd/" + std::to_string(fd_for_files) : seen.path;
  plan.images.push_back(DescribeImage("program", seen.path, walk.program().elf, seen.view.load_bias, has_interp,
                                      randomize));
  run->image_files.push_back(main_file);
  if (has_interp) {
    plan.images.push_back(DescribeImage("interpreter", seen.interpreter, walk.interp()->elf, seen.view.interp_base,
                                        false, randomize));
    run->image_files.push_back(seen.interpreter);
  }
  const ulexec::ElfFile& main = walk.program().elf;
  ulexec::AddressSpace space{randomize, randomize && RandomizeBrk(), 0, seen.view.stack_top};
  plan.brk = ulexec::StartBrk(main, ulexec::DescribeImage(main).brk + seen.view.load_bias, has_interp, space, 0);
  plan.brk_random = space.randomize_brk;
  plan.stack.top = seen.view.stack_top;
  plan.stack.sp = seen.view.sp;
  plan.stack.randomized = randomize;
  run->stack_low = seen.view.stack_top - seen.stack.size();
  run->stack_bytes = seen.stack;
  plan.entry.rip = seen.view.entry;
  plan.entry.rsp = seen.view.sp;
}

// Runs the loader up to its point of no return and cancels; returns its errno (0: it would run).
int DryExec(const Request& request, const std::string& path, const std::vector<std::byte>& image,
            Seen* seen, Failure* failure) {
  std::vector<const char*> argv;
  for (const std::string& a : request.argv) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  ulexec::Options options;
  options.before_entry = Capture;
  options.before_entry_context = seen;
  ulexec_error error{};
  const char* const* envp = request.envp;
  int rc;
  if (request.source == Request::Source::kStdin) {
    rc = ulexec::ExecMemory(image.data(), image.size(), argv.data(), envp, options, &error);
  } else if (request.source == Request::Source::kFd) {
    rc = ulexec::ExecFd(request.fd, argv.data(), envp, options, &error);
  } else {
    rc = ulexec::ExecPath(path.c_str(), argv.data(), envp, options, &error);
  }
  if (rc == -ECANCELED && seen->called) return 0;
  *failure = {-rc, error.text};
  return -rc;
}

// Reads all of standard input into a memfd (as the loader's ExecMemory does) and `image`.
int ReadStdin(std::vector<std::byte>* image) {
  char buf[65536];
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0) {
    image->insert(image->end(), reinterpret_cast<std::byte*>(buf), reinterpret_cast<std::byte*>(buf) + n);
  }
  const int fd = memfd_create("ulexec-explain-stdin", MFD_CLOEXEC);
  if (fd >= 0 && write(fd, image->data(), image->size()) != static_cast<ssize_t>(image->size())) return -1;
  return fd;
}

void Refuse(FileView* file, const Failure& failure) {
  file->error = failure.code;
  file->error_name = std::string(crt::ErrnoName(failure.code));
  file->error_text = std::string(crt::ErrnoMessage(failure.code));
  if (!failure.text.empty()) file->error_text += " (" + failure.text + ")";
}

}  // namespace

DryRun PlanOnly(const Request& request) {
  DryRun run;
  Explanation& plan = run.plan;
  plan.argv = request.argv;
  FileView& file = plan.file;
  file.given = request.program;
  std::string path = request.program;
  Failure failure;
  int fd = -1, file_fd = -1;
  std::vector<std::byte> image;
  if (request.source == Request::Source::kFd) {
    file.resolution = "descriptor";
    fd = file_fd = request.fd;
    path = "/dev/fd/" + std::to_string(fd);
  } else if (request.source == Request::Source::kStdin) {
    file.resolution = "standard input, copied into a memfd";
    fd = file_fd = ReadStdin(&image);
  } else if (request.path_search && path.find('/') == std::string::npos) {
    file.resolution = "PATH search";
    int err;
    if (!SearchPath(request.program, &path, &err)) {
      file.checks.push_back({"PATH search", request.program, false});
      return Refuse(&file, {err, "not found in PATH"}), run;
    }
  } else {
    file.resolution = "as given";
  }
  file.path = path;
  ulexec::Error error;
  if (fd < 0 && !ulexec::OpenForExec(AT_FDCWD, path.c_str(), &fd, error)) {
    file.checks.push_back({"open: the file exists and may be executed (spec D1)", path, false});
    return Refuse(&file, {error.code, error.text}), run;
  }
  ChainWalk walk(&file);
  // The walk closes what it opens; a descriptor of the caller's (or the memfd, read again for
  // disassembly) is walked as a copy.
  const bool checked = walk.Run(file_fd >= 0 ? dup(file_fd) : fd, path, &failure);
  Seen seen;
  // The loader's own verdict (errno and text) wins over the walk's.
  if (DryExec(request, path, image, &seen, &failure) != 0) {
    if (checked) file.checks.push_back({"argument space, placement and mapping (spec D2, C3-C12)", path, false});
    return Refuse(&file, failure), run;
  }
  file.elf_path = seen.path;
  const Elf64_Ehdr& eh = walk.program().elf.ehdr;
  file.elf_class = eh.e_ident[EI_CLASS] == ELFCLASS64 ? "ELF64" : "ELF32";
  file.machine = eh.e_machine == EM_X86_64 ? "x86-64" : std::to_string(eh.e_machine);
  file.type = eh.e_type == ET_DYN ? (walk.interp() ? "ET_DYN (PIE)" : "ET_DYN (static-pie)") : "ET_EXEC";
  file.header_entry = eh.e_entry;
  const bool main_is_fd = file.scripts.empty() && file_fd >= 0;
  FillPlan(walk, seen, main_is_fd ? file_fd : -1, &run);
  return run;
}

}  // namespace explain
