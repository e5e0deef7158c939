// Finding the programs under test in the environment (binaries.h).
#include "support/binaries.h"

#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace ulexec::test {

std::string BinaryVariable(std::string_view name) {
  std::string variable = "ULEXEC_";
  for (char c : name) variable += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return variable;
}

std::string Binary(std::string_view name) {
  const std::string variable = BinaryVariable(name);
  const char* path = std::getenv(variable.c_str());
  if (path == nullptr) {
    throw std::runtime_error(variable + " is not set: run the test through `meson test`, whose env: (tests/meson.build) names " +
                             std::string(name));
  }
  return path;
}

}  // namespace ulexec::test
