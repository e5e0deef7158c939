// ulexec-explain: `ulexec --explain PROGRAM [ARG...]` shows what running PROGRAM would do, step
// by step, and runs nothing. A hosted program (Zydis, fmt, JSON) that the ulexec command execs.
#include "code-view.h"
#include "plan-adapter.h"
#include "render.h"
#include "stack-view.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <unistd.h>

extern "C" char __restore_rt[];  // crt's signal trampoline (crt/arch/x86_64/restore.S)

namespace {

using namespace explain;

constexpr int kUsageError = 125;  // as the ulexec command's own failures

struct Args {
  Request request;
  bool json = false;
  Syntax syntax = Syntax::kIntel;
};

int Usage(std::string_view message) {
  fprintf(stderr, "ulexec: %.*s\nTry 'ulexec --help' for more information.\n", static_cast<int>(message.size()),
          message.data());
  return kUsageError;
}

// The command line the ulexec command hands over (loader/main.cc, Explain): MODE SYNTAX
// path-search|no-path-search SOURCE [ARG...]. Returns 0 or an exit status.
int Parse(int argc, char** argv, Args* args) {
  if (argc < 5) return Usage("ulexec-explain is started by ulexec --explain (see ulexec(1))");
  const std::string_view source = argv[4];
  args->json = std::string_view(argv[1]) == "json";
  args->syntax = std::string_view(argv[2]) == "att" ? Syntax::kAtt : Syntax::kIntel;
  args->request.path_search = std::string_view(argv[3]) == "path-search";
  args->request.program = source;
  if (source == "-") args->request.source = Request::Source::kStdin;
  if (source.starts_with("--fd=")) {
    args->request.source = Request::Source::kFd;
    args->request.fd = atoi(argv[4] + 5);
    args->request.program = "--fd " + std::string(source.substr(5));
  }
  for (int k = 5; k < argc; ++k) args->request.argv.push_back(argv[k]);
  return 0;
}

// The first instructions of each image at its entry, and the signal trampoline.
void Code(const DryRun& run, Syntax syntax, EntryView* e) {
  constexpr size_t kInstructions = 8;
  std::optional<ElfCode> program;
  for (size_t k = run.plan.images.size(); k-- > 0;) {  // the interpreter runs first
    const ImageView& im = run.plan.images[k];
    const std::optional<ElfCode> file = ElfCode::Load(run.image_files[k]);
    if (!file) continue;
    const uint64_t bias = im.load_bias;
    auto name = [&](uint64_t at) { return file->SymbolFor(at - bias); };
    e->code.push_back(
        {im.role + " entry", Decode(file->BytesAt(im.entry - bias), im.entry, kInstructions, syntax, name)});
    if (k == 0) program = file;
  }
  if (program && program->SymbolAddress("__restore_rt")) {
    const uint64_t link = *program->SymbolAddress("__restore_rt"), bias = run.plan.images[0].load_bias;
    auto name = [&](uint64_t at) { return program->SymbolFor(at - bias); };
    e->code.push_back({"signal trampoline (crt's __restore_rt in the program)",
                       Decode(program->BytesAt(link), link + bias, 2, syntax, name)});
    return;
  }
  const auto* bytes = reinterpret_cast<const std::byte*>(__restore_rt);
  const auto at = reinterpret_cast<uint64_t>(__restore_rt);
  e->code.push_back({"signal trampoline: crt's __restore_rt (not linked into this program: as ulexec-explain has it)",
                     Decode({bytes, 16}, at, 2, syntax, [&](uint64_t a) { return a == at ? "__restore_rt" : ""; })});
}

void Complete(DryRun* run, Syntax syntax) {
  Explanation& ex = run->plan;
  DecodeStack(run->stack_bytes, run->stack_low, &ex.stack);
  for (const AuxEntry& a : ex.stack.auxv) {
    if (a.name == "AT_SYSINFO_EHDR") ex.vdso = a.value;
  }
  ex.unmapped = {"all but [stack], the vDSO, the images and the hand-off page: ulexec itself, after the point of no "
                 "return (spec D5)"};
  Code(*run, syntax, &ex.entry);
}

}  // namespace

int main(int argc, char** argv, char** envp) {
  Args args;
  args.request.envp = envp;
  if (const int status = Parse(argc, argv, &args)) return status;
  DryRun run = PlanOnly(args.request);
  if (run.plan.planned) Complete(&run, args.syntax);
  const char* no_color = getenv("NO_COLOR");
  const bool colour = isatty(1) && !(no_color && *no_color);
  const std::string out = args.json ? RenderJson(run.plan) : RenderText(run.plan, colour);
  if (fwrite(out.data(), 1, out.size(), stdout) != out.size() || fflush(stdout) != 0) {
    fprintf(stderr, "ulexec: write error on standard output\n");
    return kUsageError;
  }
  const int err = run.plan.file.error;
  return err == 0 ? 0 : err == ENOENT ? 127 : 126;
}
