// What `ulexec --explain` shows: the exec plan as plain values for the renderers (text, JSON).
// plan-adapter.cc fills it from the loader; nothing here knows the loader's own types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace explain {

// One `#!` level (spec F1-F8): the script and the interpreter line it names.
struct ScriptLevel {
  std::string script;
  std::string interpreter;
  std::optional<std::string> argument;
};

struct Check {
  std::string name;     // what was checked, in the kernel's order
  std::string subject;  // the file it was checked on
  bool passed = true;
};

// The file part: how the name was resolved, the ELF header, the checks.
struct FileView {
  std::string given;       // PROGRAM as typed ("-" for standard input, "--fd N")
  std::string resolution;  // "as given", "PATH search", "descriptor", "standard input"
  std::string path;        // the file opened (after a PATH search)
  std::vector<ScriptLevel> scripts;
  std::string elf_path;  // the ELF file that runs (the last #! interpreter, or the program)
  uint64_t size = 0;
  std::string elf_class, machine, type;
  uint64_t header_entry = 0;  // e_entry, a link address
  std::vector<Check> checks;
  int error = 0;  // the errno execve would give, 0 when it would run
  std::string error_name, error_text;
};

// A PT_LOAD as it will be mapped (spec C1, C2): run addresses, the load bias added.
struct SegmentView {
  unsigned index = 0;  // in the program header table
  uint64_t file_offset = 0, file_size = 0, vaddr = 0, mem_size = 0;
  std::string prot;                       // "r-x"
  uint64_t file_start = 0, file_end = 0;  // file-backed pages (file_start == file_end: none)
  uint64_t zero_start = 0, zero_end = 0;  // cleared tail of the last file page
  uint64_t anon_start = 0, anon_end = 0;  // anonymous (bss) pages
};

struct ImageView {
  std::string role;  // "program" or "interpreter"
  std::string path;
  std::string type;  // ET_EXEC or ET_DYN
  uint64_t load_bias = 0;
  std::string bias_rule;  // which placement rule chose the bias, with its docs/execve.md item
  bool bias_random = false;
  uint64_t entry = 0;
  std::vector<SegmentView> segments;
};

struct StackItem {
  uint64_t address = 0, size = 0;  // [address, address + size)
  std::string what, value;
  bool random = false;
};

struct AuxEntry {
  std::string name;
  uint64_t type = 0, value = 0;
  std::string meaning;  // what a pointer points at, when it is on the stack
  bool random = false;
};

struct StackView {
  uint64_t top = 0, sp = 0;
  bool randomized = false;       // the address space is randomized: the top and the A4 gap are drawn
  std::vector<StackItem> items;  // high to low addresses
  std::vector<AuxEntry> auxv;
  std::vector<std::string> argv, envp;
};

struct Instruction {
  uint64_t address = 0;
  std::string bytes, text, symbol;  // symbol: "_start+0x4", or empty
};

struct CodeView {
  std::string title;  // "program entry", "interpreter entry", "signal trampoline"
  std::vector<Instruction> instructions;
};

struct EntryView {
  uint64_t rip = 0, rsp = 0;
  std::vector<std::pair<std::string, uint64_t>> registers;  // in the order they are shown
  std::vector<CodeView> code;
};

struct SideEffects {
  std::vector<int> close_on_exec;
  std::vector<std::string> signals_reset, signals_ignored;
  std::string comm, exe;
  std::vector<std::string> handoff_steps;  // what runs after the point of no return, in order
  uint64_t restorer = 0;  // the program's signal restorer the hand-off enters through, or 0
  std::string handoff_entry;  // how the hand-off enters the program, and why (docs/execve.md#B6)
};

struct Explanation {
  std::vector<std::string> argv;
  FileView file;
  bool planned = false;  // false: a check failed, only `file` is filled
  std::vector<ImageView> images;
  uint64_t vdso = 0, brk = 0, stack_top = 0;
  bool brk_random = false;
  std::vector<std::string> unmapped;
  StackView stack;
  EntryView entry;
  SideEffects effects;
};

}  // namespace explain
