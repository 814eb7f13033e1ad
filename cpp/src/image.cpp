#include "edgevfm/image.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include "edgevfm/errors.hpp"
#include "stb_image.h"

namespace edgevfm {

void ImageView::check(const std::string& what) const {
  if (data == nullptr) throw InputError(what + ": image data is null");
  if (width <= 0 || height <= 0) {
    throw InputError(what + ": image is empty (" + std::to_string(width) + "x" + std::to_string(height) +
                     "); images need at least 1x1 pixels");
  }
  if (stride != 0 && stride < 3 * static_cast<std::ptrdiff_t>(width)) {
    throw InputError(what + ": row stride " + std::to_string(stride) + " is smaller than 3 * width (" +
                     std::to_string(3 * width) + ")");
  }
}

RgbImage RgbImage::copy_of(const ImageView& v) {
  v.check("image");
  RgbImage img(v.width, v.height);
  for (int y = 0; y < v.height; ++y) std::memcpy(img.data() + static_cast<std::size_t>(y) * v.width * 3, v.row(y), 3 * static_cast<std::size_t>(v.width));
  return img;
}

RgbImage load_image(const std::string& path) {
  int w = 0, h = 0, n = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> px(stbi_load(path.c_str(), &w, &h, &n, 3), stbi_image_free);
  if (!px) throw InputError(path + " is not a readable image (" + std::string(stbi_failure_reason()) + ")");
  RgbImage img(w, h);
  std::memcpy(img.data(), px.get(), static_cast<std::size_t>(w) * h * 3);
  return img;
}

}  // namespace edgevfm
