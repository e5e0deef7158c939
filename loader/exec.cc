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
#include <sys/resource.h>
#include <sys/statfs.h>
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
    rewritten_ = true;
    if (size_ > 0) Drop();
    PushFront(script);
    if (argument) PushFront(argument);
    PushFront(interpreter);
  }
  std::span<const char* const> view() const { return {items_, size_}; }
  bool rewritten() const { return rewritten_; }

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
  bool rewritten_ = false;
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

// Moves the vDSO block from `from` to `to` (blocks that do not overlap) now. On failure the
// pieces already moved go back, so the block is whole at `from` again.
bool MoveVdso(const VdsoBlock& block, uint64_t from, uint64_t to) {
  auto move = [&](size_t i, uint64_t a, uint64_t b) {
    const Range& v = block.vmas[i];
    const uint64_t at = v.start - block.start;
    return crt::sys::Mremap(reinterpret_cast<void*>(a + at), v.size(), v.size(), MREMAP_MAYMOVE | MREMAP_FIXED,
                            reinterpret_cast<void*>(b + at))
        .ok();
  };
  for (size_t i = 0; i < block.count; ++i) {
    if (!move(i, from, to)) {
      while (i-- > 0) (void)move(i, to, from);
      return false;
    }
  }
  return true;
}

// Undoes whatever was done before the point of no return; the hand-off never returns, so on
// success none of this runs.
struct Rollback {
  Image* images[2] = {};
  Handoff* handoff = nullptr;
  int own_fds[3] = {-1, -1, -1};
  uint64_t rseq_area = 0;
  VdsoBlock vdso;          // moved early from vdso.start to vdso_now (through vdso_aside, if set)
  uint64_t vdso_now = 0;
  uint64_t vdso_aside = 0;
  bool personality_changed = false;
  unsigned long personality = 0;
  bool mask_changed = false;
  uint64_t mask = 0;
  ~Rollback() {
    for (Image* i : images) {
      if (i && i->mapped.size) UnmapImage(i->mapped);
    }
    uint64_t vdso_at = vdso_now;
    if (vdso_now) {
      // Back the way it came: a move onto an overlapping range goes through the aside range.
      if (vdso_aside && vdso_at != vdso_aside && MoveVdso(vdso, vdso_at, vdso_aside)) vdso_at = vdso_aside;
      if (MoveVdso(vdso, vdso_at, vdso.start)) vdso_at = vdso.start;
    }
    if (vdso_aside && vdso_at != vdso_aside) {
      (void)crt::sys::Munmap(reinterpret_cast<void*>(vdso_aside), RangeSize());  // the reservation
    }
    if (handoff) handoff->Release();
    for (int fd : own_fds) {
      if (fd >= 0) (void)crt::sys::Close(fd);
    }
    if (rseq_area) (void)crt::Syscall(SYS_rseq, rseq_area, kRseqAreaSize, 0, kRseqSig);
    if (personality_changed) (void)crt::sys::Personality(personality);
    if (mask_changed) (void)crt::sys::RtSigprocmask(SIG_SETMASK, &mask, nullptr);
  }
  uint64_t RangeSize() const {
    uint64_t end = 0;
    for (size_t i = 0; i < vdso.count; ++i) end = vdso.vmas[i].end > end ? vdso.vmas[i].end : end;
    return end - vdso.start;
  }
};

