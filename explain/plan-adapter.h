// The one door from the explain program into the loader: the loader's dry run (PlanOnly, which
// stops after Plan and changes nothing) as explain's view.
#pragma once

#include "view.h"

#include <cstddef>
#include <string>
#include <vector>

namespace explain {

struct Request {
  enum class Source { kPath, kFd, kStdin };
  Source source = Source::kPath;
  std::string program;      // kPath: PROGRAM as given
  int fd = -1;              // kFd
  bool path_search = true;  // kPath: a name without a slash is looked up in PATH
  std::vector<std::string> argv;
  char** envp = nullptr;
};

// The plan, and what the renderers need besides: the new stack's bytes and where each image's
// file can be read again (for disassembly and symbols).
struct DryRun {
  Explanation plan;
  uint64_t stack_low = 0;  // address of stack_bytes[0]
  std::vector<std::byte> stack_bytes;
  std::vector<std::string> image_files;  // parallel to plan.images
};

DryRun PlanOnly(const Request& request);

}  // namespace explain
