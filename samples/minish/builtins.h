// The built-ins: cd exit export unset wait jobs fg bg. They run in the shell itself (in a
// child only inside a pipeline), because they change the shell's own state.
#pragma once

#include "shell.h"

#include <cstddef>

namespace minish {

bool IsBuiltin(const char* name);
int RunBuiltin(Shell& shell, size_t argc, char** argv);

}  // namespace minish
