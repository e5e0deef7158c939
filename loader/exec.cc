// The loader's driver: runs the stages in order, and everything that can fail before the point of
// no return (binfmt_elf's begin_new_exec). After it, only the hand-off runs.
//
//   open and check the program (and its interpreter)      program-file.cc, elf-file.cc
//   read the process's state                               process-state.cc
//   choose addresses, compose auxv, lay out the stack      layout.cc, auxv.cc, stack-image.cc
//   map the images (at their place, or nearby to move)     mapper.cc
//   write the hand-off table                               handoff.cc
//   -- point of no return --
//   hand-off: unmap the old memory, move images and vDSO into place, install the stack,
//   prctl(PR_SET_MM_MAP), close descriptors, reset signals, name the process, enter.
#include "auxv.h"
#include "error.h"
#include "handoff.h"
#include "image-plan.h"
#include "layout.h"
#include "mapper.h"
#include "page.h"
#include "process-state.h"
#include "program-file.h"
#include "script.h"
#include "stack-image.h"

#include <crt/errno-names.h>
#include <crt/string.h>
#include <crt/sys.h>
#include <ulexec/arch/constants.h>
#include <ulexec/arch/reset.h>
#include <ulexec/ulexec.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

// glibc's rseq registration (2.35+); absent (null) in programs without glibc.
extern "C" {
extern const long __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));
}

namespace ulexec {
namespace {

constexpr uint64_t kStackExpand = 131072;      // 128 KiB: the kernel's initial stack below the strings
constexpr uint64_t kMaxArgStrlen = 131072;     // MAX_ARG_STRLEN
constexpr uint64_t kGap = 16 * kPageSize;      // between our temporary mappings and the rest
constexpr uint32_t kRseqSig = 0x53053053;
constexpr int kRseqFlagUnregister = 1;
constexpr uint32_t kRseqAreaSize = 32;
constexpr uintptr_t kSigDfl = 0, kSigIgn = 1;
// PR_SET_MM_MAP refuses addresses below mmap_min_addr, which includes CONFIG_LSM_MMAP_MIN_ADDR
// (65536 on Debian), whatever vm.mmap_min_addr says.
constexpr uint64_t kMinMmAddress = 0x10000;

// The kernel's struct prctl_mm_map (104 bytes).
struct PrctlMmMap {
  uint64_t start_code, end_code, start_data, end_data;
  uint64_t start_brk, brk, start_stack;
  uint64_t arg_start, arg_end, env_start, env_end;
  uint64_t auxv;
  uint32_t auxv_size;
  uint32_t exe_fd;
};
static_assert(sizeof(PrctlMmMap) == 104);

struct Source {
  const char* path = nullptr;
  int fd = -1;
  const void* image = nullptr;
  size_t size = 0;
};

// Large, and the process is single-threaded by contract: static.
ProgramFile g_main;
ProgramFile g_interp;
char g_interp_path[kMaxInterpSize];
Shebang g_shebangs[kMaxScriptDepth + 1];

// The front of argv as #! lines rewrite it (spec F6): each level drops argv[0] and puts
// interpreter, optional argument and script name in front. The rest is the caller's argv[1..].
class ArgvHead {
 public:
  void Start(const char* const* argv) {
    if (argv[0]) Push(argv[0]);
  }
  void Rewrite(const char* interpreter, const char* argument, const char* script) {
    if (size_ > 0) Drop();
    PushFront(script);
    if (argument) PushFront(argument);
    PushFront(interpreter);
  }
  std::span<const char* const> view() const { return {items_, size_}; }

 private:
  void Push(const char* s) { items_[size_++] = s; }
  void Drop() {
    for (size_t i = 1; i < size_; ++i) items_[i - 1] = items_[i];
    --size_;
  }
  void PushFront(const char* s) {
    for (size_t i = size_; i > 0; --i) items_[i] = items_[i - 1];
    items_[0] = s;
    ++size_;
  }
  const char* items_[3 * (kMaxScriptDepth + 1) + 1] = {};
  size_t size_ = 0;
};

size_t Count(const char* const* v) {
  size_t n = 0;
  while (v && v[n]) ++n;
  return n;
}

std::string_view Basename(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : crt::Slice(path, slash + 1);
}

// Hands out address ranges for the temporary mappings, below everything that exists now and
// everything the new program will have, so that nothing moved into place lands on them.
class Allocator {
 public:
  void Start(const ProcessState& state) {
    floor_ = state.space.mmap_base;
    (void)ForEachMapsLine(state.maps, [&](const MapsLine& m) { Avoid({m.start, m.end}); });
  }
  void Avoid(const Range& r) {
    if (r.start >= kLowest && r.start < floor_) floor_ = r.start;
  }
  uint64_t Next(uint64_t size) {
    const uint64_t at = PageStart(floor_ - size - kGap);
    floor_ = at;
    return at;
  }

