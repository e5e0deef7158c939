// Typed system call wrappers. Each returns Result<T>: the value, or the errno the kernel gave.
// There is no global errno: the error travels with the result (musl's __syscall, nolibc's sys_*).
#pragma once

#include <crt/syscall.h>

#include <cstddef>
#include <cstdint>

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/types.h>

struct stat;
struct timespec;
struct rlimit;
struct itimerval;

namespace crt {

template <typename T>
class [[nodiscard]] Result {
 public:
  // A raw kernel return: [-4095, -1] is -errno, anything else is the value.
  static Result FromRaw(long raw) { return Result(raw); }
  static Result Error(int err) { return Result(-static_cast<long>(err)); }

  bool ok() const { return static_cast<unsigned long>(raw_) <= -4096UL; }
  explicit operator bool() const { return ok(); }
  int error() const { return ok() ? 0 : static_cast<int>(-raw_); }
  T value() const {
    if constexpr (std::is_pointer_v<T>) {
      return reinterpret_cast<T>(raw_);
    } else {
      return static_cast<T>(raw_);
    }
  }
  long raw() const { return raw_; }

 private:
  explicit Result(long raw) : raw_(raw) {}
  long raw_;
};

template <typename T, typename... Args>
inline Result<T> SyscallResult(long n, Args... args) {
  return Result<T>::FromRaw(Syscall(n, args...));
}

// The kernel's struct sigaction (not libc's: the mask is 8 bytes and the restorer is explicit).
struct KernelSigaction {
  void* handler;
  unsigned long flags;
  void (*restorer)();
  uint64_t mask;
};

struct KernelSigaltstack {
  void* sp;
  int flags;
  size_t size;
};

namespace sys {

inline Result<size_t> Read(int fd, void* buf, size_t n) { return SyscallResult<size_t>(SYS_read, fd, buf, n); }
inline Result<size_t> Write(int fd, const void* buf, size_t n) { return SyscallResult<size_t>(SYS_write, fd, buf, n); }
inline Result<size_t> Pread(int fd, void* buf, size_t n, off_t off) {
  return SyscallResult<size_t>(SYS_pread64, fd, buf, n, off);
}
inline Result<size_t> Pwrite(int fd, const void* buf, size_t n, off_t off) {
  return SyscallResult<size_t>(SYS_pwrite64, fd, buf, n, off);
}
inline Result<int> Openat(int dirfd, const char* path, int flags, int mode = 0) {
  return SyscallResult<int>(SYS_openat, dirfd, path, flags, mode);
}
inline Result<int> Open(const char* path, int flags, int mode = 0) { return Openat(AT_FDCWD, path, flags, mode); }
inline Result<int> Close(int fd) { return SyscallResult<int>(SYS_close, fd); }
inline Result<off_t> Lseek(int fd, off_t off, int whence) { return SyscallResult<off_t>(SYS_lseek, fd, off, whence); }
inline Result<int> Fstat(int fd, struct stat* st) { return SyscallResult<int>(SYS_fstat, fd, st); }
inline Result<int> Fstatat(int dirfd, const char* path, struct stat* st, int flags) {
  return SyscallResult<int>(SYS_newfstatat, dirfd, path, st, flags);
}
inline Result<int> Statx(int dirfd, const char* path, int flags, unsigned mask, void* statxbuf) {
  return SyscallResult<int>(SYS_statx, dirfd, path, flags, mask, statxbuf);
}
inline Result<int> Faccessat(int dirfd, const char* path, int mode, int flags = 0) {
  return SyscallResult<int>(SYS_faccessat2, dirfd, path, mode, flags);
}
inline Result<size_t> Readlinkat(int dirfd, const char* path, char* buf, size_t n) {
  return SyscallResult<size_t>(SYS_readlinkat, dirfd, path, buf, n);
}
inline Result<size_t> Getdents64(int fd, void* buf, size_t n) { return SyscallResult<size_t>(SYS_getdents64, fd, buf, n); }
inline Result<int> Fcntl(int fd, int cmd, long arg = 0) { return SyscallResult<int>(SYS_fcntl, fd, cmd, arg); }
inline Result<int> Ftruncate(int fd, off_t len) { return SyscallResult<int>(SYS_ftruncate, fd, len); }

inline Result<void*> Mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off) {
  return SyscallResult<void*>(SYS_mmap, addr, len, prot, flags, fd, off);
}
inline Result<int> Munmap(void* addr, size_t len) { return SyscallResult<int>(SYS_munmap, addr, len); }
inline Result<int> Mprotect(void* addr, size_t len, int prot) { return SyscallResult<int>(SYS_mprotect, addr, len, prot); }
inline Result<void*> Mremap(void* old, size_t old_len, size_t new_len, int flags, void* new_addr = nullptr) {
  return SyscallResult<void*>(SYS_mremap, old, old_len, new_len, flags, new_addr);
}
inline Result<int> Madvise(void* addr, size_t len, int advice) { return SyscallResult<int>(SYS_madvise, addr, len, advice); }
// brk returns the new break (the old one when the request fails), never an errno.
inline uintptr_t Brk(uintptr_t addr) { return static_cast<uintptr_t>(Syscall(SYS_brk, addr)); }

inline Result<size_t> Getrandom(void* buf, size_t n, unsigned flags) {
  return SyscallResult<size_t>(SYS_getrandom, buf, n, flags);
}
inline Result<long> Prctl(int option, unsigned long a2 = 0, unsigned long a3 = 0, unsigned long a4 = 0,
                          unsigned long a5 = 0) {
  return SyscallResult<long>(SYS_prctl, option, a2, a3, a4, a5);
}
inline Result<int> ArchPrctl(int code, unsigned long addr) { return SyscallResult<int>(SYS_arch_prctl, code, addr); }
inline Result<int> Personality(unsigned long persona) { return SyscallResult<int>(SYS_personality, persona); }
inline Result<int> Prlimit(int pid, int resource, const struct rlimit* new_limit, struct rlimit* old_limit) {
  return SyscallResult<int>(SYS_prlimit64, pid, resource, new_limit, old_limit);
}

inline Result<int> Fork() { return SyscallResult<int>(SYS_fork); }
inline Result<int> Clone(unsigned long flags, void* stack, int* parent_tid, int* child_tid, unsigned long tls) {
  return SyscallResult<int>(SYS_clone, flags, stack, parent_tid, child_tid, tls);
}
inline Result<int> Wait4(int pid, int* status, int options, void* rusage = nullptr) {
  return SyscallResult<int>(SYS_wait4, pid, status, options, rusage);
}
inline Result<int> Execve(const char* path, char* const* argv, char* const* envp) {
  return SyscallResult<int>(SYS_execve, path, argv, envp);
}
inline Result<int> Execveat(int dirfd, const char* path, char* const* argv, char* const* envp, int flags) {
  return SyscallResult<int>(SYS_execveat, dirfd, path, argv, envp, flags);
}
inline Result<int> Pipe2(int fds[2], int flags) { return SyscallResult<int>(SYS_pipe2, fds, flags); }
inline Result<int> Dup2(int oldfd, int newfd) { return SyscallResult<int>(SYS_dup2, oldfd, newfd); }
inline Result<int> Dup3(int oldfd, int newfd, int flags) { return SyscallResult<int>(SYS_dup3, oldfd, newfd, flags); }
inline Result<int> Getpid() { return SyscallResult<int>(SYS_getpid); }
inline Result<int> Gettid() { return SyscallResult<int>(SYS_gettid); }
inline Result<int> Kill(int pid, int sig) { return SyscallResult<int>(SYS_kill, pid, sig); }
inline Result<int> Tgkill(int tgid, int tid, int sig) { return SyscallResult<int>(SYS_tgkill, tgid, tid, sig); }
// minish: process groups, the terminal, the working directory.
inline Result<int> Setpgid(int pid, int pgid) { return SyscallResult<int>(SYS_setpgid, pid, pgid); }
inline Result<int> Getpgid(int pid) { return SyscallResult<int>(SYS_getpgid, pid); }
inline Result<int> Ioctl(int fd, unsigned long request, void* arg) { return SyscallResult<int>(SYS_ioctl, fd, request, arg); }
inline Result<int> Chdir(const char* path) { return SyscallResult<int>(SYS_chdir, path); }
inline Result<size_t> Getcwd(char* buf, size_t n) { return SyscallResult<size_t>(SYS_getcwd, buf, n); }

inline Result<int> RtSigaction(int sig, const KernelSigaction* act, KernelSigaction* old) {
  return SyscallResult<int>(SYS_rt_sigaction, sig, act, old, sizeof(uint64_t));
}
inline Result<int> RtSigprocmask(int how, const uint64_t* set, uint64_t* old) {
  return SyscallResult<int>(SYS_rt_sigprocmask, how, set, old, sizeof(uint64_t));
}
inline Result<int> Sigaltstack(const KernelSigaltstack* ss, KernelSigaltstack* old) {
  return SyscallResult<int>(SYS_sigaltstack, ss, old);
}
inline Result<unsigned> Alarm(unsigned seconds) { return SyscallResult<unsigned>(SYS_alarm, seconds); }
inline Result<int> Setitimer(int which, const struct itimerval* value, struct itimerval* old) {
  return SyscallResult<int>(SYS_setitimer, which, value, old);
}
inline Result<int> Getitimer(int which, struct itimerval* value) { return SyscallResult<int>(SYS_getitimer, which, value); }
inline Result<int> Nanosleep(const struct timespec* req, struct timespec* rem) {
  return SyscallResult<int>(SYS_nanosleep, req, rem);
}
inline Result<int> MemfdCreate(const char* name, unsigned flags) { return SyscallResult<int>(SYS_memfd_create, name, flags); }
inline Result<int> CloseRange(unsigned first, unsigned last, unsigned flags) {
  return SyscallResult<int>(SYS_close_range, first, last, flags);
}

// Watching children (samples/forkexec): the clock for time stamps, waitid's peek (WNOWAIT) and a
// timed wait for a blocked signal.
inline Result<int> ClockGettime(int clock, struct timespec* ts) { return SyscallResult<int>(SYS_clock_gettime, clock, ts); }
inline Result<int> Waitid(int idtype, int id, void* info, int options, void* rusage = nullptr) {
  return SyscallResult<int>(SYS_waitid, idtype, id, info, options, rusage);
}
inline Result<int> RtSigtimedwait(const uint64_t* set, void* info, const struct timespec* timeout) {
  return SyscallResult<int>(SYS_rt_sigtimedwait, set, info, timeout, sizeof(uint64_t));
}

[[noreturn]] inline void ExitGroup(int status) {
  for (;;) Syscall(SYS_exit_group, status);
}

}  // namespace sys
}  // namespace crt
