// The corpus's cases (corpus.h): PT_INTERP and the interpreter file.
#include "corpus.h"

namespace corpus {

void AddInterpCases(CaseList& l) {
  // --- PT_INTERP (spec D4, H1, H2, H3).
  l.WithInterp("interp_second_bad", "a second PT_INTERP naming a missing file (ignored)", Interp, [](ElfBuilder& e, const std::string&) {
    const uint64_t at = e.AppendBytes(std::string("/nonexistent/ld.so") + '\0');
    e.Insert(1, Phdr(PT_INTERP, PF_R, at, 0, 19, 19, 1));
  });
  l.WithInterp("interp_not_nul_terminated", "PT_INTERP path without its NUL", Interp, [](ElfBuilder& e, const std::string&) {
    e.phdrs().front().p_filesz -= 1;
  });
  l.WithInterp("interp_filesz_0", "PT_INTERP with p_filesz = 0", Interp, [](ElfBuilder& e, const std::string&) {
    e.phdrs().front().p_filesz = 0;
  });
  l.WithInterp("interp_filesz_1", "PT_INTERP with p_filesz = 1 (just a NUL)", Interp, [](ElfBuilder& e, const std::string&) {
    e.Write(e.phdrs().front().p_offset, std::string(1, '\0'));
    e.phdrs().front().p_filesz = 1;
  });
  l.Add("interp_4096", "PT_INTERP of 4096 bytes: a 4095-byte path (slash-padded) and NUL",
        [](Case&, const std::string& dir) {
          Require(dir.size() + 7 < 4095, "the PT_INTERP path");
          WriteElf(dir + "/interp", Interp());
          ElfBuilder e = Program();
          AddInterp(e, std::string(4095 - (dir.size() + 7), '/') + dir + "/interp");
          WriteElf(dir + "/prog", e);
        });
  l.Add("interp_4096_nul_padded", "PT_INTERP of 4096 bytes: a short path and NULs", [](Case&, const std::string& dir) {
    Require(dir.size() + 7 < 4095, "the PT_INTERP path");
    WriteElf(dir + "/interp", Interp());
    ElfBuilder e = Program();
    AddInterp(e, dir + "/interp" + std::string(4095 - (dir.size() + 7), '\0'));
    WriteElf(dir + "/prog", e);
  });
  l.Add("interp_4097", "PT_INTERP of 4097 bytes", [](Case&, const std::string& dir) {
    Require(dir.size() + 7 < 4096, "the PT_INTERP path");
    WriteElf(dir + "/interp", Interp());
    ElfBuilder e = Program();
    AddInterp(e, std::string(4096 - (dir.size() + 7), '/') + dir + "/interp");
    WriteElf(dir + "/prog", e);
  });
  l.WithInterp("interp_past_eof", "PT_INTERP's bytes past EOF", Interp, [](ElfBuilder& e, const std::string&) {
    e.phdrs().front().p_offset = 0x100000;
  });
  l.WithInterp("interp_crosses_eof", "PT_INTERP's bytes start in the file and end past EOF", Interp,
               [](ElfBuilder& e, const std::string&) { e.phdrs().front().p_filesz += 100; });
  l.WithInterp("interp_offset_overflow", "PT_INTERP p_offset = 2^64 - 8", Interp, [](ElfBuilder& e, const std::string&) {
    e.phdrs().front().p_offset = 0xfffffffffffffff8;
  });
  l.WithInterp("interp_missing", "PT_INTERP names a missing file", Interp, [](ElfBuilder& e, const std::string& dir) {
    e.RemoveAll(PT_INTERP);
    AddInterp(e, dir + "/no-such-interp");
  });
  l.WithInterp("interp_relative_missing", "PT_INTERP names a relative path that does not exist", Interp,
               [](ElfBuilder& e, const std::string&) {
                 e.RemoveAll(PT_INTERP);
                 AddInterp(e, "no-such-interp-xyz");
               });
  l.WithInterp("interp_directory", "PT_INTERP names a directory", Interp, [](ElfBuilder& e, const std::string& dir) {
    e.RemoveAll(PT_INTERP);
    AddInterp(e, dir);
  });
  l.Add("interp_text_not_executable", "interpreter is a text file without x permission", [](Case&, const std::string& dir) {
    WriteFile(dir + "/interp", std::string(200, 'x'), 0644);
    ElfBuilder e = Program();
    AddInterp(e, dir + "/interp");
    WriteElf(dir + "/prog", e);
  });
  l.Add("interp_elf_not_executable", "interpreter is a valid ELF without x permission", [](Case&, const std::string& dir) {
    WriteElf(dir + "/interp", Interp(), 0644);
    ElfBuilder e = Program();
    AddInterp(e, dir + "/interp");
    WriteElf(dir + "/prog", e);
  });
  l.Add("interp_executable_text", "interpreter is an executable text file", [](Case&, const std::string& dir) {
    WriteFile(dir + "/interp", std::string(200, 'x'));
    ElfBuilder e = Program();
    AddInterp(e, dir + "/interp");
    WriteElf(dir + "/prog", e);
  });
  l.Add("interp_script", "interpreter is a #! script", [](Case&, const std::string& dir) {
    WriteFile(dir + "/interp", "#!" + g_print_argv + "\n" + std::string(100, '#') + "\n");
    ElfBuilder e = Program();
    AddInterp(e, dir + "/interp");
    WriteElf(dir + "/prog", e);
  });
  l.WithInterp("interp_short", "interpreter is a 40-byte ELF", Edit(Interp, [](auto& e) { e.Truncate(40); }));
  l.WithInterp("interp_empty", "interpreter is an empty executable file", Edit(Interp, [](auto& e) { e.Truncate(0); }));
  l.WithInterp("interp_has_interp", "interpreter with its own PT_INTERP (ignored)", Edit(Interp, [](auto& e) {
    AddInterp(e, "/nonexistent/ld.so");
  }));
  l.WithInterp("interp_aarch64", "interpreter for EM_AARCH64",
               Edit(Interp, [](auto& e) { e.ehdr().e_machine = EM_AARCH64; }));
  l.WithInterp("interp_bad_magic", "interpreter with bad magic",
               Edit(Interp, [](auto& e) { e.ehdr().e_ident[0] = 0; }));
  l.WithInterp("interp_et_rel", "interpreter with e_type ET_REL",
               Edit(Interp, [](auto& e) { e.ehdr().e_type = ET_REL; }));
  l.WithInterp("interp_et_core", "interpreter with e_type ET_CORE",
               Edit(Interp, [](auto& e) { e.ehdr().e_type = ET_CORE; }));
  l.WithInterp("interp_et_exec", "ET_EXEC interpreter at 0x600000", [] {
    return MakeElf(ET_EXEC, 0x600000, kInterpExit);
  });
  {
    auto& c = l.WithInterp("interp_et_exec_over_program", "ET_EXEC interpreter at the program's own addresses", [] {
      return MakeElf(ET_EXEC, kExecBase, kInterpExit);
    });
    // The kernel maps an ET_EXEC interpreter MAP_FIXED over the program's own pages and runs
    // whatever results; ulexec never maps over a mapping (README: known differences).
    c.limitation = "an interpreter overlapping the program is refused, not mapped over it";
    c.limitation_errno = ENOMEM;
  }
  l.WithInterp("interp_no_pt_load", "interpreter with no PT_LOAD", Edit(Interp, [](auto& e) { e.RemoveAll(PT_LOAD); }));
  l.WithInterp("interp_phentsize", "interpreter with e_phentsize = 32",
               Edit(Interp, [](auto& e) { e.ehdr().e_phentsize = 32; }));
  l.WithInterp("interp_phnum_0", "interpreter with e_phnum = 0", Edit(Interp, [](auto& e) { e.ehdr().e_phnum = 0; }));
  l.WithInterp("interp_phnum_2000", "interpreter with e_phnum = 2000",
               Edit(Interp, [](auto& e) { e.ehdr().e_phnum = 2000; }));
  l.WithInterp("interp_filesz_gt_memsz", "interpreter PT_LOAD with p_filesz > p_memsz", Edit(Interp, [](auto& e) {
    e.load(1).p_memsz = 8;
  }));
  l.WithInterp("interp_offset_incongruent", "interpreter PT_LOAD with incongruent p_offset", Edit(Interp, [](auto& e) {
    e.load(1).p_offset = kDataOff + 8;
  }));
  l.WithInterp("interp_entry_in_data", "interpreter e_entry in its R+W segment", Edit(Interp, [](auto& e) {
    e.ehdr().e_entry = kDataOff;
  }));
  l.WithInterp("interp_entry_outside", "interpreter e_entry outside its segments", Edit(Interp, [](auto& e) {
    e.ehdr().e_entry = 0x100000;
  }));
  l.WithInterp("interp_kernel_half", "interpreter PT_LOAD in the kernel half", [] {
    auto e = MakeElf(ET_EXEC, 0x600000, kInterpExit);
    e.load(1).p_vaddr = 0xffff800000000000;
    return e;
  });
  l.WithInterp("interp_trunc_before_bss_page", "interpreter cut before its writable data page with bss",
               Edit(Interp, [](auto& e) { e.Truncate(0x800); }));
  l.Add("interp_symlink_loop", "PT_INTERP names a symlink loop", [](Case&, const std::string& dir) {
    symlink((dir + "/loop").c_str(), (dir + "/loop").c_str());
    ElfBuilder e = Program();
    AddInterp(e, dir + "/loop");
    WriteElf(dir + "/prog", e);
  });
  {
    Case& c = l.Add("interp_on_noexec", "interpreter on a noexec mount", [](Case& c, const std::string& dir) {
      const std::string interp = g_noexec + "/" + c.name + "-interp";
      WriteElf(interp, Interp());
      ElfBuilder e = Program();
      AddInterp(e, interp);
      WriteElf(dir + "/prog", e);
    });
    c.needs_noexec = true;
  }

}

}  // namespace corpus
