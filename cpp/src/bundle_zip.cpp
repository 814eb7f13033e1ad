#include "bundle_zip.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include "edgevfm/errors.hpp"
#include "edgevfm/sha256.hpp"

namespace edgevfm::detail {

namespace {
constexpr int64_t kRatioMinBytes = int64_t{1} << 20;
const std::string kManifest = "manifest.json";

struct Member {
  zip_uint64_t index;
  std::string name;
  int64_t size;
};

std::string cache_dir() {
  if (const char* c = std::getenv("EDGEVFM_BUNDLE_CACHE"); c != nullptr && *c != '\0') return c;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x != '\0') return std::string(x) + "/edgevfm/bundles";
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.cache/edgevfm/bundles";
}

void make_dirs(const std::string& path) {
  for (std::size_t i = 1; i <= path.size(); ++i) {
    if (i != path.size() && path[i] != '/') continue;
    const std::string part = path.substr(0, i);
    if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
      throw BundleError("cannot create " + part + " (" + std::strerror(errno) + "); set EDGEVFM_BUNDLE_CACHE to a writable folder");
    }
  }
}

void remove_tree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    if (DIR* d = ::opendir(path.c_str())) {
      std::vector<std::string> names;
      while (const dirent* e = ::readdir(d)) {
        const std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(n);
      }
      ::closedir(d);
      for (const auto& n : names) remove_tree(path + "/" + n);
    }
    ::rmdir(path.c_str());
  } else {
    ::unlink(path.c_str());
  }
}

void check_name(const std::string& zpath, const std::string& name) {
  std::string trimmed = name;
  while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
  bool bad = name.find('\0') != std::string::npos || name.find('\\') != std::string::npos || name.empty() ||
             name.front() == '/' || (name.size() > 1 && name[1] == ':');
  for (std::size_t start = 0; !bad && start <= trimmed.size();) {
    const std::size_t end = std::min(trimmed.find('/', start), trimmed.size());
    const std::string part = trimmed.substr(start, end - start);
    bad = part.empty() || part == "." || part == "..";
    start = end + 1;
  }
  if (bad) {
    throw BundleError(zpath + ": zip member '" + name + "' is not a plain relative path inside the bundle "
                      "(absolute, '..', backslash or empty part); refusing the zip");
  }
}

// The bundle's folder prefix inside the zip and the members under it, after checking every member.
std::pair<std::string, std::vector<Member>> validate_members(const std::string& zpath, zip_t* z, const ZipLimits& limits) {
  const zip_int64_t n = zip_get_num_entries(z, 0);
  if (n > limits.max_members) {
    throw BundleError(zpath + ": " + std::to_string(n) + " zip members, more than the limit of " +
                      std::to_string(limits.max_members) + " (ZipLimits::max_members raises it)");
  }
  std::set<std::string> seen;
  std::vector<Member> all, manifests;
  int64_t total = 0;
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st) != 0) throw BundleError(zpath + ": unreadable zip member " + std::to_string(i));
    const std::string name = st.name;
    check_name(zpath, name);
    std::string key = name;
    while (!key.empty() && key.back() == '/') key.pop_back();
    if (!seen.insert(key).second) throw BundleError(zpath + ": zip member '" + name + "' appears twice");
    zip_uint8_t opsys = 0;
    zip_uint32_t attr = 0;
    zip_file_get_external_attributes(z, static_cast<zip_uint64_t>(i), 0, &opsys, &attr);
    const mode_t type = (attr >> 16) & S_IFMT;
    if (type != 0 && type != S_IFREG && type != S_IFDIR) {
      throw BundleError(zpath + ": zip member '" + name + "' is " + (type == S_IFLNK ? "a symlink" : "a special file") +
                        "; a bundle zip holds only files and folders");
    }
    if (st.encryption_method != ZIP_EM_NONE) throw BundleError(zpath + ": zip member '" + name + "' is encrypted");
    const auto size = static_cast<int64_t>(st.size), packed = std::max<int64_t>(static_cast<int64_t>(st.comp_size), 1);
    total += size;
    if (total > limits.max_bytes) {
      throw BundleError(zpath + ": the zip expands to more than " + std::to_string(limits.max_bytes) +
                        " bytes (ZipLimits::max_bytes raises the limit)");
    }
    if (size >= kRatioMinBytes && static_cast<double>(size) > limits.max_ratio * static_cast<double>(packed)) {
      throw BundleError(zpath + ": zip member '" + name + "' expands " + std::to_string(size / packed) + "x (limit " +
                        std::to_string(static_cast<int64_t>(limits.max_ratio)) + "x): a zip bomb? (ZipLimits::max_ratio raises the limit)");
    }
    const Member m{static_cast<zip_uint64_t>(i), name, size};
    const bool is_dir = name.back() == '/';
    const std::size_t slash = name.rfind('/');
    if (!is_dir && name.substr(slash == std::string::npos ? 0 : slash + 1) == kManifest) manifests.push_back(m);
    all.push_back(m);
  }
  if (manifests.size() != 1) {
    throw BundleError(zpath + ": expected one " + kManifest + " in the zip, found " + std::to_string(manifests.size()));
  }
  const std::string prefix = manifests.front().name.substr(0, manifests.front().name.size() - kManifest.size());
  std::vector<Member> under;
  for (auto& m : all) {
    if (m.name.size() > prefix.size() && m.name.compare(0, prefix.size(), prefix) == 0) under.push_back(std::move(m));
  }
  return {prefix, std::move(under)};
}

