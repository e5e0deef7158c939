// The public entry points (<ulexec/ulexec.h>): ExecPath, ExecFd, ExecMemory and their C forms,
// each one exec (exec.h) and its error handed back.
#include "exec.h"

#include <ulexec/ulexec.h>

#include <errno.h>

namespace ulexec {
namespace {

int Run(const Source& source, const char* const argv[], const char* const envp[], const Options& options,
        ulexec_error* out) {
  Error error;
  (void)Exec(source, argv, envp, options, error);  // returns only on failure
  if (out) *out = error;
  return -error.code;
}

}  // namespace

int ExecPath(const char* path, const char* const argv[], const char* const envp[], const Options& options,
             ulexec_error* out) {
  if (path == nullptr) {
    Error error;
    (void)error.Fail(EFAULT, "no path");
    if (out) *out = error;
    return -EFAULT;
  }
  Source source;
  source.path = path;
  return Run(source, argv, envp, options, out);
}

int ExecFd(int fd, const char* const argv[], const char* const envp[], const Options& options, ulexec_error* out) {
  Source source;
  source.fd = fd;
  return Run(source, argv, envp, options, out);
}

int ExecMemory(const void* image, size_t size, const char* const argv[], const char* const envp[],
               const Options& options, ulexec_error* out) {
  Source source;
  source.memory = image;
  source.size = size;
  return Run(source, argv, envp, options, out);
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
