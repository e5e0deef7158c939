// The new stack, decoded from the bytes the loader built: items from high to low addresses
// (spec A1-A10) and the auxiliary vector with names.
#pragma once

#include "view.h"

#include <cstddef>
#include <span>

namespace explain {

// `bytes` are the stack from `low` up to `view->top`; `view->sp` points at argc.
void DecodeStack(std::span<const std::byte> bytes, uint64_t low, StackView* view);

// "AT_PHDR" for 3; "AT_<n>" for a type without a name.
std::string AuxName(uint64_t type);

}  // namespace explain
