// RGB uint8 images: a non-owning view of a caller's buffer (with row stride) and an owning image.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace edgevfm {

struct ImageView {
  const uint8_t* data = nullptr;  // top-left pixel, R G B interleaved
  int width = 0, height = 0;
  std::ptrdiff_t stride = 0;      // bytes from one row to the next (>= 3 * width); 0 means 3 * width
  std::ptrdiff_t row_bytes() const { return stride ? stride : 3 * static_cast<std::ptrdiff_t>(width); }
  const uint8_t* row(int y) const { return data + y * row_bytes(); }
  void check(const std::string& what) const;  // throws InputError for an empty/null/short-stride view
};

class RgbImage {
 public:
  RgbImage() = default;
  RgbImage(int width, int height) : w_(width), h_(height), px_(static_cast<std::size_t>(width) * height * 3) {}
  static RgbImage copy_of(const ImageView& v);
  int width() const { return w_; }
  int height() const { return h_; }
  uint8_t* data() { return px_.data(); }
  const uint8_t* data() const { return px_.data(); }
  ImageView view() const { return {px_.data(), w_, h_, 3 * static_cast<std::ptrdiff_t>(w_)}; }

 private:
  int w_ = 0, h_ = 0;
  std::vector<uint8_t> px_;
};

// Decode a PNG/JPEG/BMP file to RGB (stb_image); throws InputError. EXIF orientation is not applied.
RgbImage load_image(const std::string& path);

}  // namespace edgevfm