 private:
  static constexpr uint64_t kLowest = uint64_t{1} << 32;
  uint64_t floor_ = 0;
};

struct Image {
  ProgramFile* file = nullptr;
  Range final_range;
  uint64_t final_bias = 0;
  bool temporary = false;
  MappedImage mapped;
};

// Undoes whatever was done before the point of no return, unless disarmed.
// The vDSO block's mappings, as they were found.
struct VdsoBlock {
  Range vmas[4];
  size_t count = 0;
  uint64_t start = 0;
};

// Moves the vDSO block from `from` to `to` (blocks that do not overlap) now.
bool MoveVdso(const VdsoBlock& block, uint64_t from, uint64_t to) {
  for (size_t i = 0; i < block.count; ++i) {
    const Range& v = block.vmas[i];
    const uint64_t at = v.start - block.start;
    if (!crt::sys::Mremap(reinterpret_cast<void*>(from + at), v.size(), v.size(), MREMAP_MAYMOVE | MREMAP_FIXED,
                          reinterpret_cast<void*>(to + at))) {
      return false;
    }
  }
  return true;
}

struct Rollback {
  Image* images[2] = {};
  Handoff* handoff = nullptr;
  int own_fds[3] = {-1, -1, -1};
  uint64_t rseq_area = 0;
  VdsoBlock vdso;  // moved early from vdso.start to vdso_now, when vdso_now != 0
  uint64_t vdso_now = 0;
  ~Rollback() {
    for (Image* i : images) {
      if (i && i->mapped.size) UnmapImage(i->mapped);
    }
    if (vdso_now) (void)MoveVdso(vdso, vdso_now, vdso.start);
    if (handoff) handoff->Release();
    for (int fd : own_fds) {
      if (fd >= 0) (void)crt::sys::Close(fd);
    }
    if (rseq_area) (void)crt::Syscall(SYS_rseq, rseq_area, kRseqAreaSize, 0, kRseqSig);
  }
};

bool CheckArgumentSpace(std::string_view filename, std::span<const char* const> head,
                        std::span<const char* const> tail, const char* const* envp, uint64_t rlimit_stack,
                        Error& error) {
  uint64_t total = filename.size() + 1;
  const size_t argc = head.size() + tail.size(), envc = Count(envp);
  for (size_t i = 0; i < argc; ++i) {
    const uint64_t n = strlen(i < head.size() ? head[i] : tail[i - head.size()]) + 1;
    if (n > kMaxArgStrlen) return error.Fail(E2BIG, "argument ", i, " is longer than ", kMaxArgStrlen, " bytes");
    total += n;
  }
  for (size_t i = 0; i < envc; ++i) {
    const uint64_t n = strlen(envp[i]) + 1;
    if (n > kMaxArgStrlen) return error.Fail(E2BIG, "environment entry ", i, " is longer than ", kMaxArgStrlen, " bytes");
    total += n;
  }
  total += 8 * ((argc ? argc : 1) + envc);
  const uint64_t limit = ArgumentSpaceLimit(rlimit_stack);
  if (total > limit) {
    return error.Fail(E2BIG, "arguments and environment take ", total, " bytes; the limit is ", limit,
                      " (a quarter of RLIMIT_STACK, at most 6 MiB)");
  }
  return true;
}

bool CheckSingleThreaded(Error& error) {
  auto dir = crt::sys::Open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (!dir) return error.Fail(dir.error(), "cannot open /proc/self/task: ", crt::ErrnoMessage(dir.error()));
  alignas(8) char buf[4096] = {};  // zeroed: clang-tidy's analyzer does not see getdents64 fill it
  size_t threads = 0;
  for (;;) {
    auto r = crt::sys::Getdents64(dir.value(), buf, sizeof buf);
    if (!r || r.value() == 0) break;
    for (size_t at = 0; at < r.value();) {
      const auto* d = reinterpret_cast<const char*>(buf + at);
      const uint16_t reclen = *reinterpret_cast<const uint16_t*>(d + 16);
      if (d[19] != '.') ++threads;
      at += reclen;
    }
  }
  (void)crt::sys::Close(dir.value());
  if (threads > 1) {
    return error.Fail(EBUSY, "the process has ", threads,
                      " threads; ulexec replaces only a single-threaded process (execve would kill the others)");
  }
  return true;
}

// The hand-off ops that close every descriptor with FD_CLOEXEC (spec E4).
bool AddCloseOnExecOps(Handoff& handoff, Error& error) {
  auto dir = crt::sys::Open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (!dir) return error.Fail(dir.error(), "cannot open /proc/self/fd: ", crt::ErrnoMessage(dir.error()));
  alignas(8) char buf[4096] = {};  // zeroed: clang-tidy's analyzer does not see getdents64 fill it
  for (;;) {
    auto r = crt::sys::Getdents64(dir.value(), buf, sizeof buf);
    if (!r || r.value() == 0) break;
    for (size_t at = 0; at < r.value();) {
      const char* d = buf + at;
      at += *reinterpret_cast<const uint16_t*>(d + 16);
      unsigned long fd;
      if (!crt::ParseUnsigned(d + 19, &fd) || static_cast<int>(fd) == dir.value()) continue;
      auto flags = crt::sys::Fcntl(static_cast<int>(fd), F_GETFD);
      if (flags && (flags.value() & FD_CLOEXEC)) handoff.Syscall(SYS_close, fd);
    }
  }
  (void)crt::sys::Close(dir.value());
  return true;
}

// The hand-off ops that delete the caller's POSIX timers (spec E8), listed in /proc/self/timers
// (present with CONFIG_CHECKPOINT_RESTORE; without it they survive, as the README says).
void AddTimerDeleteOps(Handoff& handoff) {
  auto fd = crt::sys::Open("/proc/self/timers", O_RDONLY | O_CLOEXEC);
  if (!fd) return;
  char buf[4096];
  size_t len = 0;
  for (;;) {
    auto r = crt::sys::Read(fd.value(), buf + len, sizeof buf - len);
    if (!r || r.value() == 0) break;
    len += r.value();
    if (len == sizeof buf) break;
  }
  (void)crt::sys::Close(fd.value());
  std::string_view text(buf, len);
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = crt::Slice(text, 0, nl);
    text = nl == std::string_view::npos ? std::string_view() : crt::Slice(text, nl + 1);
    unsigned long id;
    if (line.starts_with("ID: ") && crt::ParseUnsigned(crt::Slice(line, 4), &id)) {
      handoff.Syscall(SYS_timer_delete, id, 0, 0, 0, 0, 0, Handoff::kMayFail);
    }
  }
}

// The hand-off ops that reset caught signals to SIG_DFL and clean ignored ones (spec E1).
void AddSignalResetOps(Handoff& handoff, const crt::KernelSigaction* clean_default,
                       const crt::KernelSigaction* clean_ignore) {
  for (int sig = 1; sig <= 64; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    crt::KernelSigaction old{};
    if (!crt::sys::RtSigaction(sig, nullptr, &old)) continue;
    const bool clean = old.flags == 0 && old.mask == 0 && old.restorer == nullptr;
    const auto handler = reinterpret_cast<uintptr_t>(old.handler);
    if (handler == kSigIgn) {
      if (!clean) handoff.Syscall(SYS_rt_sigaction, sig, reinterpret_cast<uint64_t>(clean_ignore), 0, 8);
    } else if (handler != kSigDfl || !clean) {
      handoff.Syscall(SYS_rt_sigaction, sig, reinterpret_cast<uint64_t>(clean_default), 0, 8);
    }
  }
}

bool CheckMmMap(const PrctlMmMap& m, uint64_t rlimit_data, Error& error) {
  const uint64_t fields[] = {m.start_code, m.end_code, m.start_data, m.end_data, m.start_brk, m.brk,
                             m.start_stack, m.arg_start, m.arg_end, m.env_start, m.env_end};
  for (uint64_t f : fields) {
    if (f < kMinMmAddress || f >= arch::kTaskSize) {
      return error.Fail(EINVAL, "the kernel would refuse the new memory layout (", crt::Hex{f},
                        " is outside the user address space)");
    }
  }
  if (!(m.start_code < m.end_code && m.start_data <= m.end_data && m.start_brk <= m.brk)) {
    return error.Fail(EINVAL, "the program has no executable code segment to describe to the kernel");
  }
  if ((m.brk - m.start_brk) + (m.end_data - m.start_data) > rlimit_data) {
    return error.Fail(ENOMEM, "the data segment exceeds RLIMIT_DATA (", rlimit_data, " bytes)");
  }
  return true;
}

// Opens the program and follows #! lines to the ELF that runs (spec F), rewriting argv's head.
// `name` is the program's name as the kernel knows it (the path, or /dev/fd/N).
bool OpenProgram(const Source& src, const char* name, ArgvHead& head, Rollback& rollback, Error& error) {
  int fd = src.fd;
  if (src.path) {
    if (!OpenForExec(AT_FDCWD, src.path, &fd, error)) return false;
    rollback.own_fds[0] = fd;
  }
  const char* script = name;
  for (int depth = 0;; ++depth) {
    if (!ReadHead(fd, &g_main, error)) return false;
    if (!IsScript(g_main)) break;
    if (depth == 0 && !src.path) {
      // The interpreter opens the script as /dev/fd/N: it must survive the exec (spec D1).
      auto flags = crt::sys::Fcntl(fd, F_GETFD);
      if (rollback.own_fds[0] == fd && flags) {  // our memfd
        (void)crt::sys::Fcntl(fd, F_SETFD, flags.value() & ~FD_CLOEXEC);
      } else if (flags && (flags.value() & FD_CLOEXEC)) {
        return error.Fail(ENOENT, "a #! script from a close-on-exec descriptor cannot be read by its interpreter");
      }
      rollback.own_fds[0] = -1;  // it stays open in the program
    }
    Shebang& line = g_shebangs[depth];
    if (!ParseShebang(std::span(g_main.head, g_main.head_len), &line, error)) return false;
    head.Rewrite(line.interpreter, line.argument, script);
    script = line.interpreter;
    if (rollback.own_fds[2] >= 0) (void)crt::sys::Close(rollback.own_fds[2]);
    rollback.own_fds[2] = -1;
    Error open_error;
    if (!OpenForExec(AT_FDCWD, line.interpreter, &fd, open_error)) {
      return error.Fail(open_error.code, "interpreter ", line.interpreter, " named by the #! line");
    }
    rollback.own_fds[2] = fd;
    if (depth == kMaxScriptDepth) {
      return error.Fail(ELOOP, "more than ", kMaxScriptDepth, " nested #! interpreters");
    }
  }
  g_main.fd = fd;
  return LoadHeaders(&g_main, Role::kProgram, error);
}

bool OpenInterpreter(Rollback& rollback, Error& error) {
  if (!ReadInterpPath(g_main, g_interp_path, error)) return false;
  int fd;
  Error open_error;
  if (!OpenForExec(AT_FDCWD, g_interp_path, &fd, open_error) || !ReadHead(fd, &g_interp, open_error) ||
      !LoadHeaders(&g_interp, Role::kInterpreter, open_error)) {
    if (g_interp.fd >= 0 || open_error.code != ENOENT) rollback.own_fds[1] = g_interp.fd;
    const std::string_view why = open_error.detail().empty() ? crt::ErrnoMessage(open_error.code) : open_error.detail();
    return error.Fail(open_error.code, "interpreter ", g_interp_path, ": ", why);
  }
  rollback.own_fds[1] = fd;
  return true;
}

// One exec, step by step. Each step either succeeds or records an error and returns false;
// whatever the steps did is undone by `rollback` unless the point of no return is reached.
class Exec {
 public:
  Exec(const Source& src, const char* const* argv, const char* const* envp, const Options& options, Error& error)
      : src_(src), argv_(argv), envp_(envp), options_(options), error_(error) {}

