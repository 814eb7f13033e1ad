#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "edgevfm/errors.hpp"
#include "edgevfm/sha256.hpp"

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(edgevfm::sha256_hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(edgevfm::sha256_hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(edgevfm::sha256_hex(two_blocks.data(), two_blocks.size()),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, IncrementalEqualsOneShot) {
  std::string data(1000, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  edgevfm::Sha256 h;
  for (std::size_t i = 0; i < data.size(); i += 13) h.update(data.data() + i, std::min<std::size_t>(13, data.size() - i));
  EXPECT_EQ(h.hexdigest(), edgevfm::sha256_hex(data.data(), data.size()));
}

TEST(Sha256, FileAndMissingFile) {
  const std::string path = testing::TempDir() + "sha_test.bin";
  std::ofstream(path, std::ios::binary) << "abc";
  EXPECT_EQ(edgevfm::sha256_file(path), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::remove(path.c_str());
  EXPECT_THROW(edgevfm::sha256_file(path), edgevfm::BundleError);
}
