// Bundle zips: refused before anything is written, extracted into the cache, discarded when the bundle
// inside is refused (the end-to-end cases with real bundles are in tests/cpp/test_cpp_zip.py).
#include <gtest/gtest.h>
#include <zip.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "edgevfm/bundle.hpp"
#include "edgevfm/errors.hpp"

namespace fs = std::filesystem;

namespace {
class BundleZip : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "edgevfm-zip-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    cache_ = dir_ / "cache";
    ::setenv("EDGEVFM_BUNDLE_CACHE", cache_.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("EDGEVFM_BUNDLE_CACHE");
    fs::remove_all(dir_);
  }

  std::string make_zip(const std::vector<std::pair<std::string, std::string>>& members) {
    const std::string path = (dir_ / "b.zip").string();
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    EXPECT_NE(z, nullptr);
    for (const auto& [name, data] : members) {
      zip_source_t* src = zip_source_buffer(z, data.data(), data.size(), 0);
      EXPECT_GE(zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8), 0) << name;
    }
    EXPECT_EQ(zip_close(z), 0);  // writes the members (their buffers are still alive here)
    return path;
  }

  // The message of the BundleError that opening `path` raises ("" when it opens).
  static std::string refusal(const std::string& path, const edgevfm::OpenOptions& options = {}) {
    try {
      edgevfm::Bundle::open(path, options);
    } catch (const edgevfm::BundleError& e) {
      return e.what();
    }
    return "";
  }

  bool cache_empty() const { return !fs::exists(cache_) || fs::is_empty(cache_); }

  fs::path dir_, cache_;
};
}  // namespace

TEST_F(BundleZip, RefusesEscapingNamesBeforeWriting) {
  for (const std::string bad : {"../evil", "b/../../x", "/abs", "b\\win", "b//x"}) {
    const auto why = refusal(make_zip({{"b/manifest.json", "{}"}, {bad, "x"}}));
    EXPECT_NE(why.find("is not a plain relative path"), std::string::npos) << bad << ": " << why;
    EXPECT_TRUE(cache_empty()) << bad;
  }
}

TEST_F(BundleZip, RefusesABombAndTheLimits) {
  const std::string zeros(std::size_t{4} << 20, '\0');
  EXPECT_NE(refusal(make_zip({{"b/manifest.json", "{}"}, {"b/z.bin", zeros}})).find("a zip bomb"), std::string::npos);
  const auto two = make_zip({{"b/manifest.json", "{}"}, {"b/x", "1"}});
  edgevfm::OpenOptions few;
  few.zip_limits.max_members = 1;
  EXPECT_NE(refusal(two, few).find("more than the limit of 1"), std::string::npos);
  edgevfm::OpenOptions small;
  small.zip_limits.max_bytes = 2;
  EXPECT_NE(refusal(two, small).find("expands to more than 2 bytes"), std::string::npos);
  EXPECT_NE(refusal(make_zip({{"b/x", "1"}})).find("expected one manifest.json in the zip, found 0"), std::string::npos);
  EXPECT_TRUE(cache_empty());
}

TEST_F(BundleZip, ExtractedThenDiscardedWhenTheBundleIsRefused) {
  // the members pass the zip checks and are extracted; the manifest inside is then refused
  const auto why = refusal(make_zip({{"b/manifest.json", "{}"}, {"b/sub/f.txt", std::string(100 << 10, 'a')}}));
  EXPECT_NE(why, "");
  EXPECT_EQ(why.find("zip"), std::string::npos) << why;  // refused for the manifest, not the zip
  EXPECT_TRUE(cache_empty());
}