  bool Run() {
    g_main.Reset();
    g_interp.Reset();
    if (!options_.fresh_process && !CheckSingleThreaded(error_)) return false;
    if (!Open() || !ReadState() || !Place() || !MoveVdsoEarly() || !MapImages() || !WriteHandoff()) return false;
    return Enter();
  }

 private:
  // The program (following #! lines) and its interpreter, named as execve names them: AT_EXECFN
  // is the name as passed, or /dev/fd/N; comm is its basename, or the file's own (spec A2, E6).
  bool Open() {
    if (options_.execfn) execfn_ = options_.execfn;
    else if (src_.path) execfn_ = src_.path;
    head_.Start(argv_);
    Source source = src_;
    if (src_.image) {
      // One copy into a memfd; from there on it is a descriptor like any other.
      auto m = crt::sys::MemfdCreate("ulexec", MFD_CLOEXEC);
      if (!m) return error_.Fail(m.error(), "cannot create a memfd: ", crt::ErrnoMessage(m.error()));
      source.fd = m.value();
      rollback_.own_fds[0] = source.fd;
      if (auto w = crt::WriteAll(source.fd, src_.image, src_.size); !w) {
        return error_.Fail(w.error(), "cannot copy the image into a memfd: ", crt::ErrnoMessage(w.error()));
      }
    }
    if (!src_.path) {
      crt::Writer w(fd_name_, sizeof fd_name_ - 1);
      w << "/dev/fd/" << source.fd;
      fd_name_[w.view().size()] = '\0';
      if (!options_.execfn) execfn_ = std::string_view(fd_name_, w.view().size());
    }
    if (!OpenProgram(source, execfn_.data(), head_, rollback_, error_)) return false;
    comm_ = src_.path || options_.execfn ? Basename(execfn_) : FileName(source.fd);

    has_interp_ = g_main.elf.interp != nullptr;
    if (has_interp_ && !OpenInterpreter(rollback_, error_)) return false;
    // What the kernel would die of comes after the interpreter's errors, as in the kernel.
    if (!CheckImage(g_main, Role::kProgram, error_)) return false;
    if (has_interp_ && !CheckImage(g_interp, Role::kInterpreter, error_)) {
      return error_.Fail(error_.code, "interpreter ", g_interp_path, ": ", Error(error_).detail());
    }
    return true;
  }

