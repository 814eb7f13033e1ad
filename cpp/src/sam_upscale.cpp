// SAM's postprocess_masks (bilinear, align_corners=False: to long_side², crop, to the original size)
// as one linear map per axis, out = A · low · Bᵀ, like the Python runtime's sam/upscale.py.
#include <algorithm>
#include <cmath>
#include <vector>

#include "edgevfm/errors.hpp"
#include "edgevfm/preprocess.hpp"
#include "edgevfm/sam.hpp"

namespace edgevfm {

namespace {
// One output index of a bilinear resize along an axis: out[o] = (1 - frac) * in[i0] + frac * in[i1].
struct Tap {
  int i0, i1;
  double frac;
};

Tap tap(int o, int n_in, int n_out) {
  const double src = std::max((o + 0.5) * (static_cast<double>(n_in) / n_out) - 0.5, 0.0);
  const int i0 = std::min(static_cast<int>(std::floor(src)), n_in - 1);
  return {i0, std::min(i0 + 1, n_in - 1), src - i0};
}

// (n_out x n_low), dense row-major: resize n_low -> long_side, keep the first `kept`, resize kept -> n_out.
std::vector<float> chain(int n_low, int long_side, int kept, int n_out) {
  std::vector<double> m(static_cast<std::size_t>(n_out) * n_low, 0.0);
  for (int o = 0; o < n_out; ++o) {
    const Tap d = tap(o, kept, n_out);
    for (const auto& [k, wk] : {std::make_pair(d.i0, 1.0 - d.frac), std::make_pair(d.i1, d.frac)}) {
      const Tap u = tap(k, n_low, long_side);
      m[static_cast<std::size_t>(o) * n_low + u.i0] += wk * (1.0 - u.frac);
      m[static_cast<std::size_t>(o) * n_low + u.i1] += wk * u.frac;
    }
  }
  return std::vector<float>(m.begin(), m.end());
}
}  // namespace

Tensor sam_upscale(const Tensor& low_res, int h, int w, int long_side) {
  const auto& s = low_res.shape();
  if (s.size() < 2) throw InputError("sam_upscale needs (..., n, n) logits, got " + low_res.describe());
  const int n_h = static_cast<int>(s[s.size() - 2]), n_w = static_cast<int>(s.back());
  const std::size_t k_count = low_res.numel() / (static_cast<std::size_t>(n_h) * n_w);
  const auto [ph, pw] = longest_side_shape(h, w, long_side);
  const auto a = chain(n_h, long_side, ph, h);  // h x n_h
  const auto b = chain(n_w, long_side, pw, w);  // w x n_w
  // Each row of A and B has a few adjacent non-zeros (two bilinear maps chained): keep their range.
  const auto range = [](const std::vector<float>& m, int rows, int cols) {
    std::vector<std::pair<int, int>> r(static_cast<std::size_t>(rows), {0, 0});
    for (int i = 0; i < rows; ++i) {
      int lo = cols, hi = 0;
      for (int j = 0; j < cols; ++j) {
        if (m[static_cast<std::size_t>(i) * cols + j] != 0.0f) { lo = std::min(lo, j); hi = j + 1; }
      }
      r[static_cast<std::size_t>(i)] = {std::min(lo, hi), hi};
    }
    return r;
  };
  const auto ra = range(a, h, n_h), rb = range(b, w, n_w);
  Tensor out(DType::f32, {static_cast<int64_t>(k_count), h, w});
  std::vector<float> tmp(static_cast<std::size_t>(h) * n_w);
  for (std::size_t k = 0; k < k_count; ++k) {
    const float* low = low_res.f32() + k * n_h * n_w;
    std::fill(tmp.begin(), tmp.end(), 0.0f);
    for (int y = 0; y < h; ++y) {  // tmp = A · low
      float* t = &tmp[static_cast<std::size_t>(y) * n_w];
      for (int i = ra[static_cast<std::size_t>(y)].first; i < ra[static_cast<std::size_t>(y)].second; ++i) {
        const float av = a[static_cast<std::size_t>(y) * n_h + i];
        if (av == 0.0f) continue;
        const float* l = low + static_cast<std::size_t>(i) * n_w;
        for (int j = 0; j < n_w; ++j) t[j] += av * l[j];
      }
    }
    float* o = out.f32() + k * static_cast<std::size_t>(h) * w;
    for (int y = 0; y < h; ++y) {  // out = tmp · Bᵀ
      const float* t = &tmp[static_cast<std::size_t>(y) * n_w];
      for (int x = 0; x < w; ++x) {
        const float* br = &b[static_cast<std::size_t>(x) * n_w];
        float acc = 0.0f;
        for (int j = rb[static_cast<std::size_t>(x)].first; j < rb[static_cast<std::size_t>(x)].second; ++j) acc += t[j] * br[j];
        o[static_cast<std::size_t>(y) * w + x] = acc;
      }
    }
  }
  return out;
}

}  // namespace edgevfm
