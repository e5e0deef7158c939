// The static buffers the freestanding loader works in, in one place with their sizes explained.
// Static because there is no allocator and the process is single-threaded by contract; they are
// zero-filled .bss, so they cost nothing until touched, and go away with the loader's memory.
#pragma once

#include "binfmt-misc.h"
#include "program-file.h"
#include "script.h"

#include <crt/process.h>

#include <cstddef>

namespace ulexec {

struct StaticBuffers {
  // The program (or the last #! interpreter) and its PT_INTERP: each holds the file's first 2 KiB
  // and up to 64 KiB of program headers (the kernel's own bound, binfmt_elf load_elf_phdrs).
  ProgramFile program, interpreter;
  // PT_INTERP's path: the kernel takes up to PATH_MAX bytes.
  char interp_path[kMaxInterpSize];
  // One parsed #! line per level of nesting, and one more for the ELOOP check (spec F8).
  Shebang shebangs[kMaxScriptDepth + 1];
  // binfmt_misc: the entry taken at each level of nesting, the names of up to 64 entries (the
  // kernel has no limit; Debian registers a dozen), and one entry file's text.
  BinfmtEntry binfmt_entries[kMaxScriptDepth + 1];
  char binfmt_names[64][64];
  char binfmt_text[1024];
  // /proc/self/maps: 256 KiB is some 2500 mappings (a large JVM has fewer); more is ENOMEM.
  char maps[256 * 1024];
  // /proc/self/auxv: the kernel saves 28 pairs on x86-64 (spec A11); 64 leave room.
  crt::AuxEntry auxv[64];
  // /proc/self/status, for the credentials (spec E13): about 1.5 KiB.
  char status[8192];
  // /proc/self/timers: about 100 bytes per POSIX timer, so some 600 timers.
  char timers[64 * 1024];
  // Close-on-exec descriptors: each costs a 64-byte hand-off op too, so 32768 is a 2 MiB table.
  int cloexec_fds[32768];
  // "/dev/fd/N" as AT_EXECFN for a descriptor, and the readlink of /proc/self/fd/N for comm.
  char fd_name[32];
  char fd_link[256];
};

// The one instance.
StaticBuffers& Buffers();

}  // namespace ulexec