  // execveat(fd, "", AT_EMPTY_PATH) names the process after the file itself.
  std::string_view FileName(int fd) {
    char proc_path[48];
    crt::Writer p(proc_path, sizeof proc_path - 1);
    p << "/proc/self/fd/" << fd;
    proc_path[p.view().size()] = '\0';
    auto n = crt::sys::Readlinkat(AT_FDCWD, proc_path, link_, sizeof link_);
    std::string_view name = n ? Basename(std::string_view(link_, n.value())) : std::string_view("exe");
    constexpr std::string_view kDeleted = " (deleted)";
    if (name.size() > kDeleted.size() && crt::Slice(name, name.size() - kDeleted.size()) == kDeleted) {
      name.remove_suffix(kDeleted.size());
    }
    return name;
  }

  bool ReadState() {
    const Range own_image{reinterpret_cast<uint64_t>(options_.own_image_start),
                          reinterpret_cast<uint64_t>(options_.own_image_end)};
    if (!ReadProcessState(reinterpret_cast<const crt::AuxEntry*>(options_.auxv), own_image, &state_, error_)) {
      return false;
    }
    argv_tail_ = std::span(argv_[0] ? argv_ + 1 : argv_, argv_[0] ? Count(argv_) - 1 : 0);
    if (!CheckArgumentSpace(execfn_, head_.view(), argv_tail_, envp_, state_.rlimit_stack, error_)) return false;
    if (auto r = crt::sys::Getrandom(&random_, sizeof random_, 0); !r || r.value() != sizeof random_) {
      return error_.Fail(r.ok() ? EIO : r.error(), "getrandom failed");
    }
    alloc_.Start(state_);
    return true;
  }

