/* main for the glibc and musl builds of the probe. The C library's start-up code ran first, so
   there are no entry registers to report; argv is the kernel's, and argc sits just below it. */
#include <signal.h>

int probe_run_libc(char** argv, const char* variant);

/* Links sigaction in, as in any program that handles signals, and with it the C library's signal
   restorer: ulexec then enters through it and leaves nothing behind (docs/execve.md#B6). musl's
   static builds would otherwise carry none. */
__attribute__((used)) static int (*const keep_sigaction)(int, const struct sigaction*, struct sigaction*) = sigaction;

int main(int argc, char** argv) {
  (void)argc;
  return probe_run_libc(argv, PROBE_VARIANT);
}
