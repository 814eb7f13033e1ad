// Zip bundles, as the Python runtime's bundle_zip.py: every member is checked before anything is
// written (names, types, sizes, ratio), then the zip is extracted once into the cache shared with
// the Python runtime ($EDGEVFM_BUNDLE_CACHE, else $XDG_CACHE_HOME or ~/.cache, /edgevfm/bundles),
// keyed by its sha256 (a temporary folder renamed into place), and later opens reuse that folder.
#pragma once
#include <string>

#include "edgevfm/bundle.hpp"

namespace edgevfm::detail {

// The bundle folder of zip `zpath` in the extraction cache (a BundleError when refused; nothing is left).
std::string open_zip(const std::string& zpath, const ZipLimits& limits);
// Remove the cache entry holding bundle folder `root` (its bundle was refused after extraction).
void discard_zip_entry(const std::string& root);

}  // namespace edgevfm::detail