  // Where the images, the vDSO and the stack image go (spec A, C3-C7), and the auxv.
  bool Place() {
    const AddressSpace& space = state_.space;
    const ElfFile& elf = g_main.elf;
    if (elf.ehdr.e_type == ET_EXEC) main_.final_bias = 0;
    else if (has_interp_) main_.final_bias = PieLoadBias(elf, space.randomize, random_.pie);
    else main_.final_bias = TopDownLoadBias(elf, space.mmap_base, true);
    main_.final_range = {elf.span_start + main_.final_bias, elf.span_end + main_.final_bias};
    // The lowest image placed top-down from mmap_base, and the end of the highest one.
    uint64_t top_down_start = space.mmap_base, top_down_end = space.mmap_base;
    if (elf.is_dyn() && !has_interp_) top_down_start = main_.final_range.start, top_down_end = main_.final_range.end;
    if (has_interp_) {
      const ElfFile& ielf = g_interp.elf;
      interp_.final_bias = ielf.is_dyn() ? TopDownLoadBias(ielf, space.mmap_base, false) : 0;
      interp_.final_range = {ielf.span_start + interp_.final_bias, ielf.span_end + interp_.final_bias};
      if (ielf.is_dyn()) top_down_start = interp_.final_range.start, top_down_end = interp_.final_range.end;
      if (interp_.final_range.Overlaps(main_.final_range)) {
        return error_.Fail(ENOMEM, "the program and its interpreter ", g_interp_path, " overlap");
      }
    }
    // The vDSO goes at the top if it fits above the images, else right below them (spec C7).
    vdso_final_ = state_.vdso_block;
    if (const uint64_t size = state_.vdso_block.size()) {
      const uint64_t end = space.mmap_base - top_down_end >= size ? space.mmap_base : top_down_start;
      vdso_final_ = {end - size, end};
    }

    const ImageFacts facts = DescribeImage(elf);
    ComputedAuxv computed;
    computed.phdr = facts.phdr_vaddr + main_.final_bias;  // the bias alone without one (spec C15)
    computed.phent = sizeof(Elf64_Phdr);
    computed.phnum = elf.ehdr.e_phnum;
    computed.base = has_interp_ ? interp_.final_bias : 0;
    computed.entry = elf.ehdr.e_entry + main_.final_bias;
    if (state_.vdso_start) computed.sysinfo_ehdr = state_.vdso_start - state_.vdso_block.start + vdso_final_.start;
    const size_t auxc = ComposeAuxv(state_.auxv, computed, auxv_);
    if (auxc == 0) return error_.Fail(E2BIG, "the auxiliary vector has more than ", kMaxAuxv, " entries");

    stack_request_.stack_top = space.stack_top;
    stack_request_.argv_head = head_.view();
    stack_request_.argv = argv_tail_;
    stack_request_.envp = std::span(envp_, Count(envp_));
    stack_request_.execfn = execfn_;
    stack_request_.platform = arch::kPlatform;
    stack_request_.random = random_.at_random;
    stack_request_.pad = space.randomize ? random_.pad % 8192 : 0;
    stack_request_.auxv = std::span(auxv_, auxc);
    image_low_ = PageStart(space.stack_top - StackImageSize(stack_request_));
    facts_ = facts;
    for (const Image* image : images()) {
      if (image->final_range.Overlaps({image_low_ - kStackExpand, space.stack_top})) {
        return error_.Fail(ENOMEM, "the image would overlap the stack (", crt::Hex{image->final_range.start}, '-',
                           crt::Hex{image->final_range.end}, ')');
      }
      alloc_.Avoid(image->final_range);
    }
    alloc_.Avoid(vdso_final_);
    return true;
  }

  // The vDSO block, if it must move and its new place is free now, moves now (reversibly): the
  // images can then be mapped in place, even where the vDSO was. Otherwise the hand-off moves it.
  bool MoveVdsoEarly() {
    vdso_was_ = state_.vdso_block;
    if (vdso_final_.start == vdso_was_.start || OverlapsAnyMapping(state_.maps, vdso_final_, vdso_was_)) return true;
    VdsoBlock block;
    block.count = state_.vdso_vma_count;
    block.start = vdso_was_.start;
    for (size_t i = 0; i < block.count; ++i) block.vmas[i] = state_.vdso_vmas[i];
    // mremap cannot move a mapping onto itself: a move by less than the block's size goes
    // through a free range first.
    uint64_t from = vdso_was_.start;
    bool moved = true;
    if (vdso_final_.Overlaps(vdso_was_)) {
      const uint64_t aside = alloc_.Next(vdso_was_.size());
      moved = MoveVdso(block, from, aside);
      if (moved) from = aside;
    }
    if (moved) moved = MoveVdso(block, from, vdso_final_.start);
    if (!moved) {
      (void)MoveVdso(block, from, vdso_was_.start);  // back from where it got to, if it did
      return error_.Fail(ENOMEM, "cannot move the vDSO");
    }
    rollback_.vdso = block;
    rollback_.vdso_now = vdso_final_.start;
    const uint64_t delta = vdso_final_.start - vdso_was_.start;
    for (size_t i = 0; i < state_.vdso_vma_count; ++i) {
      state_.vdso_vmas[i].start += delta;
      state_.vdso_vmas[i].end += delta;
    }
    state_.vdso_block = vdso_final_;
    return true;
  }

