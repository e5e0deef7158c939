// The static buffers the freestanding loader works in, in one place with their sizes explained.
// Static because there is no allocator and the process is single-threaded by contract; they are
// zero-filled .bss (never constructed: static-buffers.cc), so they cost nothing until touched,
// and go away with the loader's memory.
#pragma once

#include "binfmt-misc.h"
#include "program-file.h"
#include "script.h"

#include <crt/process.h>

#include <cstddef>
#include <new>
#include <type_traits>

namespace ulexec {

// Ordered so that a start writes one page: the program's file (its rarely used table, then on a
// page of their own its head and headers), the small buffers every exec writes and the start of
// /proc/self/maps (a fresh ulexec's is under 1 KiB) follow each other.
struct alignas(4096) StaticBuffers {
  // So that program.fd starts a page.
  static constexpr size_t kProgramPad = 4096 - offsetof(ProgramFile, fd) % 4096;
  char program_pad[kProgramPad];
  // The program (or the last #! interpreter): the file's first 2 KiB and up to 64 KiB of program
  // headers (the kernel's own bound, binfmt_elf load_elf_phdrs).
  ProgramFile program;
  // "/dev/fd/N" as AT_EXECFN for a descriptor, and the readlink of /proc/self/fd/N for comm.
  char fd_name[32];
  char fd_link[256];
  // The loader's own close-on-exec descriptors in a fresh process (Rollback::own_fds): here
  // rather than in cloexec_fds, whose first page is far from the rest.
  int own_cloexec_fds[4];
  // /proc/self/maps: 256 KiB is some 2500 mappings (a large JVM has fewer); more is ENOMEM.
  char maps[256 * 1024];
  // The program's PT_INTERP, as `program`.
  ProgramFile interpreter;
  // PT_INTERP's path: the kernel takes up to PATH_MAX bytes.
  char interp_path[kMaxInterpSize];
  // One parsed #! line per level of nesting, and one more for the ELOOP check (spec F8).
  Shebang shebangs[kMaxScriptDepth + 1];
  // binfmt_misc: the entry taken at each level of nesting, the names of up to 256 entries (the
  // kernel has no limit; Debian registers a dozen) of up to 255 bytes (a file name), and one entry
  // file's text (interpreter, flags, offset, and magic and mask in hex: under 3 KiB for the
  // largest registration the kernel takes).
  BinfmtEntry binfmt_entries[kMaxScriptDepth + 1];
  char binfmt_names[256][256];
  char binfmt_text[4096];
  // /proc/self/auxv: the kernel saves 28 pairs on x86-64 (spec A11); 64 leave room.
  crt::AuxEntry auxv[64];
  // /proc/self/status, for the credentials (spec E13) and the signal masks: about 1.5 KiB.
  char status[8192];
  // getdents64's, for ForEachDirEntry (/proc/self/{fd,task}, binfmt_misc): here rather than
  // one static per listing in .bss, between crt's TLS block and the exec's DryRun.
  alignas(8) char dirents[4096];
  // /proc/self/timers: about 100 bytes per POSIX timer, so some 600 timers.
  char timers[64 * 1024];
  // Close-on-exec descriptors: each costs a 64-byte hand-off op too, so 32768 is a 2 MiB table.
  int cloexec_fds[32768];
};

// The one instance.
StaticBuffers& Buffers();

// Static storage for a large aggregate that is never constructed: zero bytes in .bss until its
// users assign what they read. Member initialisers would make it a dynamic initialiser (or a
// guarded one, for a local static) that writes its pages before they are needed, or twice.
template <class T>
  requires std::is_aggregate_v<T>  // so an implicit-lifetime type: the bytes' storage holds one
class Unconstructed {
 public:
  T& get() { return *std::launder(reinterpret_cast<T*>(bytes_)); }

 private:
  alignas(T) std::byte bytes_[sizeof(T)];
};

}  // namespace ulexec
