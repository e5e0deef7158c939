/* main for the glibc and musl builds of the probe. The C library's start-up code ran first, so
   there are no entry registers to report; argv is the kernel's, and argc sits just below it. */
int probe_run_libc(char** argv, const char* variant);

int main(int argc, char** argv) {
  (void)argc;
  return probe_run_libc(argv, PROBE_VARIANT);
}
