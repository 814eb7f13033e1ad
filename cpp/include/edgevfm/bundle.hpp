// A bundle folder: manifest.json, one model file per component (plus extra files), golden.npz.
// Opening validates the manifest and verifies every file's size and sha256 (a closed world: every
// file is a regular file inside the bundle folder).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edgevfm/engine.hpp"
#include "edgevfm/manifest.hpp"
#include "edgevfm/npz.hpp"

namespace edgevfm {

// What a bundle .zip may expand to (the Python runtime's ZipLimits): total uncompressed bytes, members,
// and uncompressed/compressed ratio of any member of at least 1 MiB (a zip bomb).
struct ZipLimits {
  int64_t max_bytes = int64_t{16} << 30;
  int64_t max_members = 10000;
  double max_ratio = 200;
};

struct OpenOptions {
  bool verify = true;  // sha256 + size of every file the manifest names
  // Ed25519 public keys (PEM paths): when set, manifest.sig must be a valid signature of manifest.json
  // by one of them (checked before the manifest is read); an empty list is an error, not "trust all".
  std::optional<std::vector<std::string>> trusted_keys;
  ZipLimits zip_limits;  // when the path is a bundle's .zip
};

class Bundle {
 public:
  // A bundle folder, or a .zip of one (extracted once into the cache shared with the Python runtime).
  static Bundle open(const std::string& path, const OpenOptions& options = {});

  const Manifest& manifest() const { return *manifest_; }
  const std::string& root() const { return root_; }
  std::string component_path(const std::string& component) const;
  // A session for a component on the manifest's engine (or `engine`), with the manifest's engine
  // options overlaid by `options`.
  std::shared_ptr<const Session> session(const std::string& component, const std::string& engine = "",
                                         const EngineOptions& options = {}) const;
  NamedTensors golden() const;
  // Id of the trusted key whose signature was checked on open; empty when none was asked for.
  const std::string& signed_by() const { return signed_by_; }

 private:
  static Bundle open_folder(const std::string& path, const OpenOptions& options);
  Bundle(std::string root, std::shared_ptr<const Manifest> m) : root_(std::move(root)), manifest_(std::move(m)) {}
  std::string root_;
  std::shared_ptr<const Manifest> manifest_;
  std::string signed_by_;
};

// The path of `rel` inside `root`, checked to be a regular file that does not leave the folder.
std::string regular_file_inside(const std::string& root, const std::string& rel, const std::string& field);

}  // namespace edgevfm
