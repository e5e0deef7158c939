// Where the hand-off can enter the program through the program's own signal restorer, leaving
// no page of its own behind (docs/execve.md#B6): a pure choice over the mapped images' bytes.
#pragma once

#include "elf-file.h"
#include "exec-plan.h"

#include <cstdint>

namespace ulexec {

// Offsets from the image's span_start (add where the image is mapped now, or where it will be).
struct RestorerEntry {
  uint64_t stub = 0;       // the stub is written here, just before the restorer
  uint64_t restorer = 0;   // the restorer's first byte: the stub's last `syscall` ends here
  uint64_t drop = 0;       // the page(s) holding the stub, discarded by its madvise
  uint64_t drop_len = 0;   // one page, or two when the stub straddles a page boundary
};

// Looks for a restorer in the file-backed bytes of the readable, executable, not writable PT_LOADs
// of `file` (`file_size` bytes long), which can be read at `image` (the image's span_start
// mapped). Only bytes inside the file are read (a page past its end would be SIGBUS), and the
// page(s) the stub goes into must hold nothing but that segment's file bytes: dropping them
// restores the file.
// `from_end`: search the last 16 KiB first, then the 16 before, and so on (for an interpreter:
// both C libraries' dynamic loaders keep their restorer near the end of their text — glibc's
// ld.so at 0x1ff70 of 0x25111 bytes, musl's at 0x62618 of 0x62804 —, so that a tenth of the text
// is read instead of nine tenths; each page read is a fault on a fresh start).
[[nodiscard]] bool FindRestorerEntry(const ElfFile& file, uint64_t file_size, const unsigned char* image,
                                     bool from_end, RestorerEntry* out);

// The image the hand-off enters through: the interpreter's restorer first (small, and it has one;
// searched from the end), then the program's. `images[i]` reads image i's span as
// FindRestorerEntry does. Returns the image's index, or -1 when neither has a restorer or the
// plan left no room below sp for the entry frame. The loader's hand-off (restorer-stub.cc) and
// explain both choose through it.
[[nodiscard]] int ChooseRestorer(const ExecPlan& plan, const unsigned char* const (&images)[2], RestorerEntry* out);

}  // namespace ulexec
