/* ulexec: start an ELF program inside the current process, without execve.
 *
 * Each function returns only on failure, with a negative errno (as execve would have set errno)
 * and, when `error` is not NULL, a one-line description of what is wrong. On failure the calling
 * process is unchanged. On success the calling process becomes the program: its memory,
 * caught signal handlers and close-on-exec descriptors are gone, as after execve.
 *
 * The process must be single-threaded (execve would kill other threads; ulexec cannot do that
 * safely): other threads are refused with -EBUSY. Typical use is in a child after fork().
 */
#ifndef ULEXEC_ULEXEC_H
#define ULEXEC_ULEXEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ulexec_error {
  int code;        /* the errno */
  char text[256];  /* what is wrong, e.g. "PT_LOAD #2 (p_vaddr 0x403000): p_filesz ... " */
};

/* execve(path, argv, envp). `path` is used as given (no PATH search). */
int ulexec_execve(const char* path, char* const argv[], char* const envp[], struct ulexec_error* error);
/* fexecve(fd, argv, envp): AT_EXECFN becomes "/dev/fd/N", as execveat(fd, "", AT_EMPTY_PATH) gives. */
int ulexec_fexecve(int fd, char* const argv[], char* const envp[], struct ulexec_error* error);
/* The program's bytes from memory: copied once into a memfd, then mapped from it. */
int ulexec_exec_memory(const void* image, size_t size, char* const argv[], char* const envp[],
                       struct ulexec_error* error);

#ifdef __cplusplus
}  /* extern "C" */

namespace ulexec {

/* What the loader built, as Options::before_entry sees it: the images are mapped and the new
 * stack is written, but nothing of the caller is gone yet. */
struct EntryView {
  const char* path;         /* the ELF file that runs (the last #! interpreter, or the program) */
  const char* execfn;       /* AT_EXECFN */
  const char* interpreter;  /* PT_INTERP, or nullptr */
  uint64_t entry;           /* the first instruction: the interpreter's entry, or the program's */
  uint64_t program_entry;   /* AT_ENTRY */
  uint64_t load_bias;       /* the program's */
  uint64_t interp_base;     /* AT_BASE: 0 without an interpreter */
  uint64_t stack_top;       /* the top of [stack]; the end marker ends here */
  uint64_t sp;              /* the initial stack pointer: argc is here */
  const void* stack;        /* the bytes that will be at [stack_top - stack_size, stack_top) */
  size_t stack_size;        /* at least stack_top - sp */
  size_t auxv_count;        /* auxv entries, AT_NULL included */
  /* The program's (or interpreter's) own signal restorer that the hand-off enters through, so
   * that no page of the loader stays; 0 when the hand-off page stays (no restorer found, the
   * stub could not be written, or Options::handoff_page). */
  uint64_t restorer;
};

struct Options {
  /* AT_EXECFN and the source of comm; nullptr: the path as given, or "/dev/fd/N". */
  const char* execfn = nullptr;
  /* The caller's auxiliary vector ((type, value) pairs up to AT_NULL); nullptr: read with
   * prctl(PR_GET_AUXV), or from /proc/self/auxv before Linux 6.4. */
  const unsigned long* auxv = nullptr;
  /* The caller was itself just started by execve and changed nothing an exec resets (no signal
   * handlers, threads, rseq, close-on-exec descriptors other than its own): skip those scans.
   * The ulexec command sets this. */
  bool fresh_process = false;
  /* The caller's ids, capability sets, ambient set and securebits are exactly what its own execve
   * gave it (no setresuid, capset, PR_CAP_AMBIENT or PR_SET_SECUREBITS since) and that execve
   * was not a secure one: the ids are taken from the auxv, and /proc/self/status is read only for
   * a set-id program. Wrong in a program that changed any of them: the new program could keep
   * privilege execve would drop. The ulexec command sets this. */
  bool credentials_as_execed = false;
  /* The caller's own program image when it lies outside the mmap area (the ulexec command is
   * linked at a fixed address for that): not taken for the top of the mmap area. */
  const void* own_image_start = nullptr;
  const void* own_image_end = nullptr;
  /* Called once, just before the point of no return (all signals blocked, the caller's memory
   * still there). Returning false cancels: everything is undone and the call fails with
   * -ECANCELED. For demos and tools that show what is about to run. */
  bool (*before_entry)(const EntryView& view, void* context) = nullptr;
  void* before_entry_context = nullptr;
  /* Enter through the hand-off page even where the program's own signal restorer could be used:
   * the page (one anonymous r-x page) then stays in the program. For comparison, and for hosts
   * that forbid writes through /proc/self/mem. */
  bool handoff_page = false;
  /* Fail with -EPERM, before anything changes, rather than start a program whose /proc/self/exe
   * would stay the caller's: setting it (PR_SET_MM_MAP's exe_fd) needs CAP_CHECKPOINT_RESTORE or
   * CAP_SYS_ADMIN. Programs that find themselves through /proc/self/exe (java, clang -cc1,
   * $ORIGIN run paths, Go's os.Executable) misbehave without it. */
  bool require_exe = false;
};

/* Same contracts as the C functions. */
int ExecPath(const char* path, const char* const argv[], const char* const envp[], const Options& options,
             ulexec_error* out);
int ExecFd(int fd, const char* const argv[], const char* const envp[], const Options& options, ulexec_error* out);
int ExecMemory(const void* image, size_t size, const char* const argv[], const char* const envp[],
               const Options& options, ulexec_error* out);

}  // namespace ulexec
#endif

#endif /* ULEXEC_ULEXEC_H */
