#include "edgevfm/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "edgevfm/errors.hpp"

namespace edgevfm {

Metrics tensor_metrics(const Tensor& ref_t, const Tensor& got_t) {
  if (ref_t.shape() != got_t.shape()) {
    throw InputError("shape mismatch: reference " + ref_t.describe() + " vs output " + got_t.describe());
  }
  const auto ref = ref_t.to_double(), got = got_t.to_double();
  double noise = 0, signal = 0, rr = 0, gg = 0, rg = 0, max_abs = 0, sum_abs = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double d = ref[i] - got[i];
    noise += d * d;
    signal += ref[i] * ref[i];
    rr += ref[i] * ref[i];
    gg += got[i] * got[i];
    rg += ref[i] * got[i];
    max_abs = std::max(max_abs, std::fabs(d));
    sum_abs += std::fabs(d);
  }
  const double denom = std::sqrt(rr) * std::sqrt(gg);
  return {{"max_abs", max_abs},
          {"mean_abs", ref.empty() ? 0.0 : sum_abs / static_cast<double>(ref.size())},
          {"cosine", denom > 0 ? rg / denom : (noise == 0 ? 1.0 : 0.0)},
          {"sqnr_db", noise > 0 ? 10 * std::log10(signal / noise) : std::numeric_limits<double>::infinity()}};
}

double mask_iou(const uint8_t* a, const uint8_t* b, std::size_t n) {
  std::size_t inter = 0, uni = 0;
  for (std::size_t i = 0; i < n; ++i) {
    inter += (a[i] && b[i]) ? 1 : 0;
    uni += (a[i] || b[i]) ? 1 : 0;
  }
  return uni == 0 ? 1.0 : static_cast<double>(inter) / static_cast<double>(uni);
}

std::vector<uint8_t> unpack_bits(const Tensor& bits, const std::vector<int64_t>& shape) {
  if (shape.empty() || bits.dtype() != DType::u8) throw BundleError("malformed packed mask " + bits.describe());
  const auto w = static_cast<std::size_t>(shape.back());
  const auto packed_w = static_cast<std::size_t>(bits.shape().back());
  std::size_t rows = 1;
  for (std::size_t i = 0; i + 1 < shape.size(); ++i) rows *= static_cast<std::size_t>(shape[i]);
  if (packed_w * 8 < w || rows * packed_w != bits.numel()) throw BundleError("packed mask " + bits.describe() + " does not fit its shape");
  const auto* p = static_cast<const uint8_t*>(bits.data());
  std::vector<uint8_t> out(rows * w);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t x = 0; x < w; ++x) out[r * w + x] = (p[r * packed_w + x / 8] >> (7 - x % 8)) & 1;
  }
  return out;
}

std::vector<double> row_cosines(const Tensor& ref_t, const Tensor& got_t) {
  if (ref_t.numel() != got_t.numel() || ref_t.shape().empty()) throw InputError("row_cosines: shapes differ");
  const auto ref = ref_t.to_double(), got = got_t.to_double();
  const auto d = static_cast<std::size_t>(ref_t.shape().back());
  std::vector<double> out;
  for (std::size_t r = 0; r * d < ref.size(); ++r) {
    double rr = 0, gg = 0, rg = 0;
    for (std::size_t i = r * d; i < (r + 1) * d; ++i) {
      rr += ref[i] * ref[i];
      gg += got[i] * got[i];
      rg += ref[i] * got[i];
    }
    out.push_back(rg / std::max(std::sqrt(rr) * std::sqrt(gg), 1e-30));
  }
  return out;
}

std::vector<std::string> failures(const Metrics& m, const std::map<std::string, double>& limits) {
  static const std::map<std::string, bool> higher_is_better = {
      {"max_abs", false},   {"mean_abs", false},     {"cosine", true},       {"sqnr_db", true},
      {"mask_iou", true},   {"top1_agreement", true}, {"embed_cosine", true}, {"cls_cosine", true},
      {"patch_cosine", true}};
  std::vector<std::string> bad;
  for (const auto& [name, limit] : limits) {
    auto it = m.find(name);
    auto hib = higher_is_better.find(name);
    if (it == m.end() || hib == higher_is_better.end()) continue;
    const bool ok = hib->second ? it->second >= limit : it->second <= limit;
    if (!ok) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "%s = %.6g (needs %s %g)", name.c_str(), it->second, hib->second ? ">=" : "<=", limit);
      bad.emplace_back(buf);
    }
  }
  return bad;
}

}  // namespace edgevfm
