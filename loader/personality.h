// Plan (pure): what execve does with the personality (spec C13): the flags the new program
// keeps, and what happens at address 0 (MMAP_PAGE_ZERO, `setarch -Z`).
#pragma once

#include <sys/personality.h>

namespace ulexec {

// The flags a set-id exec (a secure exec) clears, even for root (PER_CLEAR_ON_SETID).
constexpr unsigned long kPerClearOnSetid = READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE | ADDR_COMPAT_LAYOUT | MMAP_PAGE_ZERO;

// The personality the new program starts with: every x86-64 exec clears READ_IMPLIES_EXEC (a
// 64-bit program never gets it back); a secure exec clears PER_CLEAR_ON_SETID as well. The other
// flags (ADDR_LIMIT_3GB, UNAME26, SHORT_INODE, WHOLE_SECONDS, STICKY_TIMEOUTS, ...) survive.
unsigned long PersonalityAfterExec(unsigned long current, bool secure_exec);

// What is at address 0 now: nothing, an ordinary mapping, or a sealed one (the page a kernel with
// mseal maps for MMAP_PAGE_ZERO; it can be neither unmapped nor replaced).
enum class PageZeroNow { kNone, kMapped, kSealed };

struct PageZeroPlan {
  bool keep = false;     // leave [0, page) out of the loader's unmapping
  bool map = false;      // map page 0 read+exec past the point of no return, as binfmt_elf does
                         // (and seal it); a failure (no CAP_SYS_RAWIO) is ignored, as there
  bool refuse = false;   // the new program must not have page 0, but it cannot be removed
};

// binfmt_elf maps page 0 for MMAP_PAGE_ZERO into the fresh mm after everything else; a userland
// exec has the old mm, where a sealed page 0 stays whatever it does.
PageZeroPlan PlanPageZero(unsigned long new_personality, PageZeroNow now);

}  // namespace ulexec
