// The corpus's cases (corpus.h): #! scripts.
#include "corpus.h"

namespace corpus {

void AddScriptCases(CaseList& l) {
  // --- #! scripts (spec F). @P is the argv printer.
  l.Script("script_basic", "#!P", "#!@P\n");
  l.Script("script_arg", "#!P -x", "#!@P -x\n");
  l.Script("script_arg_inner_blanks", "argument with inner and trailing blanks", "#!@P  a  b \t \n");
  l.Script("script_leading_blanks", "blanks before the interpreter", "#! \t @P arg\n");
  l.Script("script_tab_separator", "a tab between path and argument", "#!@P\targ\n");
  l.Script("script_no_newline_arg_space", "#!P a  (EOF, trailing space kept)", "#!@P a ");
  l.Script("script_no_newline_space", "#!P  (EOF: an extra empty argument)", "#!@P ");
  l.Script("script_no_newline_space_tab_space", "#!P <sp><tab><sp> (EOF)", "#!@P \t ");
  l.Script("script_no_newline", "#!P (EOF)", "#!@P");
  l.Script("script_arg_300", "a 300-byte argument without newline (cut)", "#!@P " + std::string(300, 'z'));
  l.Script("script_arg_300_newline_late", "a 300-byte argument, newline after byte 256", "#!@P " + std::string(300, 'z') + "\n");
  l.Script("script_arg_with_nul", "argument containing a NUL", std::string("#!@P a\0b c\n", 13));
  l.Script("script_nul_after_path", "a NUL right after the path", std::string("#!@P\0 arg\n", 10));
  l.Script("script_with_args", "script given extra arguments", "#!@P opt\n").args = {"x", "y z", ""};
  l.Script("script_empty_argv_args", "script given an empty argument", "#!@P\n").args = {""};
  l.Add("script_path_253", "a 253-byte interpreter path (slash-padded) then newline", [](Case&, const std::string& dir) {
    Require(g_print_argv.size() <= 253, "the #! path");
    WriteFile(dir + "/prog", "#!" + std::string(253 - g_print_argv.size(), '/') + g_print_argv + "\n");
  }).compare_stdout = true;
  l.Add("script_path_253_eof", "a 253-byte interpreter path, EOF", [](Case&, const std::string& dir) {
    Require(g_print_argv.size() <= 253, "the #! path");
    WriteFile(dir + "/prog", "#!" + std::string(253 - g_print_argv.size(), '/') + g_print_argv);
  }).compare_stdout = true;
  l.Add("script_path_254", "a 254-byte interpreter path: no terminator in 256 bytes", [](Case&, const std::string& dir) {
    Require(g_print_argv.size() <= 254, "the #! path");
    WriteFile(dir + "/prog", "#!" + std::string(254 - g_print_argv.size(), '/') + g_print_argv + "\n");
  }).compare_stdout = true;
  l.Script("script_blank", "#!<newline>", "#!\n");
  l.Script("script_blanks", "#!<3 spaces><newline>", "#!   \n");
  l.Script("script_only_hashbang", "#! and EOF", "#!");
  l.Script("script_blanks_eof", "#!<blanks> and EOF", "#!  \t ");
  l.Script("script_nul_interp", "#!<NUL>x: an empty interpreter name", std::string("#!\0x\n", 5));
  l.Script("script_blank_nul_interp", "#!<space><NUL>x", std::string("#! \0x\n", 6));
  l.Script("script_crlf", "#!/bin/sh<CR><LF>", "#!/bin/sh\r\n");
  l.Script("script_missing_interp", "interpreter does not exist", "#!/nonexistent/interp\n");
  l.Script("script_relative_missing_interp", "relative interpreter that does not exist", "#!no-such-interp-xyz\n");
  l.Script("script_interp_directory", "interpreter is a directory", "#!@D\n");
  l.Script("script_not_executable", "script without x permission", "#!@P\n", 0644);
  l.Add("script_interp_not_executable", "interpreter without x permission", [](Case&, const std::string& dir) {
    WriteFile(dir + "/interp", "#!" + g_print_argv + "\n", 0644);
    WriteFile(dir + "/prog", "#!" + dir + "/interp\n");
  }).compare_stdout = true;
  l.Add("script_interp_text", "interpreter is an executable text file without #!", [](Case&, const std::string& dir) {
    WriteFile(dir + "/interp", "just text\n");
    WriteFile(dir + "/prog", "#!" + dir + "/interp\n");
  }).compare_stdout = true;
  l.Add("script_interp_bad_elf", "interpreter is an ELF for aarch64", [](Case&, const std::string& dir) {
    auto e = Program();
    e.ehdr().e_machine = EM_AARCH64;
    WriteElf(dir + "/interp", e);
    WriteFile(dir + "/prog", "#!" + dir + "/interp\n");
  }).compare_stdout = true;
  l.Add("script_interp_elf", "interpreter is the valid static ELF", [](Case&, const std::string& dir) {
    WriteElf(dir + "/interp", Program());
    WriteFile(dir + "/prog", "#!" + dir + "/interp\n");
  });
  l.Add("script_interp_h3", "interpreter is an ELF the kernel dies of (p_filesz > p_memsz)", [](Case&, const std::string& dir) {
    auto e = Program();
    e.load(1).p_memsz = 8;
    WriteElf(dir + "/interp", e);
    WriteFile(dir + "/prog", "#!" + dir + "/interp\n");
  });
  l.Script("script_self_loop", "the script is its own interpreter", "#!@D/prog\n");
  for (int depth : {5, 6}) {
    l.Add("script_nested_" + std::to_string(depth), std::to_string(depth) + " nested #! scripts, then an ELF",
          [depth](Case&, const std::string& dir) {
            for (int i = 1; i <= depth; ++i) {
              const std::string next = i == depth ? g_print_argv : dir + "/s" + std::to_string(i + 1);
              WriteFile(i == 1 ? dir + "/prog" : dir + "/s" + std::to_string(i), "#!" + next + " level" + std::to_string(i) + "\n");
            }
          }).compare_stdout = true;
  }
  {
    Case& c = l.Add("script_on_noexec", "script on a noexec mount", [](Case& c, const std::string&) {
      c.path = g_noexec + "/" + c.name;
      WriteFile(c.path, "#!" + g_print_argv + "\n");
    });
    c.needs_noexec = true;
  }
}

}  // namespace corpus
