#pragma once
#include "edgevfm/manifest.hpp"
#include "manifest_json.hpp"

namespace edgevfm::detail {
// Schema-1 manifests name a preprocess.kind; this is the one place that turns it into steps.
void legacy_preprocess(const Json& pre, Preprocess& out);
}  // namespace edgevfm::detail