// execve's E2BIG (spec D2): the strings (the file name, the environment and argv as #! lines
// made it) and a pointer for each entry of the caller's argv (at least one) and environment
// must fit in a quarter of RLIMIT_STACK, at most 6 MiB; no string may exceed MAX_ARG_STRLEN.
bool CheckArgumentSpace(std::string_view filename, std::span<const char* const> head,
                        std::span<const char* const> tail, size_t caller_argc, const char* const* envp,
                        uint64_t rlimit_stack, Error& error) {
  uint64_t total = filename.size() + 1;
  const size_t argc = head.size() + tail.size(), envc = Count(envp);
  for (size_t i = 0; i < argc; ++i) {
    const uint64_t n = strlen(i < head.size() ? head[i] : tail[i - head.size()]) + 1;
    if (n > kMaxArgStrlen) return error.Fail(E2BIG, "argument ", i, " is longer than ", kMaxArgStrlen, " bytes");
    total += n;
  }
  if (argc == 0) total += 1;  // the "" the kernel puts in an empty argv (spec A9)
  for (size_t i = 0; i < envc; ++i) {
    const uint64_t n = strlen(envp[i]) + 1;
    if (n > kMaxArgStrlen) return error.Fail(E2BIG, "environment entry ", i, " is longer than ", kMaxArgStrlen, " bytes");
    total += n;
  }
  total += 8 * ((caller_argc ? caller_argc : 1) + envc);
  const uint64_t limit = ArgumentSpaceLimit(rlimit_stack);
  if (total > limit) {
    return error.Fail(E2BIG, "arguments and environment take ", total, " bytes; the limit is ", limit,
                      " (a quarter of RLIMIT_STACK, at most 6 MiB)");
  }
  return true;
}

uint64_t StackLimit() {
  struct rlimit lim = {};
  return crt::sys::Prlimit(0, RLIMIT_STACK, nullptr, &lim) ? lim.rlim_cur : 8 << 20;
}

// Calls f(name) for each entry of the folder but "." and "..".
template <typename F>
bool ForEachDirEntry(const char* path, Error& error, F&& f) {
  auto dir = crt::sys::Open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (!dir) return error.Fail(dir.error(), "cannot open ", path, ": ", crt::ErrnoMessage(dir.error()));
  alignas(8) char buf[4096] = {};  // zeroed: clang-tidy's analyzer does not see getdents64 fill it
  for (;;) {
    auto r = crt::sys::Getdents64(dir.value(), buf, sizeof buf);
    if (!r || r.value() == 0) break;
    for (size_t at = 0; at < r.value();) {
      const char* d = buf + at;  // struct linux_dirent64: reclen at 16, name at 19
      at += *reinterpret_cast<const uint16_t*>(d + 16);
      const std::string_view name(d + 19);
      if (name != "." && name != "..") f(name, dir.value());
    }
  }
  (void)crt::sys::Close(dir.value());
  return true;
}

bool CheckSingleThreaded(Error& error) {
  size_t threads = 0;
  if (!ForEachDirEntry("/proc/self/task", error, [&](std::string_view, int) { ++threads; })) return false;
  if (threads > 1) {
    return error.Fail(EBUSY, "the process has ", threads,
                      " threads; ulexec replaces only a single-threaded process (execve would kill the others)");
  }
  return true;
}

// A vfork()ed or CLONE_VM child shares its parent's memory: replacing it would destroy the
// parent's. (kcmp needs CONFIG_KCMP; without it this cannot be told and is not refused.)
bool CheckOwnMemory(Error& error) {
  constexpr int kKcmpVm = 1;
  const long pid = crt::Syscall(SYS_getpid), parent = crt::Syscall(SYS_getppid);
  if (crt::Syscall(SYS_kcmp, pid, parent, kKcmpVm, 0, 0) == 0) {
    return error.Fail(EBUSY, "the process shares its memory with its parent (vfork or CLONE_VM); replacing it "
                             "would destroy the parent's");
  }
  return true;
}

// The descriptors an exec closes (spec E4). Closing may report an error (a network file system's
// flush), but the descriptor is gone all the same: the ops may fail.
bool AddCloseOnExecOps(Handoff& handoff, Error& error) {
  return ForEachDirEntry("/proc/self/fd", error, [&](std::string_view name, int dir) {
    unsigned long fd;
    if (!crt::ParseUnsigned(name, &fd) || static_cast<int>(fd) == dir) return;
    auto flags = crt::sys::Fcntl(static_cast<int>(fd), F_GETFD);
    if (flags && (flags.value() & FD_CLOEXEC)) handoff.Syscall(SYS_close, fd, 0, 0, 0, 0, 0, Handoff::kMayFail);
  });
}

