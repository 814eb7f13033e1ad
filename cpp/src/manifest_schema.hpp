// The published manifest JSON Schema (runtime/edgevfm_runtime/data/manifest.schema.json), compiled
// into the library so the C++ runtime checks schema-2 manifests against the same contract as Python.
#pragma once

namespace edgevfm::detail {

const char* manifest_schema_text();  // the schema file's text

}  // namespace edgevfm::detail
