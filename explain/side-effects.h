// What the exec will do to this process besides the new image (spec E1, E4, E6, E7): read from
// /proc/self, which the ulexec command hands over unchanged (it execs this program).
#pragma once

#include "view.h"

namespace explain {

// Descriptors and signal dispositions, read now (before explain opens anything of its own).
SideEffects ReadSideEffects();

// comm: the last component of the name as passed, cut to 15 bytes (spec E6).
std::string CommFor(const std::string& name);

}  // namespace explain
