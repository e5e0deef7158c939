// Explanation -> text for a terminal, in the five steps of an exec. Colour (ANSI) only when the
// caller says so: stdout is a terminal and NO_COLOR is not set.
#include "render.h"

#include <fmt/format.h>

#include <cerrno>

namespace explain {
namespace {

class Out {
 public:
  explicit Out(bool colour) : colour_(colour) {}

  void Heading(std::string_view title) { text_ += Paint("\n" + std::string(title) + "\n", "1;34"); }
  template <typename... Args>
  void Line(fmt::format_string<Args...> f, Args&&... args) {
    text_ += fmt::format(f, std::forward<Args>(args)...) + "\n";
  }
  std::string Paint(const std::string& s, const char* code) const {
    return colour_ ? fmt::format("\033[{}m{}\033[0m", code, s) : s;
  }
  std::string Random() const { return Paint("(random)", "33"); }
  std::string text_;

 private:
  bool colour_;
};

void File(Out& o, const Explanation& ex) {
  const FileView& f = ex.file;
  o.Heading("1. The file");
  o.Line("  program        {} ({}{})", f.given, f.resolution,
         f.path.empty() || f.path == f.given ? "" : " -> " + f.path);
  for (const ScriptLevel& s : f.scripts) {
    o.Line("  #! script      {} -> interpreter {}{}", s.script, s.interpreter,
           s.argument ? " with argument \"" + *s.argument + "\"" : ", no argument");
  }
  if (!f.error) {
    o.Line("  ELF file       {} ({} bytes)", f.elf_path, f.size);
    o.Line("  header         {}, {}, {}, e_entry {:#x}", f.elf_class, f.machine, f.type, f.header_entry);
  }
  for (const Check& c : f.checks) {
    o.Line("  {} {}: {}", c.passed ? o.Paint("ok  ", "32") : o.Paint("FAIL", "1;31"), c.name, c.subject);
  }
  if (f.error) {
    o.Line("  execve would fail with {}: {}", f.error_name, f.error_text);
    o.Line("  exit status {} (as a run would give)", f.error == ENOENT ? 127 : 126);
  }
}

void Memory(Out& o, const Explanation& ex) {
  o.Heading("2. Memory");
  for (const ImageView& im : ex.images) {
    o.Line("  {} {} ({})", im.role, im.path, im.type);
    o.Line("    load bias {:#x}{}: {}", im.load_bias, im.bias_random ? " " + o.Random() : "", im.bias_rule);
    for (const SegmentView& s : im.segments) {
      o.Line("    PT_LOAD #{} {}  file {:#x}+{:#x} -> {:#x}+{:#x}", s.index, s.prot, s.file_offset, s.file_size,
             s.vaddr, s.mem_size);
      if (s.file_start != s.file_end) o.Line("      file-backed {:#x}-{:#x}", s.file_start, s.file_end);
      if (s.zero_start != s.zero_end) o.Line("      zero-filled {:#x}-{:#x}", s.zero_start, s.zero_end);
      if (s.anon_start != s.anon_end) o.Line("      anonymous   {:#x}-{:#x} (bss)", s.anon_start, s.anon_end);
    }
  }
  o.Line("  vDSO           {:#x} (AT_SYSINFO_EHDR, spec C7)", ex.vdso);
  o.Line("  brk            {:#x} {}(spec C11)", ex.brk, ex.brk_random ? o.Random() + " " : "");
  o.Line("  [stack] top    {:#x}{}", ex.stack_top, ex.stack.randomized ? " " + o.Random() : "");
  for (const std::string& u : ex.unmapped) o.Line("  unmapped       {}", u);
}

void Stack(Out& o, const StackView& st) {
  o.Heading("3. The stack, from high to low addresses");
  o.Line("  {:>14}  {:>8}  {:>6}  {}", "address", "top-", "size", "contents");
  for (const StackItem& i : st.items) {
    o.Line("  {:#14x}  {:>8x}  {:>6}  {}{}{}", i.address, st.top - i.address, i.size, i.what,
           i.value.empty() ? "" : ": " + i.value, i.random ? " " + o.Random() : "");
    if (i.what.rfind("auxv", 0) != 0) continue;
    for (const AuxEntry& a : st.auxv) {
      o.Line("  {:>34}{:<22} {:#x}{}{}", "", a.name, a.value, a.meaning.empty() ? "" : "  " + a.meaning,
             a.random ? " " + o.Random() : "");
    }
  }
  o.Line("  sp = {:#x}, {} bytes below the top, sp % 16 = {} (spec A7)", st.sp, st.top - st.sp, st.sp % 16);
}

void Entry(Out& o, const EntryView& e) {
  o.Heading("4. Entry");
  o.Line("  registers (spec B1-B5):");
  std::string line;
  for (size_t k = 0; k < e.registers.size(); ++k) {
    line += fmt::format(" {:>7}={:<#16x}", e.registers[k].first, e.registers[k].second);
    if (k % 4 == 3 || k + 1 == e.registers.size()) {
      o.Line("   {}", line.substr(0, line.find_last_not_of(' ') + 1));
      line.clear();
    }
  }
  for (const CodeView& c : e.code) {
    o.Line("  {}:", c.title);
    for (const Instruction& i : c.instructions) {
      const std::string text = i.symbol.empty() ? i.text : fmt::format("{:<40}", i.text);
      o.Line("    {:#x}  {:<20} {}{}", i.address, i.bytes, o.Paint(text, "36"),
             i.symbol.empty() ? "" : "  <" + i.symbol + ">");
    }
  }
}

std::string Join(const std::vector<std::string>& list) {
  return list.empty() ? "none" : fmt::format("{}", fmt::join(list, " "));
}

void Effects(Out& o, const SideEffects& s) {
  o.Heading("5. Side effects");
  o.Line("  close-on-exec descriptors closed: {} (spec E4)",
         s.close_on_exec.empty() ? "none" : fmt::format("{}", fmt::join(s.close_on_exec, " ")));
  o.Line("  caught signals reset to SIG_DFL:  {} (spec E1)", Join(s.signals_reset));
  o.Line("  ignored signals stay ignored:     {}", Join(s.signals_ignored));
  o.Line("  process name (comm):              {} (spec E6)", s.comm);
  o.Line("  /proc/self/exe:                   {} (spec E7)", s.exe);
  o.Line("  after the point of no return:     {}", fmt::join(s.handoff_steps, ", "));
  o.Line("  the program is entered:           {}", s.handoff_entry);
}

}  // namespace

std::string RenderText(const Explanation& ex, bool colour) {
  Out o(colour);
  o.Line("{}", o.Paint("ulexec --explain: what running this program would do (nothing is run)", "1"));
  File(o, ex);
  if (ex.planned) {
    Memory(o, ex);
    Stack(o, ex.stack);
    Entry(o, ex.entry);
    Effects(o, ex.effects);
  }
  return o.text_;
}

}  // namespace explain
