// main for the crt builds (probe-static, probe-static-pie): the ELF entry is probe_entry
// (entry.S), which saved the registers and then ran crt's _start, which calls this.
#include "probe.h"

#ifdef PROBE_WITH_RESTORER
// probe-static-pie carries crt's signal restorer, as a crt program that handles signals does:
// ulexec enters through it and leaves nothing behind (docs/execve.md#B6). probe-static carries
// none, so ulexec's hand-off page stays: the conformance test checks both.
extern "C" void __restore_rt();
#endif

int main(int, char**, char**) {
#ifdef PROBE_WITH_RESTORER
  asm volatile("" : : "r"(__restore_rt));  // a reference that the linker's section GC keeps
#endif
  return probe::Run(crt::ThisProcess().initial_sp, &probe_entry_state, PROBE_VARIANT);
}