  // Each image in place if its place is free now, else aside, to be moved by the hand-off.
  bool MapImages() {
    // (The maps text predates a vDSO move: where the vDSO was is free now.)
    const Range moved_away = state_.vdso_block.start != vdso_was_.start ? vdso_was_ : Range{};
    for (Image* image : images()) {
      const Range& r = image->final_range;
      image->temporary = OverlapsAnyMapping(state_.maps, r, moved_away) || r.Overlaps(state_.vdso_block);
      const uint64_t at = image->temporary ? alloc_.Next(r.size()) : r.start;
      if (!MapImage(image->file->fd, image->file->elf, at, Placement::kExact, &image->mapped, error_)) return false;
      rollback_.images[image == &main_ ? 0 : 1] = image;
      if (image->temporary) ForEachMappedRun(image->mapped, [&](uint64_t, uint64_t) { ++temporary_runs_; });
    }
    // The interpreter's descriptor is not needed once it is mapped; the program's is, for exe_fd.
    if (has_interp_) {
      (void)crt::sys::Close(g_interp.fd);
      rollback_.own_fds[1] = -1;
    }
    return true;
  }

  // The hand-off area and its table: everything the exec does past the point of no return.
  bool WriteHandoff() {
    const AddressSpace& space = state_.space;
    const uint64_t vdso_aside = vdso_final_.Overlaps(state_.vdso_block) ? alloc_.Next(state_.vdso_block.size()) : 0;
    const size_t max_ops = 96 + temporary_runs_ + 2 * state_.vdso_vma_count + (options_.fresh_process ? 0 : 1024);
    const uint64_t image_bytes = space.stack_top - image_low_;
    const size_t payload = image_bytes + 16 + 2 * sizeof(PrctlMmMap) + 2 * sizeof(crt::KernelSigaction) + 32 +
                           6 * size_t{16};  // + the alignment of each piece
    // Just above mmap_base, with a page of gap (so that it does not look like part of the image
    // below): the program's top-down mmaps never go there, and its stack stays far above (the
    // kernel keeps RLIMIT_STACK and a guard gap free below the stack).
    if (!handoff_.Create(max_ops, payload, space.mmap_base + kPageSize, error_)) return false;
    rollback_.handoff = &handoff_;
    const Range area{handoff_.start(), handoff_.start() + handoff_.size()};
    bool clash = area.Overlaps(vdso_final_);
    for (const Image* image : images()) clash |= area.Overlaps(image->final_range);
    if (clash) return error_.Fail(ENOMEM, "no room for the hand-off area outside the new program's memory");

    auto* stack_copy = static_cast<std::byte*>(handoff_.Payload(image_bytes));
    BuildStackImage(stack_request_, std::span(stack_copy, image_bytes), &stack_);
    // The initial [stack] mapping: the pages holding the strings, and 128 KiB below, within
    // RLIMIT_STACK (spec A13).
    stack_size_ = space.stack_top - PageStart(stack_.arg_start) + kStackExpand;
    if (stack_size_ > PageStart(state_.rlimit_stack)) stack_size_ = PageStart(state_.rlimit_stack);
    if (stack_size_ < image_bytes) stack_size_ = image_bytes;
    const uint64_t stack_low = space.stack_top - stack_size_;

    PrctlMmMap* mm = nullptr;
    PrctlMmMap* mm_without_exe = nullptr;
    if (!DescribeMm(&mm, &mm_without_exe)) return false;

    // 1. Everything but what stays: the stack, the vDSO, the hand-off area and the images.
    arch::AddResetOps(handoff_);
    Range keep[5];
    size_t nkeep = 0;
    keep[nkeep++] = {stack_low, space.stack_top};
    if (state_.vdso_block.size()) keep[nkeep++] = state_.vdso_block;
    keep[nkeep++] = area;
    for (const Image* image : images()) keep[nkeep++] = {image->mapped.start, image->mapped.start + image->mapped.size};
    AddUnmapAllBut(keep, nkeep);
    // 2. The vDSO block, if it did not move early, keeping its pieces' relative places.
    if (vdso_final_.start != state_.vdso_block.start) {
      if (vdso_aside) {
        AddVdsoMove(state_.vdso_block.start, vdso_aside);
        AddVdsoMove(vdso_aside, vdso_final_.start);
      } else {
        AddVdsoMove(state_.vdso_block.start, vdso_final_.start);
      }
    }
    // 3. Images mapped aside, into place.
    for (const Image* image : images()) {
      if (!image->temporary) continue;
      ForEachMappedRun(image->mapped, [&](uint64_t offset, uint64_t length) {
        handoff_.Syscall(SYS_mremap, image->mapped.start + offset, length, length, MREMAP_MAYMOVE | MREMAP_FIXED,
                         image->final_range.start + offset);
      });
    }
    // 4. The stack: its size as the kernel's, the old frames below the image zeroed, the image.
    if (stack_low < state_.stack.start) {
      handoff_.Copy(stack_low, handoff_.Payload(16), 1);  // a write grows [stack] down to its size
    }
    if (image_low_ > stack_low) {
      handoff_.Syscall(SYS_madvise, stack_low, image_low_ - stack_low, MADV_DONTNEED, 0, 0, 0, Handoff::kMayFail);
    }
    handoff_.Copy(image_low_, stack_copy, image_bytes);
    // 5. /proc/self/{exe,stat,cmdline,environ,auxv}: exe_fd needs a capability; without one, the
    // rest alone (spec G2, G4).
    handoff_.Syscall(SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, reinterpret_cast<uint64_t>(mm), sizeof *mm, 0, 0,
                     Handoff::kMayFail | Handoff::kSkipNextIfOk);
    handoff_.Syscall(SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, reinterpret_cast<uint64_t>(mm_without_exe), sizeof *mm, 0);
    // 6. Descriptors, signals, and the rest of what execve resets (spec E1-E12).
    if (!AddResets()) return false;
    if (g_main.elf.exec_stack) {
      handoff_.Syscall(SYS_mprotect, stack_low, stack_size_, PROT_READ | PROT_WRITE | PROT_EXEC);
    }
    return true;
  }

