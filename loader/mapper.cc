// The thin layer that performs an image's mapping plan with system calls (mapper.h).
#include "mapper.h"

#include "page.h"

#include <crt/errno-names.h>
#include <crt/string.h>
#include <crt/sys.h>

#include <errno.h>
#include <sys/mman.h>

namespace ulexec {
namespace {

bool MapPiece(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t offset, uint64_t* got,
              Error& error, const char* what, uint64_t vaddr) {
  auto r = crt::sys::Mmap(reinterpret_cast<void*>(addr), len, prot, flags | MAP_PRIVATE, fd,
                          static_cast<off_t>(offset));
  if (!r) {
    const int err = r.error() == EEXIST ? ENOMEM : r.error();
    return error.Fail(err, "cannot map ", what, " for p_vaddr ", crt::Hex{vaddr}, " at ", crt::Hex{addr}, ": ",
                      r.error() == EEXIST ? "the address range is in use" : crt::ErrnoMessage(r.error()));
  }
  *got = reinterpret_cast<uint64_t>(r.value());
  return true;
}

}  // namespace

bool MapSegments(int fd, const ElfFile& file, uint64_t address, Mapping* out, Error& error) {
  Mapping image;
  image.file = &file;
  image.size = file.span_end - file.span_start;
  // Reserve the whole span first, so that the image is placed (or refused) in one step and holes
  // between segments cannot be taken by anything else while the segments are mapped into it.
  // MapPiece sets it whenever it returns true; the 0 is for GCC, which cannot see that Error::Fail
  // (out of line) always returns false and warns (-Wmaybe-uninitialized) in a release build.
  uint64_t start = 0;
  const int reserve_flags = MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE;
  if (!MapPiece(address, image.size, PROT_NONE, reserve_flags, -1, 0, &start, error, "the address range",
                file.span_start)) {
    return false;
  }
  image.start = start;
  const uint64_t bias = image.bias();
  bool ok = true;
  for (const Elf64_Phdr& ph : file.phdrs) {
    if (!ok) break;
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    const SegmentPlan s = PlanSegment(ph);
    uint64_t got;
    if (s.file_end > s.file_start) {
      ok = MapPiece(bias + s.file_start, s.file_end - s.file_start, s.prot, MAP_FIXED, fd, s.file_offset, &got,
                    error, "the file", ph.p_vaddr);
      if (ok && s.zero_end > s.zero_start) {
        memset(reinterpret_cast<void*>(bias + s.zero_start), 0, s.zero_end - s.zero_start);
      }
    }
    if (ok && s.anon_end > s.anon_start) {
      ok = MapPiece(bias + s.anon_start, s.anon_end - s.anon_start, s.anon_prot, MAP_FIXED | MAP_ANONYMOUS, -1, 0,
                    &got, error, "the bss", ph.p_vaddr);
    }
  }
  // What no segment covers stays unmapped, as after an execve.
  internal::ForEachRun(file, [&](uint64_t s, uint64_t e, bool covered) {
    if (ok && !covered) (void)crt::sys::Munmap(reinterpret_cast<void*>(bias + s), e - s);
  });
  if (!ok) {
    Unmap(image);
    return false;
  }
  *out = image;
  return true;
}

void Unmap(const Mapping& image) {
  if (image.size) (void)crt::sys::Munmap(reinterpret_cast<void*>(image.start), image.size);
}

}  // namespace ulexec
