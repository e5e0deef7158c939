// The adapter between the loader and the explain view: the loader's dry run (PlanOnly: Resolve,
// Observe, Plan) copied into explain's view, the stack built from the plan by the loader's own
// BuildStack, and the file checks run one by one with the loader's functions so that the
// view can say which ran. No other explain file includes the loader.
#include "plan-adapter.h"

#include "exec.h"
#include "image-plan.h"
#include "program-file.h"
#include "restorer-entry.h"
#include "script.h"

#include <crt/errno-names.h>
#include <crt/names.h>
#include <crt/path-search.h>
#include <ulexec/arch/entry-frame.h>
#include <ulexec/ulexec.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <fmt/format.h>
#include <fcntl.h>
#include <memory>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace explain {
namespace {

using ulexec::ProgramFile;
using ulexec::Role;

struct Failure {
  int code = 0;
  std::string text;
};

// The checks of the file chain, in the order the loader makes them (spec D1, D3, D4, F1-F8, H3).
// Each one runs the loader's function; the first that fails ends the walk.
class ChainWalk {
 public:
  explicit ChainWalk(FileView* file) : file_(file) {}
  ~ChainWalk() {
    if (fd_ >= 0) close(fd_);
  }

  // From `path`, or from a copy of `source_fd` when it is not -1. Returns false at the first
  // failing check, with the failure in *failure.
  bool Run(int source_fd, std::string path, Failure* failure) {
    subject_ = path;
    fd_ = source_fd >= 0 ? dup(source_fd) : -1;
    if (fd_ < 0 && !Step("open: the file exists and may be executed (spec D1)",
                         ulexec::OpenForExec(AT_FDCWD, path.c_str(), &fd_, error_), failure))
      return false;
    for (int depth = 0;; ++depth) {
      if (!Step("read the head: a regular file with execute permission (spec D1)",
                ulexec::ReadHead(fd_, program_.get(), error_), failure))
        return false;
      if (!ulexec::IsScript(*program_)) break;
      ulexec::Shebang line;
      const std::span<const std::byte> head(program_->head, program_->head_len);
      if (!Step("#! line names an interpreter (spec F1-F5)", ulexec::ParseShebang(head, &line, error_), failure)) {
        return false;
      }
      file_->scripts.push_back(
          {path, line.interpreter, line.argument ? std::optional<std::string>(line.argument) : std::nullopt});
      if (depth == ulexec::kMaxScriptDepth) return Fail("#! nesting depth (spec F8)", ELOOP, "too deep", failure);
      path = line.interpreter;
      subject_ = path;
      close(fd_);
      fd_ = -1;
      if (!Step("open the #! interpreter (spec F5)", ulexec::OpenForExec(AT_FDCWD, path.c_str(), &fd_, error_),
                failure))
        return false;
    }
    if (!Step("ELF header and program headers (spec D3, D4)",
              ulexec::LoadHeaders(program_.get(), Role::kProgram, error_), failure))
      return false;
    if (program_->elf.interp) {
      char interp_path[ulexec::kMaxInterpSize + 1];
      if (!Step("PT_INTERP path (spec D4)", ulexec::ReadInterpPath(*program_, interp_path, error_), failure)) {
        return false;
      }
      subject_ = interp_path;
      int ifd;
      if (!Step("open the interpreter (spec D4)", ulexec::OpenForExec(AT_FDCWD, interp_path, &ifd, error_), failure))
        return false;
      const bool ok = ulexec::ReadHead(ifd, interp_.get(), error_) &&
                      ulexec::LoadHeaders(interp_.get(), Role::kInterpreter, error_);
      close(ifd);
      if (!Step("interpreter's ELF header and program headers (spec D4)", ok, failure)) return false;
      if (!Step("interpreter's segments and entry point (spec H3)",
                ulexec::CheckImage(*interp_, Role::kInterpreter, error_), failure))
        return false;
      subject_ = path;
    }
    return Step("segments and entry point (spec H3)", ulexec::CheckImage(*program_, Role::kProgram, error_), failure);
  }

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
  int fd_ = -1;
  ulexec::Error error_;
  std::unique_ptr<ProgramFile> program_ = std::make_unique<ProgramFile>();
  std::unique_ptr<ProgramFile> interp_ = std::make_unique<ProgramFile>();
  std::string subject_;  // the file being checked
};

std::string ProtText(int prot) {
  return {prot & PROT_READ ? 'r' : '-', prot & PROT_WRITE ? 'w' : '-', prot & PROT_EXEC ? 'x' : '-'};
}

// The placement rule the plan applied, with its docs/execve.md item.
std::string BiasRule(const ulexec::PlannedImage& image, bool interpreter) {
  const ulexec::BiasRule rule = image.place.rule;
  const bool legacy = rule == ulexec::BiasRule::kBottomUp || rule == ulexec::BiasRule::kBottomUpHuge;
  const char* item = rule == ulexec::BiasRule::kFixed     ? "C3"
                     : rule == ulexec::BiasRule::kPieBase ? "C4"
                     : interpreter                        ? (legacy ? "C6, C16" : "C6")
                                                          : (legacy ? "C5, C16" : "C5");
  const char* who = rule == ulexec::BiasRule::kFixed || rule == ulexec::BiasRule::kPieBase ? ""
                    : interpreter ? "interpreter: "
                                  : "static-pie: ";
  return fmt::format("{}{} (spec {})", who, ulexec::BiasRuleName(rule), item);
}

ImageView DescribeImage(const char* role, const char* path, const ulexec::PlannedImage& planned, bool randomize) {
  const ulexec::ElfFile& elf = planned.file->elf;
  const uint64_t bias = planned.place.bias;
  // Top-down placement is random too: mmap_base is (spec C10).
  const bool random = planned.place.random || (randomize && planned.place.rule != ulexec::BiasRule::kFixed);
  ImageView image{role,
                  path,
                  elf.is_dyn() ? "ET_DYN" : "ET_EXEC",
                  bias,
                  BiasRule(planned, std::string_view(role) == "interpreter"),
                  random,
                  elf.ehdr.e_entry + bias,
                  {}};
  for (unsigned i = 0; i < elf.phdrs.size(); ++i) {
    const Elf64_Phdr& ph = elf.phdrs[i];
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    const ulexec::SegmentPlan s = ulexec::PlanSegment(ph);
    image.segments.push_back({i, ph.p_offset, ph.p_filesz, ph.p_vaddr + bias, ph.p_memsz,
                              ProtText(s.file_start != s.file_end ? s.prot : s.anon_prot), s.file_start + bias,
                              s.file_end + bias, s.zero_start + bias, s.zero_end + bias, s.anon_start + bias,
                              s.anon_end + bias});
  }
  return image;
}

// An image's span as it will be mapped: its PT_LOADs' file bytes read from `path` (the rest zero).
std::vector<unsigned char> SpanAsMapped(const char* path, const ulexec::ElfFile& elf) {
  std::ifstream in(path, std::ios::binary);
  const std::string file{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::vector<unsigned char> span(elf.span_end - elf.span_start);
  for (const Elf64_Phdr& ph : elf.phdrs) {
    if (ph.p_type != PT_LOAD || ph.p_offset >= file.size()) continue;
    const size_t n = std::min<uint64_t>(ph.p_filesz, file.size() - ph.p_offset);
    memcpy(span.data() + (ph.p_vaddr - elf.span_start), file.data() + ph.p_offset, n);
  }
  return span;
}

// The restorer the hand-off will enter through, chosen as the loader chooses it (ChooseRestorer),
// here over the files' bytes instead of the mapped images.
void HandoffEntry(const ulexec::DryRun& dry, SideEffects* effects) {
  const ulexec::ExecPlan& plan = dry.plan;
  const char* paths[2] = {dry.target.elf_path, dry.target.interp_path};
  std::vector<unsigned char> spans[2];
  const unsigned char* images[2] = {};
  for (size_t i = 0; i < plan.image_count && plan.stack.entry_frame != 0; ++i) {
    spans[i] = SpanAsMapped(paths[i], plan.images[i].file->elf);
    images[i] = spans[i].data();
  }
  ulexec::RestorerEntry at;
  if (const int i = ulexec::ChooseRestorer(plan, images, &at); i >= 0) {
    effects->restorer = plan.images[i].place.range.start + at.restorer;
    effects->handoff_entry = fmt::format(
        "through the {}'s own signal restorer at {:#x} ({}+{:#x}): a stub planted before it unmaps the hand-off, "
        "so nothing of ulexec stays; the entry frame lies below sp (spec B6; --handoff-page keeps the page)",
        i == 0 ? "program" : "interpreter", effects->restorer, paths[i],
        at.restorer + plan.images[i].file->elf.span_start);
    return;
  }
  effects->handoff_entry = plan.stack.entry_frame == 0
                               ? "from the hand-off page, which stays: no room below sp for the entry frame (spec B6)"
                               : "from the hand-off page, which stays (one anonymous r-x page): neither the program "
                                 "nor an interpreter carries a signal restorer (spec B6)";
}

// The side effects the plan's hand-off steps have (spec E1, E4, E6, E7). Of the descriptors, only
// the caller's: not `own_fd` (explain's copy of standard input), nor those the dry run opened for
// itself and closed again. Call it right after PlanOnly, before a descriptor number is reused.
SideEffects Effects(const ulexec::DryRun& dry, int own_fd) {
  SideEffects effects;
  for (const int fd : dry.plan.close_fds) {
    if (fd != own_fd && fcntl(fd, F_GETFD) >= 0) effects.close_on_exec.push_back(fd);
  }
  // The dispositions the dry run observed: a handler goes back to SIG_DFL, SIG_IGN stays.
  for (int sig = 1; sig <= ulexec::kMaxSignal; ++sig) {
    const uint64_t handler = dry.state.signals[sig].handler;
    if (handler == reinterpret_cast<uint64_t>(SIG_DFL)) continue;
    const std::string_view known = crt::SignalName(sig);
    const std::string name = known.empty() ? "SIG" + std::to_string(sig) : std::string(known);
    (handler == reinterpret_cast<uint64_t>(SIG_IGN) ? effects.signals_ignored : effects.signals_reset).push_back(name);
  }
  effects.comm = dry.plan.comm;
  effects.exe = dry.target.elf_path;
  char real[PATH_MAX];
  if (realpath(dry.target.elf_path, real)) effects.exe = real;
  for (const ulexec::HandoffStep step : dry.plan.step_list()) {
    effects.handoff_steps.push_back(ulexec::HandoffStepName(step));
  }
  HandoffEntry(dry, &effects);
  return effects;
}

// The registers at entry (spec B1-B5), read back from the rt_sigreturn frame the loader's
// WriteEntryFrame makes for the hand-off: the kernel's struct sigcontext_64, which follows the
// frame's return address and the ucontext's flags, link and stack_t. fs_base is cleared by the
// hand-off's arch reset, and a null fpstate makes the kernel reset the FPU (fcw, mxcsr).
std::vector<std::pair<std::string, uint64_t>> EntryRegisters(uint64_t entry, uint64_t sp) {
  alignas(16) unsigned char frame[ulexec::arch::kEntryFrameSize];
  ulexec::arch::WriteEntryFrame(frame, entry, sp, 0);
  constexpr size_t kSigcontext = 8 + 8 + 8 + 24;
  constexpr const char* kNames[] = {"r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rdi",
                                    "rsi", "rbp", "rbx", "rdx", "rax", "rcx", "rsp", "rip", "rflags"};
  std::vector<std::pair<std::string, uint64_t>> regs;
  for (size_t i = 0; i < std::size(kNames); ++i) {
    uint64_t v;
    memcpy(&v, frame + kSigcontext + 8 * i, sizeof v);
    regs.emplace_back(kNames[i], v);
  }
  for (size_t i = 0; i < 4; ++i) {
    uint16_t v;
    memcpy(&v, frame + kSigcontext + 8 * std::size(kNames) + 2 * i, sizeof v);
    if (i == 0 || i == 3) regs.emplace_back(i == 0 ? "cs" : "ss", v);
  }
  // Shown as the kernel documents them: rip, rsp, rflags, segments, then the general registers.
  constexpr std::string_view kOrder[] = {"rip", "rsp", "rflags", "cs", "ss",  "rax", "rbx", "rcx", "rdx", "rsi",
                                         "rdi", "rbp", "r8",     "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
  auto rank = [&](const auto& reg) { return std::find(std::begin(kOrder), std::end(kOrder), reg.first) - kOrder; };
  std::sort(regs.begin(), regs.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  regs.insert(regs.end(), {{"fs_base", 0}, {"fcw", 0x37f}, {"mxcsr", 0x1f80}});
  return regs;
}

void FillPlan(const ulexec::DryRun& dry, SideEffects effects, DryRun* run) {
  const ulexec::ExecPlan& p = dry.plan;
  Explanation& plan = run->plan;
  plan.planned = true;
  const std::string main_file = dry.target.elf_path;
  plan.images.push_back(DescribeImage("program", dry.target.elf_path, p.images[0], dry.state.space.randomize));
  // A program read from a descriptor is read again through /proc (its path may name nothing).
  const bool from_fd = std::string_view(dry.target.elf_path).starts_with("/dev/fd/");
  run->image_files.push_back(from_fd ? "/proc/self/fd/" + main_file.substr(8) : main_file);
  if (p.image_count == 2) {
    plan.images.push_back(DescribeImage("interpreter", dry.target.interp_path, p.images[1], dry.state.space.randomize));
    run->image_files.push_back(dry.target.interp_path);
  }
  plan.brk = p.brk;
  plan.brk_random = p.brk_random;
  plan.stack_top = p.stack.request.stack_top;
  plan.stack.top = p.stack.request.stack_top;
  plan.stack.sp = p.stack.layout.sp;
  plan.stack.randomized = dry.state.space.randomize;
  plan.entry.rip = p.entry;
  plan.entry.rsp = p.stack.layout.sp;
  plan.entry.registers = EntryRegisters(p.entry, p.stack.layout.sp);
  plan.effects = std::move(effects);
  // The bytes the hand-off will copy to the top of [stack], built as the exec builds them.
  run->stack_bytes.resize(p.stack.copy_bytes());
  ulexec::StackLayout layout;
  ulexec::BuildStack(p.stack.request, run->stack_bytes, &layout);
  run->stack_low = p.stack.request.stack_top - run->stack_bytes.size();
}

// Copies standard input into a memfd, as ExecMemory does with its bytes.
int ReadStdin() {
  const int fd = memfd_create("ulexec-explain-stdin", MFD_CLOEXEC);
  char buf[65536];
  ssize_t n;
  while (fd >= 0 && (n = read(0, buf, sizeof buf)) > 0) {
    if (write(fd, buf, n) != n) return -1;
  }
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
  int fd = -1;
  if (request.source == Request::Source::kFd) {
    file.resolution = "descriptor";
    fd = request.fd;
    path = "/dev/fd/" + std::to_string(fd);
  } else if (request.source == Request::Source::kStdin) {
    file.resolution = "standard input, copied into a memfd";
    fd = ReadStdin();  // what ExecMemory does; the plan takes it as a descriptor
    path = "/dev/fd/" + std::to_string(fd);
  } else if (request.path_search && path.find('/') == std::string::npos) {
    file.resolution = "PATH search";
    // execvp's search (crt/path-search.h): the first candidate that is an executable file.
    static char found[4096];
    int err;
    if (!crt::SearchPath(request.program, getenv("PATH"), found, sizeof found, &err)) {
      file.checks.push_back({"PATH search", request.program, false});
      return Refuse(&file, {err, "not found in PATH"}), run;
    }
    path = found;
  } else {
    file.resolution = "as given";
  }
  file.path = path;
  std::vector<const char*> argv;
  for (const std::string& a : request.argv) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  static ulexec::DryRun dry;  // large (the plan holds the auxv and the signal table): static
  ulexec_error error{};
  const int rc = ulexec::PlanOnly(fd < 0 ? path.c_str() : nullptr, fd, argv.data(), request.envp, {}, &dry, &error);
  SideEffects effects;
  if (rc == 0) effects = Effects(dry, request.source == Request::Source::kStdin ? fd : -1);
  // Which checks ran, one by one, with the loader's functions; the plan's verdict wins.
  Failure failure;
  const bool checked = ChainWalk(&file).Run(fd, path, &failure);
  if (rc != 0) {
    if (checked) file.checks.push_back({"argument space and placement (spec D2, C3-C12)", path, false});
    return Refuse(&file, {-rc, error.text}), run;
  }
  const Elf64_Ehdr& eh = dry.target.program->elf.ehdr;
  file.elf_path = dry.target.elf_path;
  file.size = dry.target.program->size;
  file.elf_class = eh.e_ident[EI_CLASS] == ELFCLASS64 ? "ELF64" : "ELF32";
  file.machine = eh.e_machine == EM_X86_64 ? "x86-64" : std::to_string(eh.e_machine);
  file.type = eh.e_type == ET_EXEC ? "ET_EXEC" : dry.target.interpreter ? "ET_DYN (PIE)" : "ET_DYN (static-pie)";
  file.header_entry = eh.e_entry;
  FillPlan(dry, std::move(effects), &run);
  return run;
}

}  // namespace explain
