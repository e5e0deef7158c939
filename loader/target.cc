// Resolve: the program, its #! chain and its interpreter, as a Target value (target.h).
#include "target.h"

#include "binfmt-misc.h"
#include "exec-plan.h"
#include "layout.h"
#include "proc-files.h"
#include "rollback.h"
#include "static-buffers.h"

#include <crt/errno-names.h>
#include <crt/string.h>
#include <crt/sys.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

namespace ulexec {
namespace {

constexpr const char* kBinfmtMiscDir = "/proc/sys/fs/binfmt_misc";

std::string_view Basename(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : crt::Slice(path, slash + 1);
}

// execveat(fd, "", AT_EMPTY_PATH) names the process after the file itself.
std::string_view FileName(int fd) {
  char proc_path[48];
  crt::FormatTo(proc_path, sizeof proc_path, "/proc/self/fd/", fd);
  auto n = crt::sys::Readlinkat(AT_FDCWD, proc_path, Buffers().fd_link, sizeof Buffers().fd_link);
  std::string_view name = n ? Basename(std::string_view(Buffers().fd_link, n.value())) : std::string_view("exe");
  constexpr std::string_view kDeleted = " (deleted)";
  if (name.size() > kDeleted.size() && crt::Slice(name, name.size() - kDeleted.size()) == kDeleted) {
    name.remove_suffix(kDeleted.size());
  }
  return name;
}

// Whether the kernel would give a mapping of this file, 2 MiB or larger, a 2 MiB-aligned
// address: files on ext4 and xfs (with transparent huge pages built in: ProcessState::thp).
bool OnThpFileSystem(const ProgramFile& file) {
  if (file.elf.span_end - file.elf.span_start < kHugePageSize) return false;
  constexpr long kExt4Magic = 0xEF53, kXfsMagic = 0x58465342;
  struct statfs fs = {};
  return crt::Syscall(SYS_fstatfs, file.fd, &fs) == 0 && (fs.f_type == kExt4Magic || fs.f_type == kXfsMagic);
}

// The owner, mode and mount flags of the file that runs: its set-id bits (spec E13). The mount
// matters only to a set-id file: no fstatfs for the others.
bool StatExecFile(int fd, ExecFile* file, Error& error) {
  struct stat st = {};
  if (auto r = crt::sys::Fstat(fd, &st); !r) return error.Fail(r.error(), "fstat failed");
  *file = {st.st_uid, st.st_gid, st.st_mode, false};
  if ((st.st_mode & (S_ISUID | S_ISGID)) == 0) return true;
  struct statfs fs = {};
  if (crt::Syscall(SYS_fstatfs, fd, &fs) != 0) return error.Fail(EIO, "fstatfs failed");
  file->nosuid_mount = (fs.f_flags & ST_NOSUID) != 0;
  return true;
}

// The descriptor the program comes from: opened from the path, a memfd holding the bytes, or the
// caller's (which must be executable, spec D1).
bool OpenSource(const Source& src, const Options& options, Rollback& rollback, Target* t, int* fd, Error& error) {
  *fd = src.fd;
  if (src.memory) {
    // One copy into a memfd; from there on it is a descriptor like any other.
    auto m = crt::sys::MemfdCreate("ulexec", MFD_CLOEXEC);
    if (!m) return error.Fail(m.error(), "cannot create a memfd: ", crt::ErrnoMessage(m.error()));
    *fd = rollback.own_fds[0] = m.value();
    if (auto w = crt::WriteAll(*fd, src.memory, src.size); !w) {
      return error.Fail(w.error(), "cannot copy the image into a memfd: ", crt::ErrnoMessage(w.error()));
    }
  }
  if (src.path) {
    if (!OpenForExec(AT_FDCWD, src.path, fd, error)) return false;
    rollback.own_fds[0] = *fd;
    return true;
  }
  const std::string_view fd_name = crt::FormatTo(Buffers().fd_name, sizeof Buffers().fd_name, "/dev/fd/", *fd);
  if (!options.execfn) t->execfn = fd_name;
  // fexecve's checks: execute permission for this user, no noexec mount (spec D1).
  if (auto r = crt::sys::Faccessat(*fd, "", X_OK, AT_EMPTY_PATH | AT_EACCESS); !r) {
    return error.Fail(r.error(), "descriptor ", *fd, " is not executable by this user");
  }
  return true;
}

// The text of binfmt_misc's file `name` (empty when it cannot be read), in Buffers().binfmt_text.
std::string_view ReadBinfmtFile(std::string_view name) {
  char path[128];
  crt::FormatTo(path, sizeof path, kBinfmtMiscDir, '/', name);
  std::string_view text;
  Error ignored;
  if (!ReadProcFile(path, Buffers().binfmt_text, sizeof Buffers().binfmt_text, true, &text, ignored)) return {};
  return text;
}

// The binfmt_misc entry that takes a file no other format took (docs/execve.md#D3), newest
// registered first as check_file tries them (the directory lists them in that order); none when
// binfmt_misc is not mounted or is disabled.
const BinfmtEntry* FindBinfmtMisc(std::span<const std::byte> head, std::string_view name, BinfmtEntry* out) {
  if (ReadBinfmtFile("status") != "enabled\n") return nullptr;
  auto& names = Buffers().binfmt_names;
  size_t count = 0;
  Error ignored;
  (void)ForEachDirEntry(kBinfmtMiscDir, ignored, [&](std::string_view entry, int) {
    if (entry == "status" || entry == "register" || count == std::size(names) || entry.size() >= sizeof names[0]) {
      return;
    }
    crt::FormatTo(names[count++], sizeof names[0], entry);
  });
  for (size_t i = 0; i < count; ++i) {
    if (ParseBinfmtEntry(ReadBinfmtFile(names[i]), out) && BinfmtMatches(*out, head, name)) {
      out->name = names[i];
      return out;
    }
  }
  return nullptr;
}

// binfmt_misc's O flag: the file, open for the interpreter (AT_EXECFD, docs/execve.md#D3). A
// description of its own, as the kernel's is: reopened, without OpenForExec's O_NONBLOCK (which
// the interpreter would see) and never sharing the offset of a caller's descriptor.
bool OpenExecFdFile(int fd, Rollback& rollback, Target* t, Error& error) {
  char path[48];
  crt::FormatTo(path, sizeof path, "/proc/self/fd/", fd);
  if (rollback.own_fds[3] >= 0) (void)crt::sys::Close(rollback.own_fds[3]);  // (a second O level: ENOEXEC)
  auto r = crt::sys::Openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (!r) return error.Fail(r.error(), "cannot open the file again for its binfmt_misc interpreter (flag O)");
  t->execfd_file = rollback.own_fds[3] = r.value();
  return true;
}

// The binfmt_misc entry's interpreter cannot be opened. With flag F the kernel opened it when
// the entry was registered and keeps that file; ulexec opens it by path now (docs/execve.md#D3).
bool FailMiscInterpreter(const BinfmtEntry& entry, int code, Error& error) {
  if (!entry.fix_binary) {
    return error.Fail(code, "interpreter ", entry.interpreter, " named by binfmt_misc entry ", entry.name);
  }
  return error.Fail(code, "interpreter ", entry.interpreter, " named by binfmt_misc entry ", entry.name,
                    " (flag F: the kernel opened it when the entry was registered; ulexec opens it by path, "
                    "here and now)");
}

// The interpreter of a #! line, or of the binfmt_misc entry that takes the file; nullptr with
// `error` when neither does.
const char* NextInterpreter(int fd, int depth, bool from_path, const char* script, Rollback& rollback, Target* t,
                            Error& error) {
  ProgramFile& program = Buffers().program;
  const BinfmtEntry* entry = nullptr;
  if (!IsScript(program)) {
    // LoadHeaders failed with ENOEXEC: a binfmt_misc entry may take the file.
    const auto head = std::span(program.head, program.head_len);
    entry = FindBinfmtMisc(head, script, &Buffers().binfmt_entries[depth]);
    if (entry == nullptr) return nullptr;
  }
  if (depth == 0 && !from_path) {
    // The interpreter opens the file as /dev/fd/N: it must survive the exec (spec D1; the kernel's
    // BINPRM_FLAGS_PATH_INACCESSIBLE, for #! and binfmt_misc alike).
    auto flags = crt::sys::Fcntl(fd, F_GETFD);
    if (rollback.own_fds[0] == fd && flags) {  // our memfd: it stays open in the program
      (void)crt::sys::Fcntl(fd, F_SETFD, flags.value() & ~FD_CLOEXEC);
      rollback.memfd_inherited = true;
    } else if (flags && (flags.value() & FD_CLOEXEC)) {
      (void)error.Fail(ENOENT, entry ? "a binfmt_misc file from a close-on-exec descriptor cannot be read by its "
                                       "interpreter"
                                     : "a #! script from a close-on-exec descriptor cannot be read by its interpreter");
      return nullptr;
    }
  }
  if (entry) {
    t->argv_head.RewriteMisc(entry->interpreter, script, entry->preserve_argv0);
    if (entry->open_binary) {
      if (!OpenExecFdFile(fd, rollback, t, error)) return nullptr;
      t->creds_from_execfd = entry->credentials;  // C (which implies O): the file's set-id bits
    }
    return entry->interpreter;
  }
  Shebang& line = Buffers().shebangs[depth];
  if (!ParseShebang(std::span(program.head, program.head_len), &line, error)) return nullptr;
  t->argv_head.Rewrite(line.interpreter, line.argument, script);
  return line.interpreter;
}

// Follows #! lines and binfmt_misc entries from `fd` to the ELF that runs (spec F, D3), rewriting
// argv's head; reads its headers into Buffers().program.
bool FollowScripts(int fd, bool from_path, Rollback& rollback, Target* t, Error& error) {
  ProgramFile& program = Buffers().program;
  const char* script = t->execfn.data();
  for (int depth = 0;; ++depth) {
    if (!ReadHead(fd, &program, error)) return false;
    if (!IsScript(program)) {
      program.fd = fd;
      t->program = &program;
      t->elf_path = script;
      if (LoadHeaders(&program, Role::kProgram, error)) return true;
      if (error.code != ENOEXEC) return false;
    }
    const bool by_line = IsScript(program), had_execfd = t->execfd_file >= 0;
    // (Without a binfmt_misc entry, `error` keeps the ELF checks' ENOEXEC.)
    const char* interpreter = NextInterpreter(fd, depth, from_path, script, rollback, t, error);
    if (interpreter == nullptr) return false;
    error = Error();
    script = interpreter;
    if (depth == 0 && from_path) {  // the line is copied: one descriptor fewer (RLIMIT_NOFILE)
      (void)crt::sys::Close(fd);
      rollback.own_fds[0] = -1;
    }
    if (rollback.own_fds[2] >= 0) (void)crt::sys::Close(rollback.own_fds[2]);
    rollback.own_fds[2] = -1;
    Error open_error;
    if (!OpenForExec(AT_FDCWD, interpreter, &fd, open_error)) {
      if (by_line) return error.Fail(open_error.code, "interpreter ", interpreter, " named by the #! line");
      return FailMiscInterpreter(Buffers().binfmt_entries[depth], open_error.code, error);
    }
    rollback.own_fds[2] = fd;
    // exec_binprm: after an O entry, the kernel has no place for a second file to pass on.
    if (had_execfd) {
      return error.Fail(ENOEXEC, "the interpreter of a binfmt_misc entry with flag O (open-binary) must be an ELF file, "
                                 "not a ", by_line ? "#! script" : "file another binfmt_misc entry takes");
    }
    if (depth == kMaxScriptDepth) {
      return error.Fail(ELOOP, "more than ", kMaxScriptDepth, " nested #! or binfmt_misc interpreters");
    }
  }
}

bool OpenInterpreter(Rollback& rollback, Target* t, Error& error) {
  ProgramFile& interp = Buffers().interpreter;
  interp.Reset();
  if (!ReadInterpPath(*t->program, Buffers().interp_path, error)) return false;
  t->interp_path = Buffers().interp_path;
  int fd;
  Error open_error;
  if (!OpenForExec(AT_FDCWD, Buffers().interp_path, &fd, open_error) || !ReadHead(fd, &interp, open_error) ||
      !LoadHeaders(&interp, Role::kInterpreter, open_error)) {
    rollback.own_fds[1] = interp.fd;
    const std::string_view why = open_error.detail().empty() ? crt::ErrnoMessage(open_error.code) : open_error.detail();
    return error.Fail(open_error.code, "interpreter ", Buffers().interp_path, ": ", why);
  }
  rollback.own_fds[1] = fd;
  t->interpreter = &interp;
  return true;
}

}  // namespace

bool Resolve(const Source& source, std::span<const char* const> argv, std::span<const char* const> envp,
             const Options& options, uint64_t rlimit_stack, Rollback& rollback, Target* t, Error& error) {
  *t = Target{};
  Buffers().program.Reset();  // (the interpreter's, only when there is one: OpenInterpreter)
  // AT_EXECFN is the name as passed, or /dev/fd/N; comm is its basename, or the file's own
  // (spec A2, E6).
  if (options.execfn)
    t->execfn = options.execfn;
  else if (source.path)
    t->execfn = source.path;
  t->argv = argv;
  t->envp = envp;
  t->argv_head.Start(argv);
  int fd;
  if (!OpenSource(source, options, rollback, t, &fd, error)) return false;
  // The kernel counts the arguments as soon as the file is open, before it reads a byte of it.
  if (!CheckArgumentSpace(t->execfn, {}, argv, argv.size(), envp, rlimit_stack, error)) return false;
  if (!FollowScripts(fd, source.path != nullptr, rollback, t, error)) return false;
  // For a descriptor, execveat(fd, "", AT_EMPTY_PATH) names the process after the file that
  // runs: the final interpreter of a #! chain (spec E6).
  t->comm = source.path || options.execfn ? Basename(t->execfn) : FileName(t->program->fd);
  // bprm_creds_from_file: the set-id bits of the file a C entry took, else of the ELF that runs.
  const int creds_fd = t->creds_from_execfd ? t->execfd_file : t->program->fd;
  if (!StatExecFile(creds_fd, &t->exec_file, error)) return false;
  if (t->program->elf.interp != nullptr && !OpenInterpreter(rollback, t, error)) return false;
  // What the kernel would die of comes after the interpreter's errors, as in the kernel.
  if (!CheckImage(*t->program, Role::kProgram, error)) return false;
  if (t->interpreter && !CheckImage(*t->interpreter, Role::kInterpreter, error)) {
    return error.Fail(error.code, "interpreter ", t->interp_path, ": ", Error(error).detail());
  }
  t->program_on_thp_fs = OnThpFileSystem(*t->program);
  t->interpreter_on_thp_fs = t->interpreter && OnThpFileSystem(*t->interpreter);
  return true;
}

}  // namespace ulexec
