// Explanation -> one JSON document (nlohmann-json). Addresses are "0x..." strings, so that no
// reader loses the high bits of a 64-bit number. The keys are docs/explain.schema.json's.
#include "render.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>

namespace explain {
namespace {

using json = nlohmann::ordered_json;

std::string Hex(uint64_t v) { return fmt::format("{:#x}", v); }

json Range(uint64_t start, uint64_t end) {
  if (start == end) return nullptr;
  return json{{"start", Hex(start)}, {"end", Hex(end)}};
}

json File(const FileView& f) {
  json scripts = json::array();
  for (const ScriptLevel& s : f.scripts) {
    scripts.push_back({{"script", s.script},
                       {"interpreter", s.interpreter},
                       {"argument", s.argument ? json(*s.argument) : json(nullptr)}});
  }
  json checks = json::array();
  for (const Check& c : f.checks) checks.push_back({{"name", c.name}, {"subject", c.subject}, {"passed", c.passed}});
  json out = {{"given", f.given},   {"resolution", f.resolution}, {"path", f.path},
              {"scripts", scripts}, {"checks", checks},           {"error", nullptr}};
  if (f.error) {
    out["error"] = {{"errno", f.error},
                    {"name", f.error_name},
                    {"message", f.error_text},
                    {"exit_status", f.error == ENOENT ? 127 : 126}};
  } else {
    out["elf"] = {{"path", f.elf_path},   {"size", f.size}, {"class", f.elf_class},
                  {"machine", f.machine}, {"type", f.type}, {"entry", Hex(f.header_entry)}};
  }
  return out;
}

json Images(const std::vector<ImageView>& images) {
  json out = json::array();
  for (const ImageView& im : images) {
    json segments = json::array();
    for (const SegmentView& s : im.segments) {
      segments.push_back({{"index", s.index},
                          {"file_offset", Hex(s.file_offset)},
                          {"file_size", Hex(s.file_size)},
                          {"vaddr", Hex(s.vaddr)},
                          {"mem_size", Hex(s.mem_size)},
                          {"prot", s.prot},
                          {"file_backed", Range(s.file_start, s.file_end)},
                          {"zero_filled", Range(s.zero_start, s.zero_end)},
                          {"anonymous", Range(s.anon_start, s.anon_end)}});
    }
    out.push_back({{"role", im.role},
                   {"path", im.path},
                   {"type", im.type},
                   {"load_bias", Hex(im.load_bias)},
                   {"bias_rule", im.bias_rule},
                   {"bias_random", im.bias_random},
                   {"entry", Hex(im.entry)},
                   {"segments", segments}});
  }
  return out;
}

json Stack(const StackView& st) {
  json items = json::array(), auxv = json::array();
  for (const StackItem& i : st.items) {
    items.push_back({{"address", Hex(i.address)},
                     {"size", i.size},
                     {"offset_from_top", i.address - st.top},
                     {"what", i.what},
                     {"value", i.value},
                     {"random", i.random}});
  }
  for (const AuxEntry& a : st.auxv) {
    auxv.push_back(
        {{"name", a.name}, {"type", a.type}, {"value", Hex(a.value)}, {"meaning", a.meaning}, {"random", a.random}});
  }
  return {{"top", Hex(st.top)}, {"sp", Hex(st.sp)}, {"sp_mod16", st.sp % 16}, {"size", st.top - st.sp},
          {"items", items},     {"auxv", auxv},     {"argv", st.argv},        {"envp", st.envp}};
}

json Entry(const EntryView& e) {
  json regs = json::object(), code = json::array();
  for (const auto& [name, value] : e.registers) regs[name] = Hex(value);
  for (const CodeView& c : e.code) {
    json insns = json::array();
    for (const Instruction& i : c.instructions) {
      insns.push_back({{"address", Hex(i.address)}, {"bytes", i.bytes}, {"text", i.text}, {"symbol", i.symbol}});
    }
    code.push_back({{"title", c.title}, {"instructions", insns}});
  }
  return {{"rip", Hex(e.rip)}, {"rsp", Hex(e.rsp)}, {"registers", regs}, {"code", code}};
}

}  // namespace

std::string RenderJson(const Explanation& ex) {
  json out = {{"schema", "ulexec-explain/1"}, {"argv", ex.argv}, {"file", File(ex.file)}, {"planned", ex.planned}};
  if (ex.planned) {
    json unmapped = ex.unmapped;
    out["memory"] = {{"images", Images(ex.images)}, {"vdso", Hex(ex.vdso)},           {"brk", Hex(ex.brk)},
                     {"brk_random", ex.brk_random}, {"stack_top", Hex(ex.stack_top)}, {"unmapped", unmapped}};
    out["stack"] = Stack(ex.stack);
    out["entry"] = Entry(ex.entry);
    const SideEffects& s = ex.effects;
    out["side_effects"] = {{"close_on_exec", s.close_on_exec},
                           {"signals_reset", s.signals_reset},
                           {"signals_still_ignored", s.signals_ignored},
                           {"comm", s.comm},
                           {"exe", s.exe},
                           {"handoff_steps", s.handoff_steps},
                           {"handoff_entry", {{"via", s.restorer ? "restorer" : "page"},
                                              {"restorer", Hex(s.restorer)},
                                              {"why", s.handoff_entry}}}};
  }
  return out.dump(2) + "\n";
}

}  // namespace explain
