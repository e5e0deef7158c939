// The corpus's cases (corpus.h): The program file itself, and the size of argv and envp.
#include "corpus.h"

namespace corpus {

void AddProgramCases(CaseList& l) {
  // --- The program file (spec D1).
  l.Add("program_directory", "PROGRAM is a directory", [](Case& c, const std::string& dir) { c.path = dir; });
  l.Add("program_not_executable", "mode 0644 (root needs an x bit)", [](Case&, const std::string& dir) {
    WriteElf(dir + "/prog", Program(), 0644);
  });
  l.Add("program_mode_0001", "mode 0001: an x bit for others only (root runs it)", [](Case&, const std::string& dir) {
    WriteElf(dir + "/prog", Program(), 0001);
  });
  {
    Case& c = l.Add("program_mode_0100", "mode 0100: execute-only for the owner", [](Case&, const std::string& dir) {
      WriteElf(dir + "/prog", Program(), 0100);
    });
    c.limitation = "ulexec reads the file it maps; execve needs no read permission (root may read anything)";
    c.limitation_errno = EACCES;
  }
  l.Add("program_fifo", "PROGRAM is a FIFO with mode 0755", [](Case&, const std::string& dir) {
    mkfifo((dir + "/prog").c_str(), 0755);
    chmod((dir + "/prog").c_str(), 0755);
  });
  l.Add("program_char_device", "PROGRAM is /dev/null", [](Case& c, const std::string&) { c.path = "/dev/null"; });
  l.Add("program_missing", "PROGRAM does not exist", [](Case&, const std::string&) {});
  l.Add("program_enotdir", "a path through a regular file (prog/x)", [](Case& c, const std::string& dir) {
    WriteElf(dir + "/prog", Program());
    c.path = dir + "/prog/x";
  });
  l.Add("program_name_too_long", "a 256-byte path component", [](Case& c, const std::string& dir) {
    c.path = dir + "/" + std::string(256, 'n');
  });
  l.Add("program_path_too_long", "a 4096-byte path", [](Case& c, const std::string& dir) {
    WriteElf(dir + "/prog", Program());
    c.path = PaddedPath(dir, "prog", 4096);
  });
  l.Add("program_symlink", "PROGRAM is a symlink to a valid ELF", [](Case& c, const std::string& dir) {
    WriteElf(dir + "/real", Program());
    symlink("real", (dir + "/prog").c_str());
    c.path = dir + "/prog";
  });
  l.Add("program_symlink_loop", "PROGRAM is a symlink loop", [](Case&, const std::string& dir) {
    symlink("prog", (dir + "/prog").c_str());
  });
  l.Add("program_open_for_writing", "PROGRAM is open for writing", [](Case& c, const std::string& dir) {
    WriteElf(dir + "/prog", Program());
    c.write_fd = open((dir + "/prog").c_str(), O_WRONLY | O_CLOEXEC);
  }).needs_lease = true;
  {
    Case& c = l.Add("program_on_noexec", "PROGRAM on a noexec mount", [](Case& c, const std::string&) {
      c.path = g_noexec + "/" + c.name;
      WriteElf(c.path, Program());
    });
    c.needs_noexec = true;
  }

  // --- argv and envp size (spec D1, D2). The path is long so that the ulexec command itself
  // (whose own execve carries both its path and PROGRAM) still starts where PROGRAM fails.
  struct Limit {
    const char* name;
    rlim_t stack;
  };
  const Limit limits[] = {{"rlimit_stack_current", 0}, {"rlimit_stack_1m", 1 << 20}, {"rlimit_stack_400k", 400 << 10}};
  for (const Limit& lim : limits) {
    for (int over = 0; over <= 1; ++over) {
      Case& c = l.Add(std::string("e2big_") + (over ? "over_" : "at_") + lim.name,
                      std::string("argv+envp ") + (over ? "1 byte over" : "exactly at") + " the limit for " +
                          (lim.stack ? std::to_string(lim.stack >> 10) + " KiB RLIMIT_STACK" : "the current RLIMIT_STACK"),
                      [over, lim](Case& c, const std::string& dir) {
                        WriteElf(dir + "/prog", Program());
                        c.path = PaddedPath(dir, "prog", 2 * g_ulexec.size() + 64);
                        FillArgs(c, ArgLimit(lim.stack ? lim.stack : CurrentStackLimit()) + over);
                      });
      c.stack_limit = lim.stack;
    }
  }
  {
    Case& c = l.Add("arg_131072_chars", "one argument of 131072 chars (131073 bytes with NUL)", [](Case& c, const std::string& dir) {
      WriteElf(dir + "/prog", Program());
      c.args = {std::string(131072, 'x')};
    });
    c.command = false;  // the kernel would not start ulexec itself with it
  }
  l.Add("arg_131071_chars", "one argument of 131071 chars (131072 bytes with NUL)", [](Case& c, const std::string& dir) {
    WriteElf(dir + "/prog", Program());
    c.args = {std::string(131071, 'x')};
  });

}

}  // namespace corpus
