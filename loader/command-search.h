// The ulexec command's search for PROGRAM, as glibc's execvp does it (pure): which failures move
// on to the next PATH entry (crt::PathCandidates walks them), and the /bin/sh fallback for a file
// the kernel has no format for (execvp's ENOEXEC case; env(1) goes through it, with or without a
// slash).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace ulexec {

constexpr std::string_view kShell = "/bin/sh";  // _PATH_BSHELL

// What execvp does after execve(candidate) failed with `err`: try the next PATH entry (EACCES is
// remembered: 126 rather than 127 when nothing else is found), or stop with this error.
enum class SearchStep { kNext, kNextRememberAccess, kStop };
SearchStep AfterFailure(int err);

// Whether a file execve refused with ENOEXEC runs with /bin/sh: execvp does it for any ENOEXEC;
// ulexec only for a file that is neither ELF nor "#!" (an empty file included), so that a broken
// binary is reported, not read by the shell. `head`: the file's first bytes (up to 4).
bool RunsWithShell(std::span<const std::byte> head);

}  // namespace ulexec
