// use-cxx: a C++ program built against the installed library with only `pkg-config --cflags
// --libs ulexec` (tests/install/install-test). Through ulexec::ExecPath with a before_entry hook
// it first cancels a start (the process carries on), then lets one run in a child and checks the
// child's output and exit status.
//   use-cxx SAMPLE
#include <ulexec/ulexec.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

extern char** environ;

namespace {

struct Seen {
  bool called = false;
  bool sane = false;
  bool allow = false;
};

bool BeforeEntry(const ulexec::EntryView& view, void* context) {
  auto* seen = static_cast<Seen*>(context);
  seen->called = true;
  // The hello sample is a static-pie: no interpreter, entered at its own entry point.
  seen->sane = view.interpreter == nullptr && view.entry == view.program_entry && view.sp < view.stack_top &&
               view.stack_size >= view.stack_top - view.sp && view.stack != nullptr && view.auxv_count > 1;
  return seen->allow;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: use-cxx SAMPLE\n");
    return 2;
  }
  const char* const child_argv[] = {"hello-cxx", "from C++", "--exit", "9", nullptr};
  Seen seen;
  ulexec::Options options;
  options.before_entry = BeforeEntry;
  options.before_entry_context = &seen;
  ulexec_error error{};
  const int rc = ulexec::ExecPath(argv[1], child_argv, environ, options, &error);
  if (rc != -ECANCELED || !seen.called || !seen.sane) {
    fprintf(stderr, "use-cxx: a cancelled start gave %d (%s), hook called %d, view sane %d\n", rc, error.text,
            seen.called, seen.sane);
    return 1;
  }
  int out[2];
  if (pipe(out) != 0) return perror("pipe"), 1;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    seen.allow = true;
    const int r = ulexec::ExecPath(argv[1], child_argv, environ, options, &error);
    fprintf(stderr, "use-cxx: %s: %s (%s)\n", argv[1], strerror(-r), error.text);
    _exit(126);
  }
  close(out[1]);
  std::string got;
  char buf[256];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));
  int status;
  if (waitpid(pid, &status, 0) != pid) return perror("waitpid"), 1;
  const std::string expected = "hello from hello-cxx\nargv[1]: from C++\n";
  if (got != expected || !WIFEXITED(status) || WEXITSTATUS(status) != 9) {
    fprintf(stderr, "use-cxx: the child wrote \"%s\" and ended with status 0x%x; expected \"%s\" and exit 9\n",
            got.c_str(), status, expected.c_str());
    return 1;
  }
  printf("use-cxx: ok\n");
  return 0;
}
