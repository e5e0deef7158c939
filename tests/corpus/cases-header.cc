// The corpus's cases (corpus.h): Valid images, files that are no ELF or are cut short, and the ELF header's fields.
#include "corpus.h"

namespace corpus {

void AddHeaderCases(CaseList& l) {
  // --- Valid images: the kernel runs them, so must ulexec.
  l.Image("valid_static", "valid ET_EXEC (text, data+bss, PT_GNU_STACK)", Program);
  l.Image("valid_static_pie", "valid ET_DYN without PT_INTERP", StaticPie);
  l.WithInterp("valid_with_interp", "valid ET_EXEC with an ET_DYN interpreter (exits 43)", Interp);
  l.Add("valid_pie_with_interp", "valid ET_DYN with an ET_DYN interpreter", [](Case&, const std::string& dir) {
    WriteElf(dir + "/interp", Interp());
    ElfBuilder e = StaticPie();
    AddInterp(e, dir + "/interp");
    WriteElf(dir + "/prog", e);
  });

  // --- Not an ELF, or cut short (spec D1, D3).
  l.Add("empty_file", "empty file", [](Case&, const std::string& dir) { WriteFile(dir + "/prog", ""); });
  l.Image("trunc_in_magic", "2 bytes: \\x7fE", Edit(Program, [](auto& e) { e.Truncate(2); }));
  l.Image("trunc_in_ident", "10 bytes: cut inside e_ident", Edit(Program, [](auto& e) { e.Truncate(10); }));
  l.Image("trunc_in_ehdr", "40 bytes: cut inside the ELF header", Edit(Program, [](auto& e) { e.Truncate(40); }));
  l.Image("trunc_in_phdrs", "cut inside the program headers", Edit(Program, [](auto& e) { e.Truncate(kPhoff + 80); }));
  l.Image("trunc_in_text_no_bss", "only a text segment, file cut inside it (entry page present)", [] {
    auto e = MakeElf(ET_EXEC, kExecBase, kProgramExit, false);
    e.Truncate(kCodeOff + 0x50);
    return e;
  });
  l.Image("trunc_before_data_with_bss", "file cut before the writable data segment that has a bss tail",
          Edit(Program, [](auto& e) { e.Truncate(0x800); }));
  l.Image("trunc_before_data_no_bss", "file cut before a writable data segment without bss", [] {
    auto e = MakeElf(ET_EXEC, kExecBase, kProgramExit, true, false);
    e.Truncate(0x800);
    return e;
  });
  l.Image("trunc_in_data_page_with_bss", "file cut inside the data segment; its last page partly in the file",
          Edit(Program, [](auto& e) { e.Truncate(kDataOff + 8); }));
  l.Image("bad_magic", "\\x7fELG instead of \\x7fELF", Edit(Program, [](auto& e) { e.ehdr().e_ident[3] = 'G'; }));
  l.Add("text_file", "executable text file without #!", [](Case&, const std::string& dir) {
    WriteFile(dir + "/prog", "echo hello\n");
  });
  l.Add("zeros_4k", "4096 zero bytes", [](Case&, const std::string& dir) {
    WriteFile(dir + "/prog", std::string(4096, '\0'));
  });

  // --- ELF header fields (spec D3, H1).
  l.Image("ei_class_32", "EI_CLASS = ELFCLASS32 (not checked)",
          Edit(Program, [](auto& e) { e.ehdr().e_ident[EI_CLASS] = ELFCLASS32; }));
  l.Image("ei_class_0", "EI_CLASS = 0", Edit(Program, [](auto& e) { e.ehdr().e_ident[EI_CLASS] = 0; }));
  l.Image("ei_data_msb", "EI_DATA = big-endian (not checked)",
          Edit(Program, [](auto& e) { e.ehdr().e_ident[EI_DATA] = ELFDATA2MSB; }));
  l.Image("ei_version_0", "EI_VERSION = 0", Edit(Program, [](auto& e) { e.ehdr().e_ident[EI_VERSION] = 0; }));
  l.Image("ei_osabi_garbage", "EI_OSABI = 0xff and garbage padding", Edit(Program, [](auto& e) {
    e.ehdr().e_ident[EI_OSABI] = 0xff;
    memset(e.ehdr().e_ident + EI_PAD, 0xa5, EI_NIDENT - EI_PAD);
  }));
  l.Image("garbage_version_flags_ehsize", "e_version, e_flags, e_ehsize garbage", Edit(Program, [](auto& e) {
    e.ehdr().e_version = 0xdeadbeef;
    e.ehdr().e_flags = 0xffffffff;
    e.ehdr().e_ehsize = 3;
  }));
  l.Image("garbage_section_headers", "e_shoff past EOF, e_shnum 0xffff, e_shentsize 3, e_shstrndx 0xfffe",
          Edit(Program, [](auto& e) {
            e.ehdr().e_shoff = 0xffffffffffff0000;
            e.ehdr().e_shnum = 0xffff;
            e.ehdr().e_shentsize = 3;
            e.ehdr().e_shstrndx = 0xfffe;
          }));
  l.Image("machine_aarch64", "e_machine = EM_AARCH64", Edit(Program, [](auto& e) { e.ehdr().e_machine = EM_AARCH64; }));
  l.Image("machine_i386", "e_machine = EM_386", Edit(Program, [](auto& e) { e.ehdr().e_machine = EM_386; }));
  l.Image("machine_none", "e_machine = 0", Edit(Program, [](auto& e) { e.ehdr().e_machine = 0; }));
  l.Image("type_rel", "e_type = ET_REL", Edit(Program, [](auto& e) { e.ehdr().e_type = ET_REL; }));
  l.Image("type_core", "e_type = ET_CORE", Edit(Program, [](auto& e) { e.ehdr().e_type = ET_CORE; }));
  l.Image("type_none", "e_type = ET_NONE", Edit(Program, [](auto& e) { e.ehdr().e_type = ET_NONE; }));
  l.Image("type_os_specific", "e_type = 0xfe00 (ET_LOOS)", Edit(Program, [](auto& e) { e.ehdr().e_type = 0xfe00; }));
  l.Image("phentsize_32", "e_phentsize = 32", Edit(Program, [](auto& e) { e.ehdr().e_phentsize = 32; }));
  l.Image("phentsize_64", "e_phentsize = 64", Edit(Program, [](auto& e) { e.ehdr().e_phentsize = 64; }));
  l.Image("phentsize_0", "e_phentsize = 0", Edit(Program, [](auto& e) { e.ehdr().e_phentsize = 0; }));
  l.Image("phnum_0", "e_phnum = 0", Edit(Program, [](auto& e) { e.ehdr().e_phnum = 0; }));
  l.Image("phnum_1170", "1170 program headers (65520 bytes, the most that fit in 64 KiB)", Edit(Program, [](auto& e) {
    e.ehdr().e_phoff = 0x2000;
    e.PadPhdrsTo(1170);
  }));
  l.Image("phnum_1171", "e_phnum = 1171 (65576 bytes)", Edit(Program, [](auto& e) {
    e.ehdr().e_phoff = 0x2000;
    e.PadPhdrsTo(1171);
  }));
  l.Image("phnum_2000", "e_phnum = 2000, table not in the file",
          Edit(Program, [](auto& e) { e.ehdr().e_phnum = 2000; }));
  l.Image("phnum_xnum", "e_phnum = PN_XNUM (0xffff)", Edit(Program, [](auto& e) { e.ehdr().e_phnum = PN_XNUM; }));
  l.Image("phoff_past_eof", "e_phoff past the end of the file", Edit(Program, [](auto& e) {
    e.ehdr().e_phoff = 0x10000;
    e.Truncate(kDataOff + kDataSize);
  }));
  l.Image("phoff_table_crosses_eof", "program header table starts inside the file and ends past it",
          Edit(Program, [](auto& e) {
            e.ehdr().e_phoff = kDataOff - 0x40;  // 3 headers: 0x1000-0x40+168 > file size 0x1010
            e.Truncate(kDataOff + kDataSize);
          }));
  l.Image("phoff_overflow", "e_phoff + table size overflows 64 bits", Edit(Program, [](auto& e) {
    e.Write(kPhoff, std::string(reinterpret_cast<const char*>(e.phdrs().data()), e.phdrs().size() * sizeof(Elf64_Phdr)));  // only e_phoff is bad
    e.ehdr().e_phoff = 0xffffffffffffffc0;
  }));
  l.Image("phoff_unaligned", "program header table at an odd offset (0x1013)", Edit(Program, [](auto& e) {
    e.ehdr().e_phoff = kDataOff + 0x13;
  }));
  l.Image("phdrs_not_loaded", "program header table at the end of the file, in no PT_LOAD", Edit(Program, [](auto& e) {
    e.ehdr().e_phoff = 0x1800;
  }));

}

}  // namespace corpus