  // What the kernel keeps in /proc/self/{stat,cmdline,environ,auxv} (spec C14, G2), checked as
  // PR_SET_MM_MAP will check it, with exe_fd and without.
  bool DescribeMm(PrctlMmMap** with_exe, PrctlMmMap** without_exe) {
    auto* mm = static_cast<PrctlMmMap*>(handoff_.Payload(sizeof(PrctlMmMap)));
    const uint64_t bias = main_.final_bias;
    *mm = PrctlMmMap{facts_.start_code + bias, facts_.end_code + bias, facts_.start_data + bias,
                     facts_.end_data + bias, 0, 0, stack_.sp, stack_.arg_start, stack_.arg_end, stack_.env_start,
                     stack_.env_end, stack_.auxv, static_cast<uint32_t>(stack_.auxv_bytes),
                     static_cast<uint32_t>(g_main.fd)};
    mm->start_brk = mm->brk = StartBrk(g_main.elf, facts_.brk + bias, has_interp_, state_.space, random_.brk);
    // An image below the lowest address PR_SET_MM_MAP takes (root may map page 0, spec C3/H4):
    // the fields only show in /proc/self/stat; raise them to it (README: known differences).
    for (uint64_t* f : {&mm->start_code, &mm->end_code, &mm->start_data, &mm->end_data}) {
      if (*f < kMinMmAddress) *f = kMinMmAddress;
    }
    if (mm->end_code <= mm->start_code) mm->end_code = mm->start_code + 1;
    if (!CheckMmMap(*mm, state_.rlimit_data, error_)) return false;
    auto* without = static_cast<PrctlMmMap*>(handoff_.Payload(sizeof(PrctlMmMap)));
    *without = *mm;
    without->exe_fd = static_cast<uint32_t>(-1);
    *with_exe = mm;
    *without_exe = without;
    return true;
  }

  // munmap of everything in the user address space outside `keep` (in a few calls: munmap takes
  // ranges with any number of mappings and holes in them).
  void AddUnmapAllBut(Range* keep, size_t n) {
    for (size_t i = 0; i < n; ++i) {  // sort by start
      for (size_t j = i + 1; j < n; ++j) {
        if (keep[j].start < keep[i].start) {
          const Range t = keep[i];
          keep[i] = keep[j];
          keep[j] = t;
        }
      }
    }
    uint64_t from = 0;
    for (size_t i = 0; i < n; ++i) {
      if (keep[i].start > from) handoff_.Syscall(SYS_munmap, from, keep[i].start - from);
      if (keep[i].end > from) from = keep[i].end;
    }
    if (from < arch::kTaskSize) handoff_.Syscall(SYS_munmap, from, arch::kTaskSize - from);
  }

  void AddVdsoMove(uint64_t from, uint64_t to) {
    for (size_t i = 0; i < state_.vdso_vma_count; ++i) {
      const Range& v = state_.vdso_vmas[i];
      const uint64_t at = v.start - state_.vdso_block.start;
      handoff_.Syscall(SYS_mremap, from + at, v.size(), v.size(), MREMAP_MAYMOVE | MREMAP_FIXED, to + at);
    }
  }

  bool AddResets() {
    if (options_.fresh_process) {
      // A freshly exec'd caller has no handlers or close-on-exec descriptors but its own.
      for (int fd : rollback_.own_fds) {
        if (fd >= 0) handoff_.Syscall(SYS_close, fd);
      }
    } else {
      if (!AddCloseOnExecOps(handoff_, error_)) return false;
      auto* dfl = static_cast<crt::KernelSigaction*>(handoff_.Payload(sizeof(crt::KernelSigaction)));
      auto* ign = static_cast<crt::KernelSigaction*>(handoff_.Payload(sizeof(crt::KernelSigaction)));
      ign->handler = reinterpret_cast<void*>(kSigIgn);
      AddSignalResetOps(handoff_, dfl, ign);
      AddTimerDeleteOps(handoff_);
      handoff_.Syscall(SYS_set_robust_list, 0, 24);
      handoff_.Syscall(SYS_set_tid_address, 0);
      handoff_.Syscall(SYS_prctl, PR_SET_KEEPCAPS, 0);
      handoff_.Syscall(SYS_prctl, PR_SET_DUMPABLE, 1);
    }
    auto* name = static_cast<char*>(handoff_.Payload(16));
    memcpy(name, comm_.data(), comm_.size() < 15 ? comm_.size() : 15);
    handoff_.Syscall(SYS_prctl, PR_SET_NAME, reinterpret_cast<uint64_t>(name));
    if (state_.personality & READ_IMPLIES_EXEC) {
      handoff_.Syscall(SYS_personality, state_.personality & ~READ_IMPLIES_EXEC);
    }
    return true;
  }

