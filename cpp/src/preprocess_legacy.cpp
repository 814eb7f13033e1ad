#include "preprocess_legacy.hpp"

#include <map>
#include <functional>

namespace edgevfm::detail {

namespace {
using Op = PreStep::Op;

PreStep resize_step(Op op, int size, std::array<int, 2> hw, Interp interp) {
  PreStep s;
  s.op = op;
  s.size = size;
  s.hw = hw;
  s.interp = interp;
  return s;
}

PreStep normalize_step(float divisor, std::array<float, 3> mean, std::array<float, 3> std) {
  PreStep s;
  s.op = Op::normalize;
  s.divide = true;
  s.divisor = divisor;
  s.mean = mean;
  s.std = std;
  return s;
}

std::array<float, 3> vec3_or(const Json& pre, const char* key, std::array<float, 3> fallback) {
  if (!pre.contains(key)) return fallback;
  const auto v = get<std::vector<float>>(pre, key, "preprocess");
  if (v.size() != 3) throw BundleError(std::string("manifest field preprocess.") + key + " must be 3 numbers");
  return {v[0], v[1], v[2]};
}

void sam(const Json& pre, Preprocess& out) {
  const int size = get_or<int>(pre, "input_size", "preprocess", 1024);
  out.steps = {resize_step(Op::resize_longest, size, {0, 0}, Interp::bilinear),
               normalize_step(1.0f, vec3_or(pre, "pixel_mean", {123.675f, 116.28f, 103.53f}),
                              vec3_or(pre, "pixel_std", {58.395f, 57.12f, 57.375f}))};
  PreStep pad;
  pad.op = Op::pad;
  pad.hw = {size, size};
  out.steps.push_back(pad);
}

std::array<int, 2> input_hw(const Json& pre) {
  const auto v = get<std::vector<int>>(pre, "input_size", "preprocess");
  if (v.size() != 2) throw BundleError("manifest field preprocess.input_size must be [H, W]");
  return {v[0], v[1]};
}

void dinov2(const Json& pre, Preprocess& out) {
  const auto hw = input_hw(pre);
  const auto norm = normalize_step(255.0f, vec3_or(pre, "mean", {0.485f, 0.456f, 0.406f}),
                                   vec3_or(pre, "std", {0.229f, 0.224f, 0.225f}));
  out.dense_steps = {resize_step(Op::resize, 0, hw, Interp::bicubic), norm};
  if (hw[0] != hw[1]) {
    out.steps = out.dense_steps;
    return;
  }
  // The official eval transform: shorter side to S*256/224 (truncated), centre crop S.
  const int resize = static_cast<int>(static_cast<double>(get_or<int>(pre, "resize", "preprocess", 256) * hw[0]) / 224.0);
  out.steps = {resize_step(Op::resize_shorter, resize, {0, 0}, Interp::bicubic),
               resize_step(Op::center_crop, 0, hw, Interp::bicubic), norm};
}

void clip(const Json& pre, Preprocess& out) {
  const auto hw = input_hw(pre);
  out.steps = {resize_step(Op::resize_shorter, hw[0], {0, 0}, Interp::bicubic),
               resize_step(Op::center_crop, 0, hw, Interp::bicubic),
               normalize_step(255.0f, vec3_or(pre, "mean", {0.48145466f, 0.4578275f, 0.40821073f}),
                              vec3_or(pre, "std", {0.26862954f, 0.26130258f, 0.27577711f}))};
}
}  // namespace

void legacy_preprocess(const Json& pre, Preprocess& out) {
  static const std::map<std::string, std::function<void(const Json&, Preprocess&)>> kinds = {
      {"sam_resize_longest", sam}, {"dinov2", dinov2}, {"clip", clip}};
  const auto kind = get<std::string>(pre, "kind", "preprocess");
  const auto it = kinds.find(kind);
  if (it == kinds.end()) throw BundleError("unknown preprocess kind '" + kind + "' in the manifest (known: sam_resize_longest, dinov2, clip)");
  it->second(pre, out);
}

}  // namespace edgevfm::detail
