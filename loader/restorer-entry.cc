// Choosing the restorer the hand-off enters through (see restorer-entry.h).
#include "restorer-entry.h"

#include "page.h"

#include <ulexec/arch/restorer.h>

namespace ulexec {
namespace {

// Whether [start, end) touches the pages of any PT_LOAD of `file` other than `self`.
bool SharesPages(const ElfFile& file, const Elf64_Phdr& self, uint64_t start, uint64_t end) {
  for (const Elf64_Phdr& ph : file.phdrs) {
    if (ph.p_type != PT_LOAD || &ph == &self || ph.p_memsz == 0) continue;
    if (PageStart(ph.p_vaddr) < end && PageAlign(ph.p_vaddr + ph.p_memsz) > start) return true;
  }
  return false;
}

}  // namespace

bool FindRestorerEntry(const ElfFile& file, uint64_t file_size, const unsigned char* image, bool from_end,
                       RestorerEntry* out) {
  constexpr size_t kChunk = size_t{16} * 1024;
  const size_t count = file.phdrs.size();
  for (size_t k = 0; k < count; ++k) {
    const Elf64_Phdr& ph = file.phdrs[from_end ? count - 1 - k : k];
    if (ph.p_type != PT_LOAD || (ph.p_flags & (PF_R | PF_W | PF_X)) != (PF_R | PF_X) || ph.p_offset >= file_size) {
      continue;
    }
    const uint64_t in_file = ph.p_filesz < file_size - ph.p_offset ? ph.p_filesz : file_size - ph.p_offset;
    // A zero-filled tail shares its page with the last file bytes: that page is not the file's.
    const uint64_t file_end = ph.p_memsz > ph.p_filesz ? PageStart(ph.p_vaddr + in_file) : ph.p_vaddr + in_file;
    // Only pages this segment alone maps: another PT_LOAD over one of its pages replaced it with
    // other bytes (perhaps a page past the end of the file, which a read would take as SIGBUS).
    uint64_t lo = ph.p_vaddr, hi = file_end;
    while (lo < hi && SharesPages(file, ph, PageStart(lo), PageStart(lo) + kPageSize)) lo = PageStart(lo) + kPageSize;
    while (hi > lo && SharesPages(file, ph, PageStart(hi - 1), PageStart(hi - 1) + kPageSize)) hi = PageStart(hi - 1);
    if (hi <= lo || SharesPages(file, ph, PageStart(lo), PageAlign(hi))) continue;
    const std::span<const unsigned char> text(image + (lo - file.span_start), hi - lo);
    // The first restorer starting in [from, until), or with `from_end` the last (one may end past
    // `until`). Every one in `text` is usable: its stub and page(s) lie in pages of this segment's
    // file bytes that no other PT_LOAD touches.
    auto search = [&](size_t from, size_t until) {
      const auto window = text.first(until + 8 < text.size() ? until + 8 : text.size());
      long found = -1;
      for (long at = arch::FindRestorer(window, from); at >= 0 && static_cast<size_t>(at) < until;
           at = from_end ? arch::FindRestorer(window, static_cast<size_t>(at) + 1) : -1) {
        found = at;
      }
      if (found < 0) return false;
      const uint64_t restorer = lo + static_cast<uint64_t>(found);
      const uint64_t stub = restorer - arch::kRestorerStubSize;
      const uint64_t drop = PageStart(stub), drop_end = PageAlign(restorer);
      *out = {stub - file.span_start, restorer - file.span_start, drop - file.span_start, drop_end - drop};
      return true;
    };
    if (!from_end) {
      if (search(0, text.size())) return true;
      continue;
    }
    for (size_t until = text.size(); until > 0;) {
      const size_t from = until > kChunk ? until - kChunk : 0;
      if (search(from, until)) return true;
      until = from;
    }
  }
  return false;
}

int ChooseRestorer(const ExecPlan& plan, const unsigned char* const (&images)[2], RestorerEntry* out) {
  if (plan.stack.entry_frame == 0) return -1;
  for (size_t i = plan.image_count; i-- > 0;) {
    const ProgramFile& file = *plan.images[i].file;
    if (FindRestorerEntry(file.elf, file.size, images[i], /*from_end=*/i == 1, out)) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace ulexec
