// Stage 2 (pure): what mapping an image means, in link addresses (image-plan.h).
#include "image-plan.h"

#include "page.h"

#include <sys/mman.h>

namespace ulexec {

int ProtFromFlags(uint32_t p_flags) {
  return ((p_flags & PF_R) ? PROT_READ : 0) | ((p_flags & PF_W) ? PROT_WRITE : 0) |
         ((p_flags & PF_X) ? PROT_EXEC : 0);
}

SegmentPlan PlanSegment(const Elf64_Phdr& ph) {
  SegmentPlan s;
  s.prot = ProtFromFlags(ph.p_flags);
  uint64_t anon_from = PageStart(ph.p_vaddr);
  if (ph.p_filesz != 0) {
    s.file_start = PageStart(ph.p_vaddr);
    s.file_end = PageAlign(ph.p_vaddr + ph.p_filesz);
    s.file_offset = ph.p_offset - PageOffset(ph.p_vaddr);
    anon_from = s.file_end;
    if (ph.p_memsz > ph.p_filesz && (ph.p_flags & PF_W) != 0) {
      s.zero_start = ph.p_vaddr + ph.p_filesz;
      s.zero_end = s.file_end;
    }
  }
  if (ph.p_memsz > ph.p_filesz) {
    const uint64_t anon_end = PageAlign(ph.p_vaddr + ph.p_memsz);
    if (anon_end > anon_from) {
      s.anon_start = anon_from;
      s.anon_end = anon_end;
      // Always readable and writable, executable if the segment is (vm_brk_flags; spec C2).
      s.anon_prot = PROT_READ | PROT_WRITE | ((ph.p_flags & PF_X) ? PROT_EXEC : 0);
    }
  }
  return s;
}

ImageFacts DescribeImage(const ElfFile& file) {
  ImageFacts f;
  f.start_code = ~uint64_t{0};
  for (const Elf64_Phdr& ph : file.phdrs) {
    if (ph.p_type != PT_LOAD) continue;
    const uint64_t file_end = ph.p_vaddr + ph.p_filesz;
    if (ph.p_flags & PF_X) {
      if (ph.p_vaddr < f.start_code) f.start_code = ph.p_vaddr;
      if (file_end > f.end_code) f.end_code = file_end;
    }
    if (ph.p_vaddr > f.start_data) f.start_data = ph.p_vaddr;
    if (file_end > f.end_data) f.end_data = file_end;
    if (ph.p_vaddr + ph.p_memsz > f.brk) f.brk = ph.p_vaddr + ph.p_memsz;
    // The last PT_LOAD whose file range holds e_phoff decides, as in load_elf_binary.
    if (ph.p_offset <= file.ehdr.e_phoff && file.ehdr.e_phoff < ph.p_offset + ph.p_filesz) {
      f.phdr_vaddr = ph.p_vaddr + (file.ehdr.e_phoff - ph.p_offset);
    }
  }
  if (f.start_code == ~uint64_t{0}) f.start_code = 0;
  f.brk = PageAlign(f.brk);
  return f;
}

}  // namespace ulexec
