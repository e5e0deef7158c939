// What became of a corpus case in each of its runs (corpus-test.cc runs them, once a case), and
// the Markdown table of them all (corpus-table.cc).
#pragma once

#include "corpus.h"
#include "kernel-and-command.h"

#include <cstddef>
#include <optional>
#include <string>

namespace corpus {

struct LibraryResult {
  bool returned = false;  // ExecPath returned (else: see `child`)
  int rc = 0;
  std::string text;
  Outcome child;  // what became of the child that called ExecPath, if it did not return
};

struct InProcessResult {
  int rc = 0;
  std::string text, differences;
  bool handler_works = false;
};

struct Results {
  Outcome kernel, command;
  bool library_run = false;  // the in-process part applies
  LibraryResult child;
  std::optional<InProcessResult> in_process;
};

// Case i's results: the kernel and the command run it the first time this is called.
Results& KernelAndCommand(size_t i);
// The command refused the program: 126 or 127 and a message.
bool CommandRefused(const Outcome& u);
// The kernel runs it, and ulexec refuses it for the case's documented limitation.
bool Limited(const Case& c, const Results& r);
// The in-process part applies to every case the kernel or ulexec refuses (or the kernel killed).
bool LibraryApplies(const Case& c, const Results& r);

// Writes the table of every case and its outcomes to `file` (ULEXEC_CORPUS_TABLE=FILE).
void WriteTable(const std::string& file);

}  // namespace corpus
