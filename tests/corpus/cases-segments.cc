// The corpus's cases (corpus.h): PT_LOAD segments and e_entry.
#include "corpus.h"

namespace corpus {

void AddSegmentCases(CaseList& l) {
  // --- PT_LOAD segments (spec C1-C3, D5, H1, H3).
  l.Image("filesz_gt_memsz", "data PT_LOAD with p_filesz > p_memsz", Edit(Program, [](auto& e) {
    e.load(1).p_memsz = 0x8;
  }));
  l.Image("text_filesz_gt_memsz", "text PT_LOAD with p_filesz > p_memsz", Edit(Program, [](auto& e) {
    e.load(0).p_memsz = 0x200;
  }));
  l.Image("file_range_past_eof_bss", "writable PT_LOAD with bss whose file range lies past EOF",
          Edit(Program, [](auto& e) { e.load(1).p_offset = 0x5000; }));
  l.Image("file_range_past_eof_no_bss", "writable PT_LOAD without bss whose file range lies past EOF",
          Edit(Program, [](auto& e) {
            e.load(1).p_offset = 0x5000;
            e.load(1).p_memsz = kDataSize;
          }));
  l.Image("file_range_past_eof_readonly_bss", "read-only PT_LOAD with bss whose file range lies past EOF",
          Edit(Program, [](auto& e) {
            e.load(1).p_offset = 0x5000;
            e.load(1).p_flags = PF_R;
          }));
  l.Image("filesz_huge_no_bss", "text PT_LOAD with p_filesz = p_memsz = 1 GiB, file 4 KiB", [] {
    auto e = MakeElf(ET_EXEC, kExecBase, kProgramExit, false);
    e.load(0).p_filesz = e.load(0).p_memsz = 1 << 30;
    return e;
  });
  l.Image("vaddr_memsz_overflow", "p_vaddr + p_memsz overflows 64 bits", Edit(Program, [](auto& e) {
    e.load(1).p_vaddr = 0xfffffffffffff000;
    e.load(1).p_offset = kDataOff;
  }));
  l.Image("memsz_huge", "p_memsz = 2^63", Edit(Program, [](auto& e) { e.load(1).p_memsz = uint64_t{1} << 63; }));
  l.Image("segment_crosses_task_size", "PT_LOAD from TASK_SIZE-4K to TASK_SIZE+4K", Edit(Program, [](auto& e) {
    e.load(1).p_vaddr = kTaskSize - 0x1000;
    e.load(1).p_filesz = 0;
    e.load(1).p_memsz = 0x2000;
  }));
  l.Image("segment_in_kernel_half", "PT_LOAD at 0xffff800000000000", Edit(Program, [](auto& e) {
    e.load(1).p_vaddr = 0xffff800000000000;
  }));
  l.Image("align_3", "p_align = 3 (not a power of two)", Edit(Program, [](auto& e) {
    e.load(0).p_align = e.load(1).p_align = 3;
  }));
  l.Image("align_0", "p_align = 0", Edit(Program, [](auto& e) { e.load(0).p_align = e.load(1).p_align = 0; }));
  l.Image("pie_align_3", "ET_DYN with p_align = 3", Edit(StaticPie, [](auto& e) {
    e.load(0).p_align = e.load(1).p_align = 3;
  }));
  l.Image("pie_align_2m", "ET_DYN with p_align = 2 MiB", Edit(StaticPie, [](auto& e) {
    e.load(0).p_align = e.load(1).p_align = 0x200000;
  }));
  l.Image("pie_align_1g", "ET_DYN with p_align = 1 GiB", Edit(StaticPie, [](auto& e) {
    e.load(0).p_align = 0x40000000;
  }));
  l.Image("offset_incongruent", "p_offset and p_vaddr differ modulo 4096", Edit(Program, [](auto& e) {
    e.load(1).p_offset = kDataOff + 8;
  }));
  l.Image("text_offset_incongruent", "text PT_LOAD with p_offset 0x100, p_vaddr page-aligned",
          Edit(Program, [](auto& e) { e.load(0).p_offset = 0x100; }));
  l.Image("overlap_same_text", "a third PT_LOAD mapping the text page again", Edit(Program, [](auto& e) {
    e.Append(e.load(0));
  }));
  l.Image("overlap_data_bss", "a PT_LOAD (R+W, no file) over the bss of the data segment", Edit(Program, [](auto& e) {
    e.Append(Phdr(PT_LOAD, PF_R | PF_W, 0, kExecBase + 0x2000, 0, 0x1000, 0x1000));
  }));
  l.Image("unsorted_segments", "data PT_LOAD before text PT_LOAD", Edit(Program, [](auto& e) {
    std::swap(e.phdrs()[0], e.phdrs()[1]);
  }));
  l.Image("pie_unsorted_segments", "ET_DYN with the data PT_LOAD first", Edit(StaticPie, [](auto& e) {
    std::swap(e.phdrs()[0], e.phdrs()[1]);
  }));
  l.Image("load_at_vaddr_0", "ET_EXEC linked at 0 (below mmap_min_addr)", [] {
    return MakeElf(ET_EXEC, 0, kProgramExit);
  });
  l.Image("load_at_0x8000", "ET_EXEC linked at 0x8000 (below the 64 KiB CONFIG_LSM_MMAP_MIN_ADDR)", [] {
    return MakeElf(ET_EXEC, 0x8000, kProgramExit);
  });
  l.Image("load_at_0x10000", "ET_EXEC linked at 0x10000", [] { return MakeElf(ET_EXEC, 0x10000, kProgramExit); });
  l.Image("data_at_vaddr_0", "an extra R+W PT_LOAD at 0 (below mmap_min_addr)", Edit(Program, [](auto& e) {
    e.Append(Phdr(PT_LOAD, PF_R | PF_W, 0, 0, 0, 0x1000, 0x1000));
  }));
  l.Image("memsz_0_segment", "an extra PT_LOAD with p_memsz = 0 at a weird address", Edit(Program, [](auto& e) {
    e.Append(Phdr(PT_LOAD, PF_R, 0x123, 0xdead000, 0, 0, 0x1000));
  }));
  l.Image("no_pt_load", "ET_EXEC with no PT_LOAD", Edit(Program, [](auto& e) { e.RemoveAll(PT_LOAD); }));
  l.Image("pie_no_pt_load", "ET_DYN with no PT_LOAD", Edit(StaticPie, [](auto& e) { e.RemoveAll(PT_LOAD); }));
  l.Image("only_memsz_0_loads", "every PT_LOAD has p_memsz = 0", Edit(Program, [](auto& e) {
    e.load(0).p_filesz = e.load(0).p_memsz = 0;
    e.load(1).p_filesz = e.load(1).p_memsz = 0;
  }));
  l.Image("collision_with_stack", "first PT_LOAD covers the top 32 GiB, where the stack is", [] {
    auto e = MakeElf(ET_EXEC, kTaskSize - (uint64_t{32} << 30), kProgramExit, false);
    e.load(0).p_filesz = e.load(0).p_memsz = uint64_t{32} << 30;
    return e;
  });
  l.Image("bss_1g", "data PT_LOAD with a 1 GiB bss", Edit(Program, [](auto& e) { e.load(1).p_memsz = 1 << 30; }));
  {
    Case& c = l.Image("rlimit_as_bss_1g", "1 GiB bss under RLIMIT_AS = 128 MiB", Edit(Program, [](auto& e) {
      e.load(1).p_memsz = 1 << 30;
    }));
    c.as_limit = 128 << 20;
  }
  l.Image("exec_stack", "PT_GNU_STACK with PF_X", Edit(Program, [](auto& e) { e.phdrs().back().p_flags |= PF_X; }));
  l.Image("no_gnu_stack", "no PT_GNU_STACK", Edit(Program, [](auto& e) { e.RemoveAll(PT_GNU_STACK); }));
  l.Image("gnu_property_garbage", "PT_GNU_PROPERTY pointing at garbage past EOF", Edit(Program, [](auto& e) {
    e.Append(Phdr(PT_GNU_PROPERTY, PF_R, 0x99999, 0, 0x1234, 0x1234, 8));
  }));
  l.Image("loproc_and_unknown_types", "PT_LOPROC and an unknown p_type", Edit(Program, [](auto& e) {
    e.Append(Phdr(PT_LOPROC + 1, PF_R, 0, 0, 0x10, 0x10, 8));
    e.Append(Phdr(0x12345678, PF_R, 0xfffffff, 0, 0x10, 0x10, 8));
  }));
  l.Image("pt_phdr_garbage", "PT_PHDR with a garbage address", Edit(Program, [](auto& e) {
    e.Insert(0, Phdr(PT_PHDR, PF_R, 0x99999, 0x12345, 0x77, 0x77, 8));
  }));

  // --- e_entry (spec H3).
  l.Image("entry_0", "e_entry = 0", Edit(Program, [](auto& e) { e.ehdr().e_entry = 0; }));
  l.Image("entry_kernel_half", "e_entry = 0xffffffff81000000",
          Edit(Program, [](auto& e) { e.ehdr().e_entry = 0xffffffff81000000; }));
  l.Image("entry_task_size", "e_entry = TASK_SIZE", Edit(Program, [](auto& e) { e.ehdr().e_entry = kTaskSize; }));
  l.Image("entry_in_data", "e_entry in the R+W data segment", Edit(Program, [](auto& e) {
    e.ehdr().e_entry = kExecBase + kDataOff;
  }));
  l.Image("entry_in_no_segment", "e_entry in no PT_LOAD", Edit(Program, [](auto& e) { e.ehdr().e_entry = 0x500000; }));
  l.Image("entry_in_bss", "e_entry in the zero-filled part of an executable segment", Edit(Program, [](auto& e) {
    e.load(0).p_memsz = 0x3000;
    e.load(1).p_vaddr += 0x4000;
    e.ehdr().e_entry = kExecBase + 0x2000;
  }));
  l.Image("entry_covered_by_nonexec", "e_entry's page mapped again by a later R+W PT_LOAD", Edit(Program, [](auto& e) {
    e.Append(Phdr(PT_LOAD, PF_R | PF_W, 0, kExecBase, kTextSize, kTextSize, 0x1000));
  }));
  l.Image("entry_page_past_eof", "e_entry in a file page past EOF", [] {
    auto e = MakeElf(ET_EXEC, kExecBase, kProgramExit, false);
    e.load(0).p_filesz = e.load(0).p_memsz = 0x3000;
    e.ehdr().e_entry = kExecBase + 0x2300;
    return e;
  });

}

}  // namespace corpus
