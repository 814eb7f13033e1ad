// SHA-256 (FIPS 180-4), self-contained so the runtime needs no crypto library.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace edgevfm {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t len);
  std::array<uint8_t, 32> digest();  // finalises; the object must not be updated afterwards
  std::string hexdigest();

 private:
  void block(const uint8_t* p);
  std::array<uint32_t, 8> h_{};
  std::array<uint8_t, 64> buf_{};
  std::size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string sha256_hex(const void* data, std::size_t len);
// Hex digest of a file, streamed; throws BundleError when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace edgevfm