size_t CountDescriptors() {
  size_t n = 0;
  Error ignored;
  (void)ForEachDirEntry("/proc/self/fd", ignored, [&](std::string_view, int) { ++n; });
  return n;
}

// The caller's POSIX timers (spec E8), as /proc/self/timers lists them (present with
// CONFIG_CHECKPOINT_RESTORE; without it they survive, as the README says).
char g_timers[64 * 1024];

std::string_view ReadTimers() {
  auto fd = crt::sys::Open("/proc/self/timers", O_RDONLY | O_CLOEXEC);
  if (!fd) return {};
  size_t len = 0;
  for (;;) {
    auto r = crt::sys::Read(fd.value(), g_timers + len, sizeof g_timers - len);
    if (!r || r.value() == 0 || (len += r.value()) == sizeof g_timers) break;
  }
  (void)crt::sys::Close(fd.value());
  return {g_timers, len};
}

template <typename F>
void ForEachTimer(std::string_view text, F&& f) {
  (void)crt::ForEachLine(text, [&](std::string_view line) {
    unsigned long id;
    if (line.starts_with("ID: ") && crt::ParseUnsigned(crt::Slice(line, 4), &id)) f(id);
    return true;
  });
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
  if ((m.brk - m.start_brk) + (m.end_data - m.start_data) > rlimit_data) {
    return error.Fail(ENOMEM, "the data segment exceeds RLIMIT_DATA (", rlimit_data, " bytes)");
  }
  return true;
}

