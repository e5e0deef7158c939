// What libstdc++'s header-only parts call when a precondition fails (std::string_view::substr
// out of range, ...): with -fno-exceptions these end the program, like an uncaught exception.
#include <crt/format.h>
#include <crt/signal.h>
#include <crt/sys.h>

#include <signal.h>

namespace {

[[noreturn]] void Die(const char* what) {
  crt::PrintError("terminate called", what);
  (void)crt::Raise(SIGABRT);
  crt::sys::ExitGroup(134);
}

}  // namespace

extern "C" [[noreturn]] void abort() { Die("abort()"); }

namespace std {

// libstdc++ declares these with __attribute__((__noreturn__)) (bits/functexcept.h); clang
// accepts [[noreturn]] only on a first declaration, so the definitions use the GNU form too.
__attribute__((noreturn)) void __throw_out_of_range_fmt(const char*, ...) { Die("std::out_of_range"); }
__attribute__((noreturn)) void __throw_out_of_range(const char*) { Die("std::out_of_range"); }
__attribute__((noreturn)) void __throw_length_error(const char*) { Die("std::length_error"); }
__attribute__((noreturn)) void __throw_logic_error(const char*) { Die("std::logic_error"); }
__attribute__((noreturn)) void __throw_invalid_argument(const char*) { Die("std::invalid_argument"); }
__attribute__((noreturn)) void __throw_bad_alloc() { Die("std::bad_alloc"); }
__attribute__((noreturn)) void __throw_bad_array_new_length() { Die("std::bad_array_new_length"); }

}  // namespace std