  bool Enter() {
    // rseq: the host's registration points into memory that is about to go (spec E9).
    if (!options_.fresh_process && &__rseq_size != nullptr && __rseq_size != 0) {
      const uint64_t area = reinterpret_cast<uint64_t>(crt::arch::ThreadPointer()) + __rseq_offset;
      if (crt::Syscall(SYS_rseq, area, kRseqAreaSize, kRseqFlagUnregister, kRseqSig) == 0) rollback_.rseq_area = area;
    }
    // All signals blocked from here; the entry frame restores the caller's mask (spec E2).
    uint64_t all = ~uint64_t{0}, old_mask = 0;
    (void)crt::sys::RtSigprocmask(SIG_SETMASK, &all, &old_mask);
    const ElfFile& entry_elf = has_interp_ ? g_interp.elf : g_main.elf;
    const uint64_t entry = entry_elf.ehdr.e_entry + (has_interp_ ? interp_.final_bias : main_.final_bias);
    if (!handoff_.Seal(entry, stack_.sp, old_mask, error_)) {
      (void)crt::sys::RtSigprocmask(SIG_SETMASK, &old_mask, nullptr);
      return false;
    }
    // -- The point of no return. --
    handoff_.Enter();
  }

  std::span<Image* const> images() {
    images_[0] = &main_;
    images_[1] = &interp_;
    return {images_, has_interp_ ? 2u : 1u};
  }

  const Source src_;
  const char* const* const argv_;
  const char* const* const envp_;
  const Options& options_;
  Error& error_;
  Rollback rollback_;

  ArgvHead head_;
  std::span<const char* const> argv_tail_;
  std::string_view execfn_, comm_;
  char fd_name_[32] = {};
  char link_[256] = {};
  bool has_interp_ = false;

  ProcessState state_;
  struct {
    unsigned char at_random[16];
    uint64_t pie, brk, pad;
  } random_{};
  Image main_{&g_main, {}, 0, false, {}};
  Image interp_{&g_interp, {}, 0, false, {}};
  Image* images_[2] = {};
  ImageFacts facts_;
  Range vdso_final_, vdso_was_;
  crt::AuxEntry auxv_[kMaxAuxv];
  StackRequest stack_request_;
  uint64_t image_low_ = 0;
  Allocator alloc_;
  size_t temporary_runs_ = 0;

  Handoff handoff_;
  StackImage stack_;
  uint64_t stack_size_ = 0;
};

bool Run(const Source& src, const char* const argv_in[], const char* const envp_in[], const Options& options,
         Error& error) {
  static const char* const kEmpty[] = {nullptr};
  Exec exec(src, argv_in ? argv_in : kEmpty, envp_in ? envp_in : kEmpty, options, error);
  return exec.Run();
}

int Finish(int code, const Error& error, ulexec_error* out) {
  if (out) *out = error;
  return -code;
}

}  // namespace

int ExecPath(const char* path, const char* const argv[], const char* const envp[], const Options& options,
             ulexec_error* out) {
  Error error;
  Source src;
  src.path = path;
  if (path == nullptr) {
    (void)error.Fail(EFAULT, "no path");
    return Finish(EFAULT, error, out);
  }
  (void)Run(src, argv, envp, options, error);  // returns only on failure
  return Finish(error.code, error, out);
}

int ExecFd(int fd, const char* const argv[], const char* const envp[], const Options& options, ulexec_error* out) {
  Error error;
  Source src;
  src.fd = fd;
  (void)Run(src, argv, envp, options, error);  // returns only on failure
  return Finish(error.code, error, out);
}

int ExecMemory(const void* image, size_t size, const char* const argv[], const char* const envp[],
               const Options& options, ulexec_error* out) {
  Error error;
  Source src;
  src.image = image;
  src.size = size;
  (void)Run(src, argv, envp, options, error);  // returns only on failure
  return Finish(error.code, error, out);
}

}  // namespace ulexec

extern "C" int ulexec_execve(const char* path, char* const argv[], char* const envp[], ulexec_error* error) {
  return ulexec::ExecPath(path, argv, envp, {}, error);
}

extern "C" int ulexec_fexecve(int fd, char* const argv[], char* const envp[], ulexec_error* error) {
  return ulexec::ExecFd(fd, argv, envp, {}, error);
}

extern "C" int ulexec_exec_memory(const void* image, size_t size, char* const argv[], char* const envp[],
                                  ulexec_error* error) {
  return ulexec::ExecMemory(image, size, argv, envp, {}, error);
}
