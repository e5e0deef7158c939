// The programs under test (the ulexec command, samples, probes, gdb...) reach the test programs
// as environment variables ULEXEC_<NAME>, which meson's `env:` sets (tests/meson.build).
#pragma once

#include <string>
#include <string_view>

namespace ulexec::test {

// "ULEXEC_HELLO_STATIC_PIE" for "hello-static-pie": upper case, '-' as '_'.
std::string BinaryVariable(std::string_view name);

// The path in ULEXEC_<NAME>. An empty value means "not available here" (gdb not found at
// configure time). Throws std::runtime_error naming the variable when it is not set: inside a
// test, GoogleTest reports that as the test's failure; outside one, the program stops with it.
std::string Binary(std::string_view name);

}  // namespace ulexec::test
