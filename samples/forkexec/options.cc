// forkexec's command line (options.h).
#include "options.h"

#include <crt/format.h>
#include <crt/names.h>
#include <crt/string.h>

namespace forkexec {
namespace {

template <typename... Parts>
bool Fail(Options* out, const Parts&... parts) {
  crt::FormatTo(out->error, sizeof out->error, parts...);
  return false;
}

// "SIG@MS", kept in time order (a stable insertion: equal times keep the command line's order).
bool AddSignal(std::string_view spec, Options* out) {
  const size_t at = spec.find('@');
  unsigned long ms;
  const int sig = crt::ParseSignal(crt::Slice(spec, 0, at));
  if (at == std::string_view::npos || sig == 0 || !crt::ParseUnsigned(crt::Slice(spec, at + 1), &ms)) {
    return Fail(out, "--signal needs SIG@MS (e.g. USR1@100), not '", spec, "'");
  }
  if (out->signal_count == Options::kMaxSignals) return Fail(out, "at most 16 --signal options");
  size_t i = out->signal_count++;
  for (; i > 0 && out->signals[i - 1].at_ms > ms; --i) out->signals[i] = out->signals[i - 1];
  out->signals[i] = {sig, ms};
  return true;
}

}  // namespace

bool ParseOptions(int argc, char** argv, Options* out) {
  int i = 1;
  for (; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg == "--help") {
      out->help = true;
      return true;
    }
    if (arg == "--explain-stack") {
      out->explain_stack = true;
    } else if (arg == "--signal") {
      if (++i == argc) return Fail(out, "--signal needs SIG@MS");
      if (!AddSignal(argv[i], out)) return false;
    } else if (arg == "-n") {
      if (++i == argc || !crt::ParseUnsigned(argv[i], &out->children) || out->children == 0 ||
          out->children > kMaxChildren) {
        return Fail(out, "-n needs a number of children from 1 to ", kMaxChildren);
      }
    } else if (arg.size() > 1 && arg[0] == '-') {
      return Fail(out, "unknown option ", arg);
    } else {
      break;
    }
  }
  if (i == argc) return Fail(out, "no PROGRAM given");
  if (out->children > 0 && (out->signal_count > 0 || out->explain_stack)) {
    return Fail(out, "-n runs its children without narration: no --signal or --explain-stack with it");
  }
  out->program = argv + i;
  return true;
}

}  // namespace forkexec
