#include "process-state.h"

#include "page.h"

#include <crt/errno-names.h>
#include <crt/string.h>
#include <crt/sys.h>
#include <ulexec/arch/constants.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/personality.h>
#include <sys/resource.h>

namespace ulexec {
namespace {

// Static: the process is single-threaded by contract, and the buffers go away with the loader.
char g_maps[256 * 1024];
crt::AuxEntry g_auxv[64];

bool ReadWholeFile(const char* path, char* buf, size_t cap, size_t* len, Error& error) {
  auto fd = crt::sys::Open(path, O_RDONLY | O_CLOEXEC);
  if (!fd) return error.Fail(fd.error(), "cannot open ", path, ": ", crt::ErrnoMessage(fd.error()));
  size_t n = 0;
  for (;;) {
    auto r = crt::sys::Read(fd.value(), buf + n, cap - n);
    if (!r && r.error() == EINTR) continue;
    if (!r || r.value() == 0) {
      (void)crt::sys::Close(fd.value());
      if (!r) return error.Fail(r.error(), "cannot read ", path, ": ", crt::ErrnoMessage(r.error()));
      break;
    }
    n += r.value();
    if (n == cap) {
      (void)crt::sys::Close(fd.value());
      return error.Fail(ENOMEM, path, " is larger than ", cap, " bytes");
    }
  }
  *len = n;
  return true;
}

bool IsVdsoName(std::string_view name) { return name == "[vdso]" || name.starts_with("[vvar"); }

}  // namespace

bool OverlapsAnyMapping(std::string_view maps, const Range& r, const Range& ignore) {
  bool overlaps = false;
  (void)ForEachMapsLine(maps, [&](const MapsLine& m) {
    const Range mapping{m.start, m.end};
    if (!ignore.Overlaps(mapping)) overlaps |= r.Overlaps(mapping);
  });
  return overlaps;
}

bool ReadProcessState(const crt::AuxEntry* auxv, const Range& own_image, ProcessState* state, Error& error) {
  ProcessState s;
  if (auxv == nullptr) {
    size_t len;
    if (!ReadWholeFile("/proc/self/auxv", reinterpret_cast<char*>(g_auxv), sizeof g_auxv - sizeof g_auxv[0], &len,
                       error)) {
      return false;
    }
    g_auxv[len / sizeof g_auxv[0]] = {0, 0};
    auxv = g_auxv;
  }
  size_t n = 0;
  while (auxv[n].type != 0) ++n;
  s.auxv = {auxv, n};

  size_t len;
  if (!ReadWholeFile("/proc/self/maps", g_maps, sizeof g_maps, &len, error)) return false;
  s.maps = std::string_view(g_maps, len);
  bool ok = ForEachMapsLine(s.maps, [&](const MapsLine& m) {
    if (m.name == "[stack]") {
      s.stack = {m.start, m.end};
    } else if (m.name == "[vsyscall]") {
      // not a real mapping
    } else {
      // (An anonymous r-x page is an earlier ulexec's hand-off page, just above mmap_base.)
      const bool handoff_page = m.end - m.start == kPageSize && m.name.empty() && std::string_view(m.perms) == "r-xp";
      if (m.end > s.highest_end && !own_image.Overlaps({m.start, m.end}) && !handoff_page) s.highest_end = m.end;
      if (IsVdsoName(m.name) && s.vdso_vma_count < 4) {
        s.vdso_vmas[s.vdso_vma_count++] = {m.start, m.end};
        if (m.name == "[vdso]") s.vdso_start = m.start;
      }
    }
  });
  if (!ok) return error.Fail(EIO, "cannot parse /proc/self/maps");
  if (s.stack.end == 0) return error.Fail(EFAULT, "the process has no [stack] mapping");
  if (s.vdso_vma_count) {
    s.vdso_block = s.vdso_vmas[0];
    for (size_t i = 1; i < s.vdso_vma_count; ++i) {
      if (s.vdso_vmas[i].start < s.vdso_block.start) s.vdso_block.start = s.vdso_vmas[i].start;
      if (s.vdso_vmas[i].end > s.vdso_block.end) s.vdso_block.end = s.vdso_vmas[i].end;
    }
  }

  struct rlimit lim{};
  if (auto r = crt::sys::Prlimit(0, RLIMIT_STACK, nullptr, &lim); !r) return error.Fail(r.error(), "getrlimit");
  s.rlimit_stack = lim.rlim_cur;
  if (auto r = crt::sys::Prlimit(0, RLIMIT_DATA, nullptr, &lim); !r) return error.Fail(r.error(), "getrlimit");
  s.rlimit_data = lim.rlim_cur;
  auto pers = crt::sys::Personality(0xffffffff);
  s.personality = pers ? static_cast<unsigned long>(pers.value()) : 0;

  // Without randomization the stack ends exactly at STACK_TOP; with it, almost never (spec A12).
  // randomize_va_space is taken to be 2 when randomizing (the default; 1 would not move brk).
  s.space.randomize = (s.personality & ADDR_NO_RANDOMIZE) == 0 && s.stack.end != arch::kStackTop;
  s.space.randomize_brk = s.space.randomize;
  s.space.stack_top = s.stack.end;
  // The top of the mmap area: computed without randomization; with it, the kernel put the first
  // mapping of this process (a static-pie's image, its interpreter or the vDSO) right below it.
  s.space.mmap_base = s.space.randomize ? s.highest_end : MmapBaseWithoutRandomization(s.rlimit_stack);
  *state = s;
  return true;
}

}  // namespace ulexec
