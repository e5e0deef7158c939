#include "program-file.h"

#include <crt/errno-names.h>
#include <crt/string.h>
#include <crt/sys.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ulexec {
namespace {

bool ReadExactly(int fd, void* buf, size_t n, uint64_t offset, Error& error) {
  size_t done = 0;
  while (done < n) {
    auto r = crt::sys::Pread(fd, static_cast<char*>(buf) + done, n - done, static_cast<off_t>(offset + done));
    if (!r) {
      if (r.error() == EINTR) continue;
      return error.Fail(r.error(), "cannot read the file: ", crt::ErrnoMessage(r.error()));
    }
    if (r.value() == 0) return error.Fail(EIO, "the file is shorter than its headers say");
    done += r.value();
  }
  return true;
}

// Why access(X_OK) gave EACCES, for the message (spec D1): a directory or other non-regular file,
// a noexec mount, or no x bit. Looked at with O_PATH, which never blocks on a FIFO.
const char* WhyNotExecutable(int dirfd, const char* path) {
  auto p = crt::sys::Openat(dirfd, path, O_PATH | O_CLOEXEC);
  if (!p) return "a directory on the path cannot be searched";
  struct stat st{};
  struct statfs fs{};
  const char* why = "it has no execute permission for this user";
  if (!crt::sys::Fstat(p.value(), &st)) {
    why = "it cannot be examined";
  } else if (S_ISDIR(st.st_mode)) {
    why = "it is a directory";
  } else if (!S_ISREG(st.st_mode)) {
    why = "it is not a regular file";
  } else if ((st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) {
    why = "it has no execute permission";
  } else if (crt::Syscall(SYS_fstatfs, p.value(), &fs) == 0 && (fs.f_flags & ST_NOEXEC) != 0) {
    why = "it is on a noexec mount";
  }
  (void)crt::sys::Close(p.value());
  return why;
}

}  // namespace

bool OpenForExec(int dirfd, const char* path, int* fd, Error& error) {
  // access(X_OK) first: it gives execve's errors (ENOENT, EACCES for no x bit or a noexec mount)
  // without opening anything, so a FIFO or a device is never opened.
  if (auto r = crt::sys::Faccessat(dirfd, path, X_OK, AT_EACCESS); !r) {
    // Spec D1: EACCES has several causes; say which (path errors speak for themselves).
    return error.Fail(r.error(), r.error() == EACCES ? WhyNotExecutable(dirfd, path) : "");
  }
  auto r = crt::sys::Openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (!r) return error.Fail(r.error(), "cannot open it for reading");
  // Spec D1: execve refuses a file that is open for writing with ETXTBSY. The one way to ask is a
  // read lease, which cannot be taken on such a file (EAGAIN). Leases need the file's owner or
  // CAP_LEASE and a file system that has them (else EACCES/EINVAL: not checked). Should a writer
  // open the file in the instant the lease is held, its break signal is SIGURG (ignored by
  // default) rather than SIGIO (which would kill the process).
  (void)crt::sys::Fcntl(r.value(), F_SETSIG, SIGURG);
  if (auto lease = crt::sys::Fcntl(r.value(), F_SETLEASE, F_RDLCK); lease) {
    (void)crt::sys::Fcntl(r.value(), F_SETLEASE, F_UNLCK);
  } else if (lease.error() == EAGAIN) {
    (void)crt::sys::Close(r.value());
    return error.Fail(ETXTBSY, "it is open for writing");
  }
  *fd = r.value();
  return true;
}

bool ReadHead(int fd, ProgramFile* file, Error& error) {
  // Recorded first, so that a caller that closes file->fd on failure does not leak it (a
  // directory named by PT_INTERP was left open in the caller: spec H, "nothing is lost").
  file->fd = fd;
  struct stat st{};
  if (auto r = crt::sys::Fstat(fd, &st); !r) {
    return error.Fail(r.error(), "cannot stat the file: ", crt::ErrnoMessage(r.error()));
  }
  if (S_ISDIR(st.st_mode)) return error.Fail(EACCES, "it is a directory");
  if (!S_ISREG(st.st_mode)) return error.Fail(EACCES, "it is not a regular file");
  if ((st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) return error.Fail(EACCES, "it has no execute permission");
  file->size = static_cast<uint64_t>(st.st_size);
  const size_t want = file->size < ProgramFile::kHeadBytes ? static_cast<size_t>(file->size) : ProgramFile::kHeadBytes;
  file->head_len = want;
  return ReadExactly(fd, file->head, want, 0, error);
}

bool IsScript(const ProgramFile& file) {
  return file.head_len >= 2 && file.head[0] == std::byte{'#'} && file.head[1] == std::byte{'!'};
}

bool LoadHeaders(ProgramFile* file, Role role, Error& error) {
  Elf64_Ehdr ehdr;
  if (!CheckHeaderInRole(std::span(file->head, file->head_len), file->size, role, &ehdr, error)) return false;
  const uint64_t table_bytes = uint64_t{ehdr.e_phnum} * sizeof(Elf64_Phdr);
  const Elf64_Phdr* phdrs;
  if (ehdr.e_phoff + table_bytes <= file->head_len && ehdr.e_phoff % alignof(Elf64_Phdr) == 0) {
    phdrs = reinterpret_cast<const Elf64_Phdr*>(file->head + ehdr.e_phoff);
  } else {
    if (!ReadExactly(file->fd, file->table, table_bytes, ehdr.e_phoff, error)) return false;
    phdrs = file->table;
  }
  return ReadProgramHeaders(ehdr, std::span(phdrs, ehdr.e_phnum), file->size, role == Role::kInterpreter,
                            &file->elf, error);
}

bool CheckImage(const ProgramFile& file, Role role, Error& error) {
  return CheckSegmentsInRole(file.elf, file.size, role, error);
}

bool ReadInterpPath(const ProgramFile& file, char* path, Error& error) {
  const Elf64_Phdr& ph = *file.elf.interp;
  if (!ReadExactly(file.fd, path, ph.p_filesz, ph.p_offset, error)) return false;
  return CheckInterpPath(std::span(reinterpret_cast<const std::byte*>(path), ph.p_filesz), error);
}

}  // namespace ulexec
