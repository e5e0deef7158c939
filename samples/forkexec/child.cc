// The child: narrate, resolve the program, exec it through the library (child.h).
#include "child.h"

#include "narrate.h"
#include "stack-diagram.h"

#include <crt/errno-names.h>
#include <crt/path-search.h>
#include <crt/process.h>
#include <crt/string.h>
#include <crt/sys.h>
#include <ulexec/ulexec.h>

#include <errno.h>
#include <signal.h>

// The linker's: the start of this image and the end of its bss (linked away from where programs
// go, as the ulexec command is: samples/forkexec/meson.build).
extern "C" const char __ehdr_start[] __attribute__((visibility("hidden")));
extern "C" const char _end[] __attribute__((visibility("hidden")));

namespace forkexec {
namespace {

// Called by the library once the program is mapped and its stack written, before the point of
// no return: everything shown here is what the library built, not a recomputation.
bool BeforeEntry(const ulexec::EntryView& view, void* context) {
  const auto* plan = static_cast<const ChildPlan*>(context);
  if (view.interpreter) {
    Say("child: ulexec mapped ", view.path, " and its interpreter ", view.interpreter, " (AT_BASE ",
        crt::Hex{view.interp_base}, "), program entry ", crt::Hex{view.program_entry});
  } else {
    Say("child: ulexec mapped ", view.path, ", load bias ", crt::Hex{view.load_bias}, ", entry ",
        crt::Hex{view.program_entry});
  }
  Say("child: new stack: top ", crt::Hex{view.stack_top}, ", sp ", crt::Hex{view.sp}, " (",
      view.stack_top - view.sp, " bytes in use), ", view.auxv_count, " auxv entries; jumping to ",
      crt::Hex{view.entry});
  if (plan->explain_stack) {
    static char buf[16384];
    crt::Writer w(1, buf, sizeof buf);
    Stamp(w);
    w << "child: the new stack as the library built it, high addresses at the top:\n";
    DrawStack(view, w);
  }
  return true;
}

// argv as a shell would take it back: an empty word or one with a blank in single quotes.
void SayArgv(char** argv) {
  char buf[512];
  crt::Writer w(buf, sizeof buf);
  for (char** a = argv; *a; ++a) {
    const std::string_view arg(*a);
    const bool quote = arg.empty() || arg.find_first_of(" \t\n") != std::string_view::npos;
    w << (a == argv ? "" : " ") << (quote ? "'" : "") << arg << (quote ? "'" : "");
  }
  Say("child: about to run ", w.view(), w.truncated() ? "..." : "", " through ulexec::ExecPath");
}

[[noreturn]] void Fail(const ChildPlan& plan, int err, const ulexec_error& error) {
  if (plan.narrate) {
    Say("child: the exec failed: ", crt::ErrnoName(err), " (", crt::ErrnoMessage(err), ")", error.text[0] ? ": " : "",
        error.text);
  }
  crt::Writer line(2);  // as the ulexec command words it
  line << "forkexec: " << plan.argv[0] << ": " << crt::ErrnoMessage(err);
  if (error.text[0]) line << " (" << error.text << ')';
  line << '\n';
  line.Flush();
  if (plan.report_fd >= 0) (void)crt::WriteAll(plan.report_fd, &err, sizeof err);
  crt::sys::ExitGroup(ExecFailureStatus(err));
}

}  // namespace

int ExecFailureStatus(int err) { return err == ENOENT ? 127 : 126; }

void RunChild(const ChildPlan& plan) {
  if (plan.narrate) SayArgv(plan.argv);
  const char* path = plan.argv[0];
  static char found[4096];
  ulexec_error error{};
  if (crt::View(path).find('/') == std::string_view::npos) {
    int err;
    if (!crt::SearchPath(path, crt::ThisProcess().Getenv("PATH"), found, sizeof found, &err)) {
      crt::FormatTo(error.text, sizeof error.text, "not found in PATH");
      Fail(plan, err, error);
    }
    path = found;
    if (plan.narrate) Say("child: found in PATH: ", path);
  }
  (void)crt::sys::RtSigprocmask(SIG_SETMASK, &plan.signal_mask, nullptr);
  ulexec::Options options;
  options.auxv = reinterpret_cast<const unsigned long*>(crt::ThisProcess().auxv);
  options.own_image_start = &__ehdr_start;
  options.own_image_end = &_end;
  if (plan.narrate) {
    options.before_entry = BeforeEntry;
    options.before_entry_context = const_cast<ChildPlan*>(&plan);
  }
  const int result = ulexec::ExecPath(path, plan.argv, plan.envp, options, &error);
  Fail(plan, -result, error);
}

}  // namespace forkexec
