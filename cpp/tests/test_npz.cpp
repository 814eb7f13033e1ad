#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "edgevfm/errors.hpp"
#include "edgevfm/npz.hpp"

namespace {
std::vector<uint8_t> npy(const std::string& header_dict, const void* data, std::size_t n) {
  std::string header = header_dict;
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<uint8_t>(header.size() & 0xff),
                              static_cast<uint8_t>(header.size() >> 8)};
  out.insert(out.end(), header.begin(), header.end());
  const auto* p = static_cast<const uint8_t*>(data);
  out.insert(out.end(), p, p + n);
  return out;
}
}  // namespace

TEST(Npy, ParsesFloatMatrix) {
  const float v[6] = {1, 2, 3, 4, 5, 6};
  const auto b = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", v, sizeof v);
  const auto t = edgevfm::parse_npy(b.data(), b.size(), "t");
  EXPECT_EQ(t.shape(), (std::vector<int64_t>{2, 3}));
  EXPECT_FLOAT_EQ(t.f32()[5], 6.0f);
}

TEST(Npy, ParsesScalarAndInt64) {
  const int64_t v = 42;
  const auto b = npy("{'descr': '<i8', 'fortran_order': False, 'shape': (), }", &v, sizeof v);
  const auto t = edgevfm::parse_npy(b.data(), b.size(), "t");
  EXPECT_TRUE(t.shape().empty());
  EXPECT_EQ(t.to_double()[0], 42.0);
}

TEST(Npy, RejectsTruncatedFortranAndUnknownDtype) {
  const float v[6] = {};
  auto b = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", v, sizeof v);
  b.pop_back();
  EXPECT_THROW(edgevfm::parse_npy(b.data(), b.size(), "t"), edgevfm::BundleError);
  const auto f = npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", v, sizeof v);
  EXPECT_THROW(edgevfm::parse_npy(f.data(), f.size(), "t"), edgevfm::BundleError);
  const auto o = npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", v, 8);
  EXPECT_THROW(edgevfm::parse_npy(o.data(), o.size(), "t"), edgevfm::BundleError);
  EXPECT_THROW(edgevfm::parse_npy("garbage!!!!", 11, "t"), edgevfm::BundleError);
}

TEST(Npz, MissingArchiveIsBundleError) {
  EXPECT_THROW(edgevfm::read_npz(testing::TempDir() + "does-not-exist.npz"), edgevfm::BundleError);
}
