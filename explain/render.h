// The two outputs of an explanation: text for people (colour optional), JSON for scripts
// (keys documented in docs/explain.schema.json).
#pragma once

#include "view.h"

#include <string>

namespace explain {

std::string RenderText(const Explanation& ex, bool colour);
std::string RenderJson(const Explanation& ex);

}  // namespace explain
