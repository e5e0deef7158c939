// Moving the vDSO block before the point of no return, and back (vdso.h).
#include "vdso.h"

#include <crt/sys.h>

#include <errno.h>
#include <sys/mman.h>

namespace ulexec {

bool MoveVdso(const VdsoBlock& block, uint64_t from, uint64_t to) {
  auto move = [&](size_t i, uint64_t a, uint64_t b) {
    const Range& v = block.vmas[i];
    const uint64_t at = v.start - block.range.start;
    return crt::sys::Mremap(reinterpret_cast<void*>(a + at), v.size(), v.size(), MREMAP_MAYMOVE | MREMAP_FIXED,
                            reinterpret_cast<void*>(b + at))
        .ok();
  };
  for (size_t i = 0; i < block.count; ++i) {
    if (!move(i, from, to)) {
      while (i-- > 0) (void)move(i, to, from);
      return false;
    }
  }
  return true;
}

bool MoveVdsoEarly(const VdsoBlock& block, uint64_t to, uint64_t aside, VdsoMove* done, Error& error) {
  const uint64_t from = block.range.start, size = block.range.size();
  done->block = block;
  if (aside) {
    // A reservation, so that the move cannot land on anything (mremap replaces it).
    if (!crt::sys::Mmap(reinterpret_cast<void*>(aside), size, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0)) {
      return error.Fail(ENOMEM, "no room to move the vDSO through");
    }
    done->aside = aside;
    if (!MoveVdso(block, from, aside)) return error.Fail(ENOMEM, "cannot move the vDSO");
    done->now = aside;
  }
  if (!MoveVdso(block, aside ? aside : from, to)) return error.Fail(ENOMEM, "cannot move the vDSO");
  done->now = to;
  return true;
}

void VdsoMove::Undo() const {
  uint64_t at = now;
  if (now) {
    // Back the way it came: a move onto an overlapping range goes through the aside range.
    if (aside && at != aside && MoveVdso(block, at, aside)) at = aside;
    if (MoveVdso(block, at, block.range.start)) at = block.range.start;
  }
  if (aside && at != aside) (void)crt::sys::Munmap(reinterpret_cast<void*>(aside), block.range.size());
}

}  // namespace ulexec