// Opens the program and follows #! lines to the ELF that runs (spec F), rewriting argv's head.
// `name` is the program's name as the kernel knows it (the path, or /dev/fd/N).
bool OpenProgram(int fd, bool from_path, const char* name, ArgvHead& head, Rollback& rollback, const char** elf_path,
                 Error& error) {
  const char* script = name;
  for (int depth = 0;; ++depth) {
    if (!ReadHead(fd, &g_main, error)) return false;
    if (!IsScript(g_main)) break;
    if (depth == 0 && !from_path) {
      // The interpreter opens the script as /dev/fd/N: it must survive the exec (spec D1).
      auto flags = crt::sys::Fcntl(fd, F_GETFD);
      if (rollback.own_fds[0] == fd && flags) {  // our memfd: it stays open in the program
        (void)crt::sys::Fcntl(fd, F_SETFD, flags.value() & ~FD_CLOEXEC);
      } else if (flags && (flags.value() & FD_CLOEXEC)) {
        return error.Fail(ENOENT, "a #! script from a close-on-exec descriptor cannot be read by its interpreter");
      }
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
  *elf_path = script;
  return LoadHeaders(&g_main, Role::kProgram, error);
}

bool OpenInterpreter(Rollback& rollback, Error& error) {
  if (!ReadInterpPath(g_main, g_interp_path, error)) return false;
  int fd;
  Error open_error;
  if (!OpenForExec(AT_FDCWD, g_interp_path, &fd, open_error) || !ReadHead(fd, &g_interp, open_error) ||
      !LoadHeaders(&g_interp, Role::kInterpreter, open_error)) {
    rollback.own_fds[1] = g_interp.fd;
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
    // No signal handler may run while the loader changes the process (a handler could call into
    // the vDSO as it moves); the entry frame restores the caller's mask (spec E2).
    const uint64_t all = ~uint64_t{0};
    if (crt::sys::RtSigprocmask(SIG_SETMASK, &all, &rollback_.mask)) rollback_.mask_changed = true;
    if (!options_.fresh_process && (!CheckSingleThreaded(error_) || !CheckOwnMemory(error_))) return false;
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
    if (src_.path) {
      if (!OpenForExec(AT_FDCWD, src_.path, &source.fd, error_)) return false;
      rollback_.own_fds[0] = source.fd;
    } else {
      const std::string_view fd_name = crt::FormatTo(fd_name_, sizeof fd_name_, "/dev/fd/", source.fd);
      if (!options_.execfn) execfn_ = fd_name;
      // fexecve's checks: execute permission for this user, no noexec mount (spec D1).
      if (auto r = crt::sys::Faccessat(source.fd, "", X_OK, AT_EMPTY_PATH | AT_EACCESS); !r) {
        return error_.Fail(r.error(), "descriptor ", source.fd, " is not executable by this user");
      }
    }
    // The kernel counts the arguments as soon as the file is open, before it reads a byte of it.
    const std::span<const char* const> caller_argv(argv_, Count(argv_));
    if (!CheckArgumentSpace(execfn_, {}, caller_argv, caller_argv.size(), envp_, StackLimit(), error_)) {
      return false;
    }
    if (!OpenProgram(source.fd, src_.path != nullptr, execfn_.data(), head_, rollback_, &elf_path_, error_)) {
      return false;
    }
    // For a descriptor, execveat(fd, "", AT_EMPTY_PATH) names the process after the file that
    // runs: the final interpreter of a #! chain (spec E6).
    comm_ = src_.path || options_.execfn ? Basename(execfn_) : FileName(g_main.fd);

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
    crt::FormatTo(proc_path, sizeof proc_path, "/proc/self/fd/", fd);
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
    // Open() checked the caller's argv; #! lines add strings, which count too.
    if (head_.rewritten() && !CheckArgumentSpace(execfn_, head_.view(), argv_tail_, Count(argv_), envp_,
                                                 state_.rlimit_stack, error_)) {
      return false;
    }
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
    for (const ProgramFile* f : {&g_main, has_interp_ ? &g_interp : &g_main}) {
      if (f->elf.is_dyn() && f->elf.span_end - f->elf.span_start >= space.mmap_base - kMinMmAddress) {
        return error_.Fail(ENOMEM, "the image spans ", crt::Hex{f->elf.span_end - f->elf.span_start},
                           " bytes, more than the address space below ", crt::Hex{space.mmap_base});
      }
    }
    if (elf.ehdr.e_type == ET_EXEC) main_.final_bias = 0;
    else if (has_interp_) main_.final_bias = PieLoadBias(elf, space.randomize, random_.pie);
    else main_.final_bias = TopDownLoadBias(elf, space.mmap_base, true, HugeAligned(g_main));
    main_.final_range = {elf.span_start + main_.final_bias, elf.span_end + main_.final_bias};
    // The lowest image placed top-down from mmap_base, and the end of the highest one.
    uint64_t top_down_start = space.mmap_base, top_down_end = space.mmap_base;
    if (elf.is_dyn() && !has_interp_) top_down_start = main_.final_range.start, top_down_end = main_.final_range.end;
    if (has_interp_) {
      const ElfFile& ielf = g_interp.elf;
      interp_.final_bias = ielf.is_dyn() ? TopDownLoadBias(ielf, space.mmap_base, false, HugeAligned(g_interp)) : 0;
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
    // The stack image, and a page to spare, must fit in RLIMIT_STACK, or the stack could not grow
    // to hold it (the kernel's exec fails with E2BIG then too).
    if (space.stack_top - image_low_ + kPageSize > PageStart(state_.rlimit_stack)) {
      return error_.Fail(E2BIG, "the new stack (", space.stack_top - image_low_, " bytes) does not fit in RLIMIT_STACK (",
                         state_.rlimit_stack, " bytes)");
    }
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

  // Whether the kernel would give a mapping of this file, 2 MiB or larger, a 2 MiB-aligned
  // address: files on ext4 and xfs, with transparent huge pages built in (see TopDownLoadBias).
  static bool HugeAligned(const ProgramFile& file) {
    if (file.elf.span_end - file.elf.span_start < kHugePageSize) return false;
    constexpr long kExt4Magic = 0xEF53, kXfsMagic = 0x58465342;
    struct statfs fs = {};
    if (crt::Syscall(SYS_fstatfs, file.fd, &fs) != 0 || (fs.f_type != kExt4Magic && fs.f_type != kXfsMagic)) {
      return false;
    }
    return crt::sys::Faccessat(AT_FDCWD, "/sys/kernel/mm/transparent_hugepage", F_OK).ok();
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
    uint64_t aside = 0;
    if (vdso_final_.Overlaps(vdso_was_)) {
      // A reservation, so that the move cannot land on anything (mremap replaces it).
      aside = alloc_.Next(vdso_was_.size());
      if (!crt::sys::Mmap(reinterpret_cast<void*>(aside), vdso_was_.size(), PROT_NONE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0)) {
        return true;  // the hand-off will move it
      }
      rollback_.vdso = block;
      rollback_.vdso_aside = aside;
      if (!MoveVdso(block, vdso_was_.start, aside)) return error_.Fail(ENOMEM, "cannot move the vDSO");
      rollback_.vdso_now = aside;
    }
    if (!MoveVdso(block, aside ? aside : vdso_was_.start, vdso_final_.start)) {
      return error_.Fail(ENOMEM, "cannot move the vDSO");
    }
    rollback_.vdso = block;
    rollback_.vdso_now = vdso_final_.start;
    rollback_.vdso_aside = aside;
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
    // Every x86-64 exec clears READ_IMPLIES_EXEC (spec C13), before it maps the program.
    if (state_.personality & READ_IMPLIES_EXEC) {
      if (!crt::sys::Personality(state_.personality & ~READ_IMPLIES_EXEC)) {
        return error_.Fail(EINVAL, "cannot clear READ_IMPLIES_EXEC");
      }
      rollback_.personality_changed = true;
      rollback_.personality = state_.personality;
    }
    // (The maps text predates a vDSO move: where the vDSO was is free now.)
    const Range moved_away = state_.vdso_block.start != vdso_was_.start ? vdso_was_ : Range{};
    for (Image* image : images()) {
      const Range& r = image->final_range;
      image->temporary = OverlapsAnyMapping(state_.maps, r, moved_away) || r.Overlaps(state_.vdso_block);
      const uint64_t at = image->temporary ? alloc_.Next(r.size()) : r.start;
      if (!MapImage(image->file->fd, image->file->elf, at, &image->mapped, error_)) return false;
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
    const bool vdso_moves = vdso_final_.start != state_.vdso_block.start;
    const uint64_t vdso_aside =
        vdso_moves && vdso_final_.Overlaps(state_.vdso_block) ? alloc_.Next(state_.vdso_block.size()) : 0;
    // Ops: the unmaps, vDSO moves, image moves, stack, prctl, resets (at most 32 in all), and for
    // a library host a reset per signal, a close per descriptor and a delete per timer.
    size_t max_ops = 32 + temporary_runs_ + 2 * state_.vdso_vma_count;
    if (!options_.fresh_process) {
      timers_ = ReadTimers();
      ForEachTimer(timers_, [&](unsigned long) { ++max_ops; });
      max_ops += 64 + CountDescriptors();
    }
    const uint64_t image_bytes = space.stack_top - image_low_;
    const size_t payload = image_bytes + 16 + 2 * sizeof(PrctlMmMap) + 2 * sizeof(crt::KernelSigaction) + 32 +
                           6 * size_t{16};  // + the alignment of each piece
    // Just above mmap_base, with a page of gap (so that it does not look like part of the image
    // below): the program's top-down mmaps never go there, and its stack stays far above (the
    // kernel keeps RLIMIT_STACK and a guard gap free below the stack).
    // (Above an earlier ulexec's page, when this process was itself started by ulexec.)
    const uint64_t area_size = Handoff::AreaSize(max_ops, payload);
    uint64_t hint = space.mmap_base + kPageSize;
    for (int i = 0; i < 8 && OverlapsAnyMapping(state_.maps, {hint, hint + area_size}); ++i) hint += 2 * kPageSize;
    if (!handoff_.Create(max_ops, payload, hint, error_)) return false;
    rollback_.handoff = &handoff_;
    const Range area{handoff_.start(), handoff_.start() + handoff_.size()};
    bool clash = area.Overlaps(vdso_final_);
    for (const Image* image : images()) clash |= area.Overlaps(image->final_range);
    if (clash) return error_.Fail(ENOMEM, "no room for the hand-off area outside the new program's memory");

    auto* stack_copy = static_cast<std::byte*>(handoff_.Payload(image_bytes));
    if (stack_copy == nullptr) return error_.Fail(E2BIG, "internal error: the hand-off area is too small");
    BuildStackImage(stack_request_, std::span(stack_copy, image_bytes), &stack_);
    stack_copy_ = stack_copy;
    // The initial [stack] mapping: the pages holding the strings, and 128 KiB below, within
    // RLIMIT_STACK (spec A13).
    stack_size_ = space.stack_top - PageStart(stack_.arg_start) + kStackExpand;
    if (stack_size_ > PageStart(state_.rlimit_stack) - kPageSize) stack_size_ = PageStart(state_.rlimit_stack) - kPageSize;
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
    if (vdso_moves) {
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
      const void* zero = handoff_.Payload(16);
      if (zero == nullptr) return error_.Fail(E2BIG, "internal error: the hand-off area is too small");
      handoff_.Copy(stack_low, zero, 1);  // a write grows [stack] down to its size
    }
    if (image_low_ > stack_low) {
      handoff_.Syscall(SYS_madvise, stack_low, image_low_ - stack_low, MADV_DONTNEED, 0, 0, 0, Handoff::kMayFail);
    }
    handoff_.Copy(image_low_, stack_copy, image_bytes);
    // 5. /proc/self/{exe,stat,cmdline,environ,auxv}: exe_fd needs a capability; without one, the
    // rest alone (spec G2, G4).
    handoff_.Syscall(SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, reinterpret_cast<uint64_t>(mm), sizeof *mm, 0, 0,
                     Handoff::kMayFail | Handoff::kSkipNextIfOk);
    // Where PR_SET_MM_MAP is not available at all (a kernel without CONFIG_CHECKPOINT_RESTORE, a
    // seccomp filter), the program still runs, with the loader's /proc fields and brk (README).
    handoff_.Syscall(SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, reinterpret_cast<uint64_t>(mm_without_exe), sizeof *mm, 0,
                     0, Handoff::kMayFail);
    // 6. Descriptors, signals, and the rest of what execve resets (spec E1-E12).
    if (!AddResets()) return false;
    if (g_main.elf.exec_stack) {
      handoff_.Syscall(SYS_mprotect, stack_low, stack_size_, PROT_READ | PROT_WRITE | PROT_EXEC);
    }
    if (handoff_.overflowed()) return error_.Fail(E2BIG, "internal error: the hand-off table is too small");
    return true;
  }

  // What the kernel keeps in /proc/self/{stat,cmdline,environ,auxv} (spec C14, G2), checked as
  // PR_SET_MM_MAP will check it, with exe_fd and without.
  bool DescribeMm(PrctlMmMap** with_exe, PrctlMmMap** without_exe) {
    auto* mm = static_cast<PrctlMmMap*>(handoff_.Payload(sizeof(PrctlMmMap)));
    auto* without = static_cast<PrctlMmMap*>(handoff_.Payload(sizeof(PrctlMmMap)));
    if (mm == nullptr || without == nullptr) return error_.Fail(E2BIG, "internal error: the hand-off area is too small");
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
      // A freshly exec'd caller has no handlers or close-on-exec descriptors but its own (a
      // memfd holding a #! script stays open for its interpreter: it is not close-on-exec).
      for (int fd : rollback_.own_fds) {
        auto flags = fd >= 0 ? crt::sys::Fcntl(fd, F_GETFD) : crt::Result<int>::Error(EBADF);
        if (flags && (flags.value() & FD_CLOEXEC)) handoff_.Syscall(SYS_close, fd, 0, 0, 0, 0, 0, Handoff::kMayFail);
      }
    } else {
      if (!AddCloseOnExecOps(handoff_, error_)) return false;
      auto* dfl = static_cast<crt::KernelSigaction*>(handoff_.Payload(sizeof(crt::KernelSigaction)));
      auto* ign = static_cast<crt::KernelSigaction*>(handoff_.Payload(sizeof(crt::KernelSigaction)));
      if (dfl == nullptr || ign == nullptr) return error_.Fail(E2BIG, "internal error: the hand-off area is too small");
      ign->handler = reinterpret_cast<void*>(kSigIgn);
      AddSignalResetOps(handoff_, dfl, ign);
      ForEachTimer(timers_, [&](unsigned long id) {
        handoff_.Syscall(SYS_timer_delete, id, 0, 0, 0, 0, 0, Handoff::kMayFail);
      });
      handoff_.Syscall(SYS_set_robust_list, 0, 24);
      handoff_.Syscall(SYS_set_tid_address, 0);
      // Cleared by execve; with SECBIT_KEEP_CAPS_LOCKED the prctl is refused, so only when set.
      if (crt::sys::Prctl(PR_GET_KEEPCAPS).value() == 1) {
        handoff_.Syscall(SYS_prctl, PR_SET_KEEPCAPS, 0, 0, 0, 0, 0, Handoff::kMayFail);
      }
      handoff_.Syscall(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0, 0, Handoff::kMayFail);
    }
    auto* name = static_cast<char*>(handoff_.Payload(16));
    if (name == nullptr) return error_.Fail(E2BIG, "internal error: the hand-off area is too small");
    memcpy(name, comm_.data(), comm_.size() < 15 ? comm_.size() : 15);
    handoff_.Syscall(SYS_prctl, PR_SET_NAME, reinterpret_cast<uint64_t>(name));
    return true;
  }

  bool Enter() {
    if (options_.before_entry && !options_.before_entry(View(), options_.before_entry_context)) {
      return error_.Fail(ECANCELED, "cancelled before the point of no return");
    }
    // rseq: the host's registration points into memory that is about to go (spec E9).
    // A registration left behind would make the kernel write into unmapped memory and kill the
    // program at its first preemption: refuse instead.
    if (!options_.fresh_process && &__rseq_size != nullptr && __rseq_size != 0) {
      const uint64_t area = reinterpret_cast<uint64_t>(crt::arch::ThreadPointer()) + __rseq_offset;
      const long r = crt::Syscall(SYS_rseq, area, kRseqAreaSize, kRseqFlagUnregister, kRseqSig);
      if (r != 0) return error_.Fail(static_cast<int>(-r), "cannot unregister the C library's rseq area");
      rollback_.rseq_area = area;
    }
    const ElfFile& entry_elf = has_interp_ ? g_interp.elf : g_main.elf;
    const uint64_t entry = entry_elf.ehdr.e_entry + (has_interp_ ? interp_.final_bias : main_.final_bias);
    // The caller's mask, as it was before Run() blocked everything (spec E2).
    if (!handoff_.Seal(entry, stack_.sp, rollback_.mask, error_)) return false;
    // -- The point of no return. --
    handoff_.Enter();
  }

  EntryView View() const {
    const uint64_t entry = has_interp_ ? g_interp.elf.ehdr.e_entry + interp_.final_bias
                                       : g_main.elf.ehdr.e_entry + main_.final_bias;
    return EntryView{elf_path_,
                     execfn_.data(),
                     has_interp_ ? g_interp_path : nullptr,
                     entry,
                     g_main.elf.ehdr.e_entry + main_.final_bias,
                     main_.final_bias,
                     has_interp_ ? interp_.final_bias : 0,
                     state_.space.stack_top,
                     stack_.sp,
                     stack_copy_,
                     state_.space.stack_top - image_low_,
                     stack_request_.auxv.size()};
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
  const char* elf_path_ = nullptr;  // the ELF file that runs, as named (a #! interpreter's path)
  char fd_name_[32] = {};
  char link_[256] = {};
  bool has_interp_ = false;
  std::string_view timers_;

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
  const std::byte* stack_copy_ = nullptr;  // the stack image, in the hand-off payload
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
