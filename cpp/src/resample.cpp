#include "edgevfm/resample.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "edgevfm/errors.hpp"

namespace edgevfm {

namespace {
constexpr int kPrecisionBits = 32 - 8 - 2;

struct Filter {
  double support;
  double (*fn)(double);
};

double bilinear(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double bicubic(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// For each output index: first input index, count, and `ksize` fixed-point weights.
struct Coeffs {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> k;
};

Coeffs precompute(int in_size, int out_size, const Filter& f) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = f.support * filterscale;
  Coeffs c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.k.assign(static_cast<std::size_t>(out_size) * c.ksize, 0);
  std::vector<double> w(c.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    // (int)(x + 0.5) as Pillow's precompute_coeffs: truncation toward zero, not lround, for Pillow's bytes
    int xmin = static_cast<int>(center - support + 0.5);  // NOLINT(bugprone-incorrect-roundings)
    xmin = std::max(xmin, 0);
    int xmax = static_cast<int>(center + support + 0.5);  // NOLINT(bugprone-incorrect-roundings)
    xmax = std::min(xmax, in_size) - xmin;
    double total = 0.0;
    for (int x = 0; x < xmax; ++x) {
      w[x] = f.fn((x + xmin - center + 0.5) * ss);
      total += w[x];
    }
    for (int x = 0; x < xmax; ++x) {
      const double v = total != 0.0 ? w[x] / total : w[x];
      // Pillow rounds half away from zero when converting to fixed point.
      c.k[static_cast<std::size_t>(xx) * c.ksize + x] =
          static_cast<int32_t>(v < 0 ? -0.5 + v * (1 << kPrecisionBits) : 0.5 + v * (1 << kPrecisionBits));
    }
    c.first[xx] = xmin;
    c.count[xx] = xmax;
  }
  return c;
}

inline uint8_t clip8(int32_t v) {
  v >>= kPrecisionBits;
  return static_cast<uint8_t>(std::clamp(v, 0, 255));
}
}  // namespace

RgbImage pillow_resize(const ImageView& in, int out_w, int out_h, Interp interp) {
  in.check("resize input");
  if (out_w <= 0 || out_h <= 0) throw InputError("resize to an empty size");
  const Filter f = interp == Interp::bicubic ? Filter{2.0, bicubic} : Filter{1.0, bilinear};
  const bool need_h = out_w != in.width, need_v = out_h != in.height;
  const Coeffs ch = precompute(in.width, out_w, f);
  const Coeffs cv = precompute(in.height, out_h, f);
  // Horizontal pass over the rows the vertical pass needs, into a uint8 image (as Pillow does).
  const int y_first = need_v ? cv.first.front() : 0;
  const int y_last = need_v ? cv.first.back() + cv.count.back() : in.height;
  RgbImage tmp(need_h ? out_w : in.width, y_last - y_first);
  for (int y = 0; y < tmp.height(); ++y) {
    const uint8_t* src = in.row(y + y_first);
    uint8_t* dst = tmp.data() + static_cast<std::size_t>(y) * tmp.width() * 3;
    if (!need_h) {
      std::copy(src, src + std::ptrdiff_t{3} * in.width, dst);
      continue;
    }
    for (std::ptrdiff_t xx = 0; xx < out_w; ++xx) {
      const int32_t* k = &ch.k[static_cast<std::size_t>(xx) * ch.ksize];
      const uint8_t* s = src + std::ptrdiff_t{3} * ch.first[xx];
      int32_t a0 = 1 << (kPrecisionBits - 1), a1 = a0, a2 = a0;
      for (std::ptrdiff_t x = 0; x < ch.count[xx]; ++x) {
        a0 += s[3 * x] * k[x];
        a1 += s[3 * x + 1] * k[x];
        a2 += s[3 * x + 2] * k[x];
      }
      dst[3 * xx] = clip8(a0);
      dst[3 * xx + 1] = clip8(a1);
      dst[3 * xx + 2] = clip8(a2);
    }
  }
  if (!need_v) return tmp;
  RgbImage out(tmp.width(), out_h);
  const std::size_t row = static_cast<std::size_t>(tmp.width()) * 3;
  for (int yy = 0; yy < out_h; ++yy) {
    const int32_t* k = &cv.k[static_cast<std::size_t>(yy) * cv.ksize];
    const uint8_t* s = tmp.data() + static_cast<std::size_t>(cv.first[yy] - y_first) * row;
    uint8_t* dst = out.data() + yy * row;
    for (std::size_t i = 0; i < row; ++i) {
      int32_t acc = 1 << (kPrecisionBits - 1);
      for (int y = 0; y < cv.count[yy]; ++y) acc += s[y * row + i] * k[y];
      dst[i] = clip8(acc);
    }
  }
  return out;
}

}  // namespace edgevfm
