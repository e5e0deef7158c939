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

constexpr uint64_t kStackExpand = 128 * 1024;  // the kernel's initial stack below the strings
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
  Allocator(const ProcessState& state) : state_(state) {
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
  const ProcessState& state_;
  uint64_t floor_;
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
  alignas(8) char buf[4096];
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
  alignas(8) char buf[4096];
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
    crt::KernelSigaction old;
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

bool Run(const Source& src, const char* const argv_in[], const char* const envp_in[], const Options& options,
        Error& error) {
  static const char* const kEmpty[] = {nullptr};
  const char* const* argv = argv_in ? argv_in : kEmpty;
  const char* const* envp = envp_in ? envp_in : kEmpty;
  Rollback rollback;
  g_main.Reset();
  g_interp.Reset();
  if (!options.fresh_process && !CheckSingleThreaded(error)) return false;

  // AT_EXECFN and comm: the name as passed, or /dev/fd/N with the file's own name (spec A2, E6).
  char fd_name[32];
  std::string_view execfn, comm;
  char link[256];
  if (options.execfn) {
    execfn = options.execfn;
  } else if (src.path) {
    execfn = src.path;
  }
  ArgvHead head;
  head.Start(argv);
  Source source = src;
  if (src.image) {
    // One copy into a memfd; from there on it is a descriptor like any other (file-backed pages).
    auto m = crt::sys::MemfdCreate("ulexec", MFD_CLOEXEC);
    if (!m) return error.Fail(m.error(), "cannot create a memfd: ", crt::ErrnoMessage(m.error()));
    source.fd = m.value();
    rollback.own_fds[0] = source.fd;
    if (auto w = crt::WriteAll(source.fd, src.image, src.size); !w) {
      return error.Fail(w.error(), "cannot copy the image into a memfd: ", crt::ErrnoMessage(w.error()));
    }
  }
  if (!src.path) {
    crt::Writer w(fd_name, sizeof fd_name - 1);
    w << "/dev/fd/" << source.fd;
    fd_name[w.view().size()] = '\0';
    if (!options.execfn) execfn = std::string_view(fd_name, w.view().size());
  }
  if (!OpenProgram(source, execfn.data(), head, rollback, error)) return false;
  if (src.path || options.execfn) {
    comm = Basename(execfn);
  } else {
    // execveat(fd, "", AT_EMPTY_PATH) names the process after the file itself.
    char proc_path[48];
    crt::Writer p(proc_path, sizeof proc_path - 1);
    p << "/proc/self/fd/" << source.fd;
    proc_path[p.view().size()] = '\0';
    auto n = crt::sys::Readlinkat(AT_FDCWD, proc_path, link, sizeof link);
    comm = n ? Basename(std::string_view(link, n.value())) : std::string_view("exe");
    constexpr std::string_view kDeleted = " (deleted)";
    if (comm.size() > kDeleted.size() && crt::Slice(comm, comm.size() - kDeleted.size()) == kDeleted) {
      comm.remove_suffix(kDeleted.size());
    }
  }

  const bool has_interp = g_main.elf.interp != nullptr;
  if (has_interp && !OpenInterpreter(rollback, error)) return false;
  // What the kernel would die of comes after the interpreter's errors, as in the kernel.
  if (!CheckImage(g_main, Role::kProgram, error)) return false;
  if (has_interp && !CheckImage(g_interp, Role::kInterpreter, error)) {
    return error.Fail(error.code, "interpreter ", g_interp_path, ": ", Error(error).detail());
  }

  ProcessState state;
  const Range own_image{reinterpret_cast<uint64_t>(options.own_image_start),
                        reinterpret_cast<uint64_t>(options.own_image_end)};
  if (!ReadProcessState(reinterpret_cast<const crt::AuxEntry*>(options.auxv), own_image, &state, error)) {
    return false;
  }
  const std::span<const char* const> argv_tail(argv[0] ? argv + 1 : argv, argv[0] ? Count(argv) - 1 : 0);
  if (!CheckArgumentSpace(execfn, head.view(), argv_tail, envp, state.rlimit_stack, error)) return false;

  struct {
    unsigned char at_random[16];
    uint64_t pie, brk, pad;
  } random;
  if (auto r = crt::sys::Getrandom(&random, sizeof random, 0); !r || r.value() != sizeof random) {
    return error.Fail(r.ok() ? EIO : r.error(), "getrandom failed");
  }
  const AddressSpace& space = state.space;

  // Where the images go (spec C3-C6).
  Image main_image{&g_main, {}, 0, false, {}};
  Image interp_image{&g_interp, {}, 0, false, {}};
  const ElfFile& elf = g_main.elf;
  if (elf.ehdr.e_type == ET_EXEC) main_image.final_bias = 0;
  else if (has_interp) main_image.final_bias = PieLoadBias(elf, space.randomize, random.pie);
  else main_image.final_bias = TopDownLoadBias(elf, space.mmap_base, true);
  main_image.final_range = {elf.span_start + main_image.final_bias, elf.span_end + main_image.final_bias};
  uint64_t lowest_top_down = has_interp || elf.ehdr.e_type == ET_EXEC ? space.mmap_base : main_image.final_range.start;
  if (has_interp) {
    const ElfFile& ielf = g_interp.elf;
    interp_image.final_bias = ielf.ehdr.e_type == ET_EXEC ? 0 : TopDownLoadBias(ielf, space.mmap_base, false);
    interp_image.final_range = {ielf.span_start + interp_image.final_bias, ielf.span_end + interp_image.final_bias};
    if (ielf.is_dyn()) lowest_top_down = interp_image.final_range.start;
    if (interp_image.final_range.Overlaps(main_image.final_range)) {
      return error.Fail(ENOMEM, "the program and its interpreter ", g_interp_path, " overlap");
    }
  }
  // The vDSO goes right below the top-down images, or at the top if it fits there (spec C7).
  Range vdso_final = state.vdso_block;
  if (state.vdso_block.size()) {
    const uint64_t top_end = space.mmap_base;
    const uint64_t highest_image_end = lowest_top_down == space.mmap_base ? space.mmap_base
                                       : has_interp && g_interp.elf.is_dyn() ? interp_image.final_range.end
                                                                             : main_image.final_range.end;
    const uint64_t end = top_end - highest_image_end >= state.vdso_block.size() ? top_end : lowest_top_down;
    vdso_final = {end - state.vdso_block.size(), end};
  }

  // The new stack (spec A): auxv, then the image of [sp, S).
  const ElfFile& entry_elf = has_interp ? g_interp.elf : elf;
  const uint64_t entry_bias = has_interp ? interp_image.final_bias : main_image.final_bias;
  const ImageFacts facts = DescribeImage(elf);
  crt::AuxEntry auxv[kMaxAuxv];
  ComputedAuxv computed;
  computed.phdr = facts.phdr_vaddr ? facts.phdr_vaddr + main_image.final_bias : main_image.final_bias;
  computed.phent = sizeof(Elf64_Phdr);
  computed.phnum = elf.ehdr.e_phnum;
  computed.base = has_interp ? interp_image.final_bias : 0;
  computed.entry = elf.ehdr.e_entry + main_image.final_bias;
  if (state.vdso_start) computed.sysinfo_ehdr = state.vdso_start - state.vdso_block.start + vdso_final.start;
  const size_t auxc = ComposeAuxv(state.auxv, computed, auxv);
  if (auxc == 0) return error.Fail(E2BIG, "the auxiliary vector has more than ", kMaxAuxv, " entries");

  StackRequest sreq;
  sreq.stack_top = space.stack_top;
  sreq.argv_head = head.view();
  sreq.argv = argv_tail;
  sreq.envp = std::span(envp, Count(envp));
  sreq.execfn = execfn;
  sreq.platform = arch::kPlatform;
  sreq.random = random.at_random;
  sreq.pad = space.randomize ? random.pad % 8192 : 0;
  sreq.auxv = std::span(auxv, auxc);
  const uint64_t stack_bytes = StackImageSize(sreq);
  const uint64_t image_low = PageStart(space.stack_top - stack_bytes);

  // Map the images: in place if the place is free now, else nearby and moved at the hand-off.
  Allocator alloc(state);
  alloc.Avoid(main_image.final_range);
  alloc.Avoid(vdso_final);
  if (has_interp) alloc.Avoid(interp_image.final_range);
  Image* images[2] = {&main_image, has_interp ? &interp_image : nullptr};
  // The vDSO block, if it must move and its new place is free now, moves now (reversibly): the
  // images can then be mapped in place, even where the vDSO was. Otherwise the hand-off moves it.
  const Range vdso_was = state.vdso_block;
  if (vdso_final.start != vdso_was.start && !OverlapsAnyMapping(state.maps, vdso_final, vdso_was)) {
    VdsoBlock block;
    block.count = state.vdso_vma_count;
    block.start = vdso_was.start;
    for (size_t i = 0; i < block.count; ++i) block.vmas[i] = state.vdso_vmas[i];
    // mremap cannot move a mapping onto itself: a move by less than the block's size goes
    // through a free range first.
    uint64_t from = vdso_was.start;
    bool moved = true;
    if (vdso_final.Overlaps(vdso_was)) {
      const uint64_t aside = alloc.Next(vdso_was.size());
      moved = MoveVdso(block, from, aside);
      if (moved) from = aside;
    }
    if (moved) moved = MoveVdso(block, from, vdso_final.start);
    if (!moved) {
      (void)MoveVdso(block, from, vdso_was.start);  // back from where it got to, if it did
      return error.Fail(ENOMEM, "cannot move the vDSO");
    }
    rollback.vdso = block;
    rollback.vdso_now = vdso_final.start;
    const uint64_t delta = vdso_final.start - vdso_was.start;
    for (size_t i = 0; i < state.vdso_vma_count; ++i) {
      state.vdso_vmas[i].start += delta;
      state.vdso_vmas[i].end += delta;
    }
    state.vdso_block = vdso_final;
  }
  size_t runs = 0;
  for (size_t i = 0; i < 2; ++i) {
    Image* image = images[i];
    if (!image) continue;
    const Range& r = image->final_range;
    if (r.Overlaps({image_low - kStackExpand, space.stack_top})) {
      return error.Fail(ENOMEM, "the image would overlap the stack (", crt::Hex{r.start}, '-', crt::Hex{r.end}, ')');
    }
    // (The maps text predates a vDSO move: where the vDSO was is free now.)
    const Range moved_away = state.vdso_block.start != vdso_was.start ? vdso_was : Range{};
    image->temporary = OverlapsAnyMapping(state.maps, r, moved_away) || r.Overlaps(state.vdso_block);
    const uint64_t at = image->temporary ? alloc.Next(r.size()) : r.start;
    if (!MapImage(image->file->fd, image->file->elf, at, Placement::kExact, &image->mapped, error)) {
      return false;
    }
    rollback.images[i] = image;
    if (image->temporary) ForEachMappedRun(image->mapped, [&](uint64_t, uint64_t) { ++runs; });
  }
  // The interpreter's descriptor is not needed once it is mapped; the program's is, for exe_fd.
  if (has_interp) {
    (void)crt::sys::Close(g_interp.fd);
    rollback.own_fds[1] = -1;
  }

  // A free range to move the vDSO through when it moves by less than its own size.
  const uint64_t vdso_aside = vdso_final.Overlaps(state.vdso_block) ? alloc.Next(state.vdso_block.size()) : 0;

  // The hand-off area, with room for every op and for the stack image.
  const size_t max_ops = 96 + runs + 2 * state.vdso_vma_count + (options.fresh_process ? 0 : 1024);
  const size_t payload = (space.stack_top - image_low) + 16 + 2 * sizeof(PrctlMmMap) +
                         2 * sizeof(crt::KernelSigaction) + 32 + 6 * 16;  // + alignment of each
  Handoff handoff;
  // Just above mmap_base: the new program's top-down mmaps never go there, and its stack stays
  // far above (the kernel keeps at least RLIMIT_STACK and a guard gap free below the stack).
  // A page of gap keeps it from looking like part of the image just below mmap_base.
  if (!handoff.Create(max_ops, payload, space.mmap_base + kPageSize, error)) return false;
  {
    const Range area{handoff.start(), handoff.start() + handoff.size()};
    bool clash = area.Overlaps(main_image.final_range) || area.Overlaps(vdso_final);
    if (has_interp) clash |= area.Overlaps(interp_image.final_range);
    if (clash) return error.Fail(ENOMEM, "no room for the hand-off area outside the new program's memory");
  }
  rollback.handoff = &handoff;

  auto* stack_copy = static_cast<std::byte*>(handoff.Payload(space.stack_top - image_low));
  StackImage stack;
  BuildStackImage(sreq, std::span(stack_copy, space.stack_top - image_low), &stack);
  // The initial [stack] mapping: the pages holding the strings, and 128 KiB below, within
  // RLIMIT_STACK (spec A13).
  uint64_t stack_size = space.stack_top - PageStart(stack.arg_start) + kStackExpand;
  if (stack_size > PageStart(state.rlimit_stack)) stack_size = PageStart(state.rlimit_stack);
  if (stack_size < space.stack_top - image_low) stack_size = space.stack_top - image_low;
  const uint64_t stack_low = space.stack_top - stack_size;

  // What the kernel keeps in /proc/self/{stat,cmdline,environ,auxv} (spec C14, G2).
  auto* mm = static_cast<PrctlMmMap*>(handoff.Payload(sizeof(PrctlMmMap)));
  const uint64_t bias = main_image.final_bias;
  *mm = PrctlMmMap{facts.start_code + bias, facts.end_code + bias, facts.start_data + bias, facts.end_data + bias,
                   0, 0, stack.sp, stack.arg_start, stack.arg_end, stack.env_start, stack.env_end,
                   stack.auxv, static_cast<uint32_t>(stack.auxv_bytes), static_cast<uint32_t>(g_main.fd)};
  mm->start_brk = mm->brk = StartBrk(elf, facts.brk + bias, has_interp, space, random.brk);
  // An image below the lowest address PR_SET_MM_MAP takes (root may map page 0, spec C3/H4): the
  // fields only show in /proc/self/stat; raise them to that address (README: known differences).
  for (uint64_t* f : {&mm->start_code, &mm->end_code, &mm->start_data, &mm->end_data}) {
    if (*f < kMinMmAddress) *f = kMinMmAddress;
  }
  if (mm->end_code <= mm->start_code) mm->end_code = mm->start_code + 1;
  if (!CheckMmMap(*mm, state.rlimit_data, error)) return false;
  auto* mm_without_exe = static_cast<PrctlMmMap*>(handoff.Payload(sizeof(PrctlMmMap)));
  *mm_without_exe = *mm;
  mm_without_exe->exe_fd = static_cast<uint32_t>(-1);

  // 1. Everything but what stays: the stack, the vDSO, the hand-off area and the images.
  Range keep[6];
  size_t nkeep = 0;
  keep[nkeep++] = {stack_low, space.stack_top};
  if (state.vdso_block.size()) keep[nkeep++] = state.vdso_block;
  keep[nkeep++] = {handoff.start(), handoff.start() + handoff.size()};
  for (Image* image : images) {
    if (image) keep[nkeep++] = {image->mapped.start, image->mapped.start + image->mapped.size};
  }
  for (size_t i = 0; i < nkeep; ++i) {  // sort by start
    for (size_t j = i + 1; j < nkeep; ++j) {
      if (keep[j].start < keep[i].start) {
        const Range t = keep[i];
        keep[i] = keep[j];
        keep[j] = t;
      }
    }
  }
  arch::AddResetOps(handoff);
  uint64_t from = 0;
  for (size_t i = 0; i < nkeep; ++i) {
    if (keep[i].start > from) handoff.Syscall(SYS_munmap, from, keep[i].start - from);
    if (keep[i].end > from) from = keep[i].end;
  }
  if (from < arch::kTaskSize) handoff.Syscall(SYS_munmap, from, arch::kTaskSize - from);

  // 2. The vDSO block to where the kernel would have put it, keeping its pieces' relative places.
  // mremap cannot move a mapping onto itself: a move by less than the block's size goes through a
  // free range first.
  if (vdso_final.start != state.vdso_block.start) {
    auto move_block = [&](uint64_t from, uint64_t to) {
      for (size_t i = 0; i < state.vdso_vma_count; ++i) {
        const Range& v = state.vdso_vmas[i];
        handoff.Syscall(SYS_mremap, v.start - state.vdso_block.start + from, v.size(), v.size(),
                        MREMAP_MAYMOVE | MREMAP_FIXED, v.start - state.vdso_block.start + to);
      }
    };
    if (vdso_final.Overlaps(state.vdso_block)) {
      const uint64_t aside = vdso_aside;
      move_block(state.vdso_block.start, aside);
      move_block(aside, vdso_final.start);
    } else {
      move_block(state.vdso_block.start, vdso_final.start);
    }
  }
  // 3. Images mapped elsewhere, into place.
  for (Image* image : images) {
    if (!image || !image->temporary) continue;
    ForEachMappedRun(image->mapped, [&](uint64_t offset, uint64_t length) {
      handoff.Syscall(SYS_mremap, image->mapped.start + offset, length, length, MREMAP_MAYMOVE | MREMAP_FIXED,
                      image->final_range.start + offset);
    });
  }
  // 4. The stack: the old one's pages below the image zeroed, its size as the kernel's, the image.
  if (stack_low < state.stack.start) {
    const void* zero = handoff.Payload(16);
    handoff.Copy(stack_low, zero, 1);  // grows [stack] down to its initial size
  }
  if (image_low > stack_low) {
    handoff.Syscall(SYS_madvise, stack_low, image_low - stack_low, MADV_DONTNEED, 0, 0, 0, Handoff::kMayFail);
  }
  handoff.Copy(image_low, stack_copy, space.stack_top - image_low);
  // 5. /proc/self/{exe,stat,cmdline,environ,auxv}: exe_fd needs a capability; without one, the
  // rest alone (spec G2, G4).
  handoff.Syscall(SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, reinterpret_cast<uint64_t>(mm), sizeof *mm, 0, 0,
                  Handoff::kMayFail | Handoff::kSkipNextIfOk);
  handoff.Syscall(SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, reinterpret_cast<uint64_t>(mm_without_exe), sizeof *mm, 0);
  // 6. Descriptors, signals, and the rest of what execve resets (spec E1-E12).
  if (options.fresh_process) {
    for (int fd : rollback.own_fds) {
      if (fd >= 0) handoff.Syscall(SYS_close, fd);
    }
  } else {
    if (!AddCloseOnExecOps(handoff, error)) return false;
    auto* dfl = static_cast<crt::KernelSigaction*>(handoff.Payload(sizeof(crt::KernelSigaction)));
    auto* ign = static_cast<crt::KernelSigaction*>(handoff.Payload(sizeof(crt::KernelSigaction)));
    ign->handler = reinterpret_cast<void*>(kSigIgn);
    AddSignalResetOps(handoff, dfl, ign);
    AddTimerDeleteOps(handoff);
    handoff.Syscall(SYS_set_robust_list, 0, 24);
    handoff.Syscall(SYS_set_tid_address, 0);
    handoff.Syscall(SYS_prctl, PR_SET_KEEPCAPS, 0);
    handoff.Syscall(SYS_prctl, PR_SET_DUMPABLE, 1);
  }
  auto* name = static_cast<char*>(handoff.Payload(16));
  memcpy(name, comm.data(), comm.size() < 15 ? comm.size() : 15);
  handoff.Syscall(SYS_prctl, PR_SET_NAME, reinterpret_cast<uint64_t>(name));
  if (state.personality & READ_IMPLIES_EXEC) handoff.Syscall(SYS_personality, state.personality & ~READ_IMPLIES_EXEC);
  if (elf.exec_stack) {
    handoff.Syscall(SYS_mprotect, stack_low, stack_size, PROT_READ | PROT_WRITE | PROT_EXEC);
  }

  // rseq: the host's registration points into memory that is about to go (spec E9).
  if (!options.fresh_process && &__rseq_size != nullptr && __rseq_size != 0) {
    const uint64_t area = reinterpret_cast<uint64_t>(crt::arch::ThreadPointer()) + __rseq_offset;
    if (crt::Syscall(SYS_rseq, area, kRseqAreaSize, kRseqFlagUnregister, kRseqSig) == 0) rollback.rseq_area = area;
  }

  // All signals blocked from here; the entry frame restores the caller's mask (spec E2).
  uint64_t all = ~uint64_t{0}, old_mask = 0;
  (void)crt::sys::RtSigprocmask(SIG_SETMASK, &all, &old_mask);
  const uint64_t entry = entry_elf.ehdr.e_entry + entry_bias;
  if (!handoff.Seal(entry, stack.sp, old_mask, error)) {
    (void)crt::sys::RtSigprocmask(SIG_SETMASK, &old_mask, nullptr);
    return false;
  }
  // -- The point of no return. --
  handoff.Enter();
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