void extract_member(zip_t* z, const Member& m, const std::string& out) {
  zip_file_t* src = zip_fopen_index(z, m.index, 0);
  if (src == nullptr) throw BundleError("zip member '" + m.name + "' cannot be read: " + zip_strerror(z));
  const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    zip_fclose(src);
    throw BundleError("cannot create " + out + " (" + std::strerror(errno) + ")");
  }
  std::vector<char> buf(std::size_t{1} << 20);
  int64_t written = 0;
  std::string error;
  for (;;) {
    const zip_int64_t got = zip_fread(src, buf.data(), buf.size());
    if (got < 0) error = "zip member '" + m.name + "' is corrupt: " + zip_file_strerror(src);
    if (got <= 0) break;
    written += got;
    if (written > m.size) {  // a central directory that lies about the size
      error = "zip member '" + m.name + "' holds more than its declared " + std::to_string(m.size) + " bytes";
      break;
    }
    if (::write(fd, buf.data(), static_cast<std::size_t>(got)) != got) {
      error = "cannot write " + out + " (" + std::strerror(errno) + ")";
      break;
    }
  }
  zip_fclose(src);
  ::close(fd);
  if (!error.empty()) throw BundleError(error);
}

void extract(zip_t* z, const std::vector<Member>& members, const std::string& prefix, const std::string& target) {
  make_dirs(target);
  for (const auto& m : members) {
    const std::string out = target + "/" + m.name.substr(prefix.size());
    if (m.name.back() == '/') {
      make_dirs(out.substr(0, out.size() - 1));
      continue;
    }
    make_dirs(out.substr(0, out.rfind('/')));
    extract_member(z, m, out);
  }
}

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};

std::string base_name(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Extract into a temporary folder beside the entry and rename it into place.
void extract_into_cache(zip_t* z, const std::vector<Member>& members, const std::string& prefix,
                        const std::string& cache, const std::string& entry, const std::string& name) {
  make_dirs(cache);
  std::string tmpl = cache + "/.tmp-" + std::to_string(::getpid()) + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw BundleError("cannot create a folder in " + cache + " (" + std::strerror(errno) +
                      "); set EDGEVFM_BUNDLE_CACHE to a writable folder with room");
  }
  try {
    extract(z, members, prefix, tmpl + "/" + name);
    if (::rename(tmpl.c_str(), entry.c_str()) != 0) {
      struct stat st {};
      if (::stat(entry.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw BundleError("cannot move the extraction to " + entry);
      remove_tree(tmpl);  // another process extracted the same zip first
    }
  } catch (...) {
    remove_tree(tmpl);
    throw;
  }
}
}  // namespace

std::string open_zip(const std::string& zpath, const ZipLimits& limits) {
  const std::string sha = sha256_file(zpath);
  int err = 0;
  std::unique_ptr<zip_t, ZipCloser> z(zip_open(zpath.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err));
  if (!z) {
    zip_error_t e;
    zip_error_init_with_code(&e, err);
    const std::string why = zip_error_strerror(&e);
    zip_error_fini(&e);
    throw BundleError(zpath + " is not a valid zip bundle: " + why);
  }
  const auto [prefix, members] = validate_members(zpath, z.get(), limits);
  std::string stem = base_name(zpath);
  if (stem.size() > 4 && stem.compare(stem.size() - 4, 4, ".zip") == 0) stem.resize(stem.size() - 4);
  std::string folder = prefix;
  while (!folder.empty() && folder.back() == '/') folder.pop_back();
  const std::string name = folder.empty() ? stem : base_name(folder);
  const std::string cache = cache_dir(), entry = cache + "/" + sha;
  struct stat st {};
  if (::stat(entry.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    ::utime(entry.c_str(), nullptr);  // recently used (the Python runtime prunes the least recent)
    return entry + "/" + name;
  }
  extract_into_cache(z.get(), members, prefix, cache, entry, name);
  return entry + "/" + name;
}

void discard_zip_entry(const std::string& root) {
  const std::size_t slash = root.rfind('/');
  if (slash == std::string::npos) return;
  const std::string entry = root.substr(0, slash);
  if (entry.size() == cache_dir().size() + 65 && entry.compare(0, cache_dir().size() + 1, cache_dir() + "/") == 0) remove_tree(entry);
}

}  // namespace edgevfm::detail
