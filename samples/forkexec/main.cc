// forkexec: run a program in a child through fork and the ulexec library, and narrate its life
// (the process lifecycle and signals, with the real values). `forkexec --help` says how.
#include "lifecycle.h"
#include "narrate.h"
#include "options.h"

#include <crt/format.h>

int main(int argc, char** argv, char** envp) {
  static forkexec::Options options;
  if (!forkexec::ParseOptions(argc, argv, &options)) {
    crt::Writer(2) << "forkexec: " << options.error << "\nTry 'forkexec --help' for more information.\n";
    return 125;
  }
  if (options.help) return crt::WriteAll(1, forkexec::kUsage.data(), forkexec::kUsage.size()) ? 0 : 125;
  forkexec::StartClock();
  return options.children ? forkexec::RunMany(options, envp) : forkexec::RunOne(options, envp);
}
