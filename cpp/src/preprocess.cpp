#include "edgevfm/preprocess.hpp"

#include <algorithm>
#include <cmath>

#include "edgevfm/errors.hpp"
#include "edgevfm/resample.hpp"

namespace edgevfm {

namespace {
// A shorter-side resize scales the long side by S/short: past this ratio the intermediate explodes.
constexpr int kMaxAspect = 1024;

struct FloatImage {
  int w = 0, h = 0;
  std::vector<float> px;  // HWC
};

struct State {
  RgbImage u8;
  FloatImage f32;
  bool normalized = false;
  int resized_h = 0, resized_w = 0;
  int height() const { return normalized ? f32.h : u8.height(); }
  int width() const { return normalized ? f32.w : u8.width(); }
};

void need_u8(const State& s, const char* op) {
  if (s.normalized) throw BundleError(std::string("preprocess op '") + op + "' needs the uint8 image, but it comes after normalize");
}

void resize_to(State& s, int h, int w, Interp interp, const char* op) {
  need_u8(s, op);
  s.u8 = pillow_resize(s.u8.view(), w, h, interp);
  s.resized_h = h;
  s.resized_w = w;
}

void center_crop(State& s, int ch, int cw) {
  const int h = s.height(), w = s.width();
  if (h < ch || w < cw) {
    throw InputError("image " + std::to_string(w) + "x" + std::to_string(h) + " is smaller than the centre crop " +
                     std::to_string(cw) + "x" + std::to_string(ch));
  }
  // torchvision CenterCrop: round half to even (the default rounding mode).
  const int top = static_cast<int>(std::nearbyint((h - ch) / 2.0));
  const int left = static_cast<int>(std::nearbyint((w - cw) / 2.0));
  if (s.normalized) {
    FloatImage out{cw, ch, std::vector<float>(static_cast<std::size_t>(cw) * ch * 3)};
    for (int y = 0; y < ch; ++y) {
      std::copy_n(&s.f32.px[(static_cast<std::size_t>(y + top) * w + left) * 3], 3 * cw, &out.px[static_cast<std::size_t>(y) * cw * 3]);
    }
    s.f32 = std::move(out);
    return;
  }
  RgbImage out(cw, ch);
  for (int y = 0; y < ch; ++y) {
    std::copy_n(s.u8.data() + (static_cast<std::size_t>(y + top) * w + left) * 3, 3 * cw, out.data() + static_cast<std::size_t>(y) * cw * 3);
  }
  s.u8 = std::move(out);
}

void normalize(State& s, const PreStep& p) {
  need_u8(s, "normalize");
  const int h = s.u8.height(), w = s.u8.width();
  s.f32 = FloatImage{w, h, std::vector<float>(static_cast<std::size_t>(w) * h * 3)};
  const uint8_t* src = s.u8.data();
  for (std::size_t i = 0; i < s.f32.px.size(); ++i) {
    const int c = static_cast<int>(i % 3);
    // float32 arithmetic in the reference's order (u8 / d or u8 * scale, then - mean, then / std).
    const float x = p.divide ? static_cast<float>(src[i]) / p.divisor : static_cast<float>(src[i]) * p.scale;
    s.f32.px[i] = (x - p.mean[c]) / p.std[c];
  }
  s.normalized = true;
}

void pad(State& s, const PreStep& p) {
  const int h = s.height(), w = s.width(), ph = p.hw[0], pw = p.hw[1];
  if (h > ph || w > pw) throw BundleError("preprocess op 'pad' to " + std::to_string(pw) + "x" + std::to_string(ph) + " got a larger image");
  if (!s.normalized) throw BundleError("preprocess op 'pad' must come after normalize");
  FloatImage out{pw, ph, std::vector<float>(static_cast<std::size_t>(pw) * ph * 3, p.value)};
  for (int y = 0; y < h; ++y) std::copy_n(&s.f32.px[static_cast<std::size_t>(y) * w * 3], 3 * w, &out.px[static_cast<std::size_t>(y) * pw * 3]);
  s.f32 = std::move(out);
}
}  // namespace

std::pair<int, int> longest_side_shape(int h, int w, int long_side) {
  const double scale = long_side * 1.0 / std::max(h, w);
  // int(x + 0.5) as the reference's get_preprocess_shape: the same sizes, not lround's
  return {static_cast<int>(h * scale + 0.5), static_cast<int>(w * scale + 0.5)};  // NOLINT(bugprone-incorrect-roundings)
}

Preprocessed run_preprocess(const ImageView& image, const std::vector<PreStep>& steps) {
  image.check("image");
  State s;
  s.u8 = RgbImage::copy_of(image);
  s.resized_h = image.height;
  s.resized_w = image.width;
  using Op = PreStep::Op;
  for (const auto& p : steps) {
    switch (p.op) {
      case Op::resize_longest: {
        const auto [nh, nw] = longest_side_shape(s.height(), s.width(), p.size);
        if (std::min(nh, nw) < 1) {
          throw InputError("image " + std::to_string(s.width()) + "x" + std::to_string(s.height()) +
                           " is too thin: its short side would become 0 px when the long side is resized to " +
                           std::to_string(p.size) + "; the aspect ratio must be at most " + std::to_string(2 * p.size) + ":1");
        }
        resize_to(s, nh, nw, p.interp, "resize_longest");
        break;
      }
      case Op::resize_shorter: {
        const int h = s.height(), w = s.width();
        if (std::max(h, w) > kMaxAspect * std::min(h, w)) {
          throw InputError("image " + std::to_string(w) + "x" + std::to_string(h) + " is too thin: its short side is resized to " +
                           std::to_string(p.size) + " px; the aspect ratio must be at most 1024:1");
        }
        // torchvision Resize(int): long side = int(size * long / short), truncated.
        const int new_long = static_cast<int>(static_cast<double>(static_cast<int64_t>(p.size) * std::max(h, w)) / std::min(h, w));
        if (h <= w) resize_to(s, p.size, new_long, p.interp, "resize_shorter");
        else resize_to(s, new_long, p.size, p.interp, "resize_shorter");
        break;
      }
      case Op::resize: resize_to(s, p.hw[0], p.hw[1], p.interp, "resize"); break;
      case Op::center_crop: center_crop(s, p.hw[0], p.hw[1]); break;
      case Op::normalize: normalize(s, p); break;
      case Op::pad: pad(s, p); break;
    }
  }
  if (!s.normalized) throw BundleError("preprocess steps end without a normalize op (the model takes float32)");
  Preprocessed out;
  out.resized_h = s.resized_h;
  out.resized_w = s.resized_w;
  const int h = s.f32.h, w = s.f32.w;
  out.input = Tensor(DType::f32, {1, 3, h, w});
  float* dst = out.input.f32();
  const std::size_t plane = static_cast<std::size_t>(h) * w;
  for (std::size_t i = 0; i < plane; ++i) {
    for (int c = 0; c < 3; ++c) dst[c * plane + i] = s.f32.px[i * 3 + c];
  }
  return out;
}

}  // namespace edgevfm
