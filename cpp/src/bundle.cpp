#include "edgevfm/bundle.hpp"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "edgevfm/errors.hpp"
#include "edgevfm/sha256.hpp"
#include "edgevfm/signing.hpp"
#include "bundle_zip.hpp"
#include "host_outputs.hpp"

namespace edgevfm {

namespace {
constexpr std::size_t kMaxManifestBytes = 16u << 20;

std::string real_path(const std::string& p) {
  char buf[PATH_MAX];
  if (::realpath(p.c_str(), buf) == nullptr) return {};
  return buf;
}

std::string read_text(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw BundleError("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > limit) throw BundleError(path + " is larger than " + std::to_string(limit) + " bytes");
  return s;
}

void verify(const std::string& root, const std::string& rel, const std::string& field, const std::string& sha,
            int64_t size) {
  const std::string path = regular_file_inside(root, rel, field);
  struct stat st {};
  ::stat(path.c_str(), &st);
  if (size >= 0 && st.st_size != size) {
    throw BundleError("bundle file " + rel + " (" + field + ") is " + std::to_string(st.st_size) + " bytes, the manifest says " +
                      std::to_string(size) + "; the bundle is incomplete or was modified");
  }
  const std::string got = sha256_file(path);
  if (got != sha) {
    throw BundleError("bundle file " + rel + " (" + field + ") has sha256 " + got + ", the manifest says " + sha +
                      "; the bundle was modified or corrupted");
  }
}
}  // namespace

std::string regular_file_inside(const std::string& root, const std::string& rel, const std::string& field) {
  check_relative(rel, field);
  std::string path = root + "/" + rel;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw BundleError("bundle file " + rel + " (" + field + ") is missing");
  if (!S_ISREG(st.st_mode)) throw BundleError("bundle file " + rel + " (" + field + ") is not a regular file");
  const std::string real = real_path(path), real_root = real_path(root);
  if (real.compare(0, real_root.size() + 1, real_root + "/") != 0) {
    throw BundleError("bundle file " + rel + " (" + field + ") resolves outside the bundle folder (a link?)");
  }
  return path;
}

Bundle Bundle::open(const std::string& path, const OpenOptions& options) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw BundleError("bundle " + path + " does not exist");
  if (S_ISDIR(st.st_mode)) return open_folder(path, options);
  if (!S_ISREG(st.st_mode)) throw BundleError("bundle " + path + " is not a bundle folder or .zip");
  const std::string root = detail::open_zip(path, options.zip_limits);
  try {
    return open_folder(root, options);
  } catch (...) {
    detail::discard_zip_entry(root);  // a refused zip leaves nothing in the cache (a tampered entry is re-extracted)
    throw;
  }
}

Bundle Bundle::open_folder(const std::string& path, const OpenOptions& options) {
  std::string root = path;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  const std::string manifest_path = regular_file_inside(root, "manifest.json", "manifest.json");
  const std::string manifest_bytes = read_text(manifest_path, kMaxManifestBytes);
  std::string signed_by;
  if (options.trusted_keys) signed_by = verify_signature(root, manifest_bytes, *options.trusted_keys);
  auto m = std::make_shared<Manifest>(parse_manifest(manifest_bytes));
  if (options.verify) {
    for (const auto& c : m->components) {
      verify(root, c.file, "components." + c.name + ".file", c.sha256, c.file_bytes);
      for (const auto& [file, sha] : c.extra_files) {
        const auto it = c.extra_files_bytes.find(file);
        verify(root, file, "components." + c.name + ".extra_files", sha, it == c.extra_files_bytes.end() ? -1 : it->second);
      }
    }
    if (!m->golden_file.empty()) verify(root, m->golden_file, "golden.file", m->golden_sha256, m->golden_bytes);
  }
  Bundle b(root, std::move(m));
  b.signed_by_ = std::move(signed_by);
  return b;
}

std::string Bundle::component_path(const std::string& component) const {
  const auto& c = manifest_->component(component);
  return regular_file_inside(root_, c.file, "components." + component + ".file");
}

std::shared_ptr<const Session> Bundle::session(const std::string& component, const std::string& engine,
                                               const EngineOptions& options) const {
  const auto& c = manifest_->component(component);
  EngineOptions merged = manifest_->target_engine_options;
  for (const auto& [k, v] : c.engine_options) merged[k] = v;
  for (const auto& [k, v] : options) merged[k] = v;
  const std::string name = engine.empty() ? manifest_->engine : engine;
  // host outputs first: the inputs they read (orig_im_size) are the component's inputs too
  std::shared_ptr<const Session> s = detail::with_host_outputs(open_session(name, component_path(component), merged), manifest_, c);
  for (const auto& spec : c.inputs) {
    bool found = false;
    for (const auto& n : s->input_names()) found = found || n == spec.name;
    if (!found) throw BundleError("bundle " + root_ + ": " + c.file + " has no input '" + spec.name + "' that the manifest lists");
  }
  return s;
}

NamedTensors Bundle::golden() const {
  if (manifest_->golden_file.empty()) throw BundleError("bundle " + root_ + " has no golden.npz");
  return read_npz(regular_file_inside(root_, manifest_->golden_file, "golden.file"));
}

}  // namespace edgevfm
