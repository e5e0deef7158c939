// main for the crt builds (probe-static, probe-static-pie): the ELF entry is probe_entry
// (entry.S), which saved the registers and then ran crt's _start, which calls this.
#include "probe.h"

int main(int, char**, char**) {
  return probe::Run(crt::ThisProcess().initial_sp, &probe_entry_state, PROBE_VARIANT);
}
