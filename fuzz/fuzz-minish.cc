// Fuzz target "minish": the input is shell source. minish's parser (ParseCommandLine, command
// line after command line) and expander (ExpandCommand) must never crash, loop or read outside
// the input, whatever the bytes.
//
// Invariants (a violation aborts): each command line either fails with a message at an offset
// inside the input, or moves forward; every word is a non-empty slice of the input at its
// offset; every pipeline and command is non-empty; every and-or text is a slice of the input;
// with a large arena every command expands, into NUL-terminated strings inside the arena; with
// a tiny arena parsing fails with "out of memory" at worst.
#include "expand.h"
#include "fuzz-check.h"
#include "parser.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace {

class FixedVariables final : public minish::Variables {
 public:
  const char* Get(std::string_view name) const override {
    if (name == "X") return " a  b\tc\n";
    if (name == "E") return "";
    if (name == "HOME") return "/home/u";
    if (name == "?") return "0";
    if (name == "$") return "42";
    return nullptr;
  }
};

bool Inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

bool InArena(const char* s, const char* block, size_t size) { return s >= block && s + strlen(s) < block + size; }

alignas(16) char g_block[1 << 20];

void CheckCommand(const minish::Command& c, std::string_view src) {
  FUZZ_CHECK(c.word_count + c.redirect_count > 0);
  for (size_t w = 0; w < c.word_count; ++w) {
    FUZZ_CHECK(!c.words[w].raw.empty() && Inside(c.words[w].raw, src));
    FUZZ_CHECK(c.words[w].offset == static_cast<size_t>(c.words[w].raw.data() - src.data()));
  }
  for (size_t r = 0; r < c.redirect_count; ++r) {
    FUZZ_CHECK(c.redirects[r].fd >= 0 && !c.redirects[r].target.raw.empty() && Inside(c.redirects[r].target.raw, src));
  }
}

void CheckExpansion(const minish::Command& c, minish::Arena& arena) {
  static const FixedVariables vars;
  minish::ExpandedCommand e;
  FUZZ_CHECK(minish::ExpandCommand(c, vars, arena, &e));
  // A word gives one field, and each $ in it at most four more: the 3 fields of the longest value
  // above, which starts and ends with a blank, and the literal text after it, split off by that.
  size_t most = 0;
  for (size_t w = 0; w < c.word_count; ++w) {
    most += 1 + 4 * static_cast<size_t>(std::count(c.words[w].raw.begin(), c.words[w].raw.end(), '$'));
  }
  FUZZ_CHECK(e.assignment_count + e.argc <= most);
  FUZZ_CHECK(e.argv[e.argc] == nullptr);
  for (size_t i = 0; i < e.argc; ++i) FUZZ_CHECK(InArena(e.argv[i], g_block, sizeof g_block));
  for (size_t i = 0; i < e.assignment_count; ++i) FUZZ_CHECK(strchr(e.assignments[i], '=') != nullptr);
  for (size_t i = 0; i < c.redirect_count; ++i) FUZZ_CHECK(InArena(e.targets[i], g_block, sizeof g_block));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view src(reinterpret_cast<const char*>(data), size);
  minish::Arena arena(g_block, sizeof g_block);
  size_t pos = 0;
  while (pos < src.size()) {
    arena.Reset();
    const minish::ParseResult r = minish::ParseCommandLine(src, pos, arena);
    if (!r.ok) {
      FUZZ_CHECK(r.error.offset <= src.size() && r.error.message && *r.error.message);
      break;
    }
    FUZZ_CHECK(r.next > pos && r.next <= src.size());
    for (size_t i = 0; i < r.line.count; ++i) {
      const minish::AndOr& item = r.line.items[i];
      FUZZ_CHECK(item.count > 0 && Inside(item.text, src));
      for (size_t p = 0; p < item.count; ++p) {
        FUZZ_CHECK(item.pipelines[p].count > 0);
        for (size_t c = 0; c < item.pipelines[p].count; ++c) {
          CheckCommand(item.pipelines[p].commands[c], src);
          CheckExpansion(item.pipelines[p].commands[c], arena);
        }
      }
    }
    pos = r.next;
  }
  alignas(16) static char tiny[256];
  minish::Arena small(tiny, sizeof tiny);
  const minish::ParseResult r = minish::ParseCommandLine(src, 0, small);
  FUZZ_CHECK(r.ok || (r.error.message && *r.error.message));
  return 0;
}
