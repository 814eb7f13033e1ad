#include "edgevfm/embed.hpp"

#include <algorithm>
#include <cmath>

#include "edgevfm/errors.hpp"
#include "edgevfm/preprocess.hpp"

namespace edgevfm {

namespace {
void require(const Bundle& b, std::initializer_list<const char*> families, const char* what) {
  for (const char* f : families) {
    if (b.manifest().family == f) return;
  }
  std::string names;
  for (const char* f : families) names += (names.empty() ? "" : " or ") + std::string(f);
  throw BundleError(std::string(what) + " needs a " + names + " bundle; " + b.root() + " holds " + b.manifest().family);
}

const Tensor& output(const Outputs& out, const std::string& name) {
  auto it = out.find(name);
  if (it == out.end()) throw EngineError("the model returned no '" + name + "'");
  return it->second;
}

std::vector<float> floats(const Tensor& t) {
  const auto d = t.to_double();
  return std::vector<float>(d.begin(), d.end());
}
}  // namespace

void l2_normalize(std::vector<float>& v) {
  double n = 0;
  for (float x : v) n += static_cast<double>(x) * x;
  const auto norm = static_cast<float>(std::sqrt(n));
  if (norm > 0) {
    for (float& x : v) x /= norm;
  }
}

ImageEmbedder::ImageEmbedder(const Bundle& bundle, const std::string& engine, const EngineOptions& options) : bundle_(bundle) {
  require(bundle, {"dinov2", "clip"}, "ImageEmbedder");
  session_ = bundle.session("encoder", engine, options);
}

std::vector<float> ImageEmbedder::operator()(const ImageView& image, bool normalize) const {
  const Manifest& m = bundle_.manifest();
  Preprocessed pre = run_preprocess(image, m.preprocess.steps);
  auto v = floats(output(session_->run({{m.preprocess.input, &pre.input}}), m.image_output));
  if (normalize) l2_normalize(v);
  return v;
}

DenseFeatures::DenseFeatures(const Bundle& bundle, const std::string& engine, const EngineOptions& options) : bundle_(bundle) {
  require(bundle, {"dinov2"}, "DenseFeatures");
  session_ = bundle.session("encoder", engine, options);
}

FeatureMap DenseFeatures::operator()(const ImageView& image) const {
  const Manifest& m = bundle_.manifest();
  const auto& steps = m.preprocess.dense_steps.empty() ? m.preprocess.steps : m.preprocess.dense_steps;
  Preprocessed pre = run_preprocess(image, steps);
  const Tensor& patches = output(session_->run({{m.preprocess.input, &pre.input}}), m.patch_output);
  FeatureMap f;
  f.rows = static_cast<int>(pre.input.shape()[2]) / m.patch_size;
  f.cols = static_cast<int>(pre.input.shape()[3]) / m.patch_size;
  f.data = floats(patches);
  if (f.rows * f.cols == 0 || f.data.size() % (static_cast<std::size_t>(f.rows) * f.cols) != 0) {
    throw EngineError("patch features " + patches.describe() + " do not tile the " + std::to_string(f.rows) + "x" +
                      std::to_string(f.cols) + " patch grid");
  }
  f.channels = static_cast<int>(f.data.size() / (static_cast<std::size_t>(f.rows) * f.cols));
  return f;
}

TextEmbedder::TextEmbedder(const Bundle& bundle, const std::string& engine, const EngineOptions& options) : bundle_(bundle) {
  require(bundle, {"clip"}, "TextEmbedder");
  session_ = bundle.session("text", engine, options);
}

std::vector<float> TextEmbedder::operator()(const std::vector<int64_t>& ids, bool normalize) const {
  const auto n = static_cast<std::size_t>(context_length());
  if (ids.size() != n) {
    throw InputError("TextEmbedder takes " + std::to_string(n) + " token ids (CLIP BPE, padded), got " + std::to_string(ids.size()));
  }
  // The token tensor's name and integer type are the text component's first input's.
  const TensorSpec& spec = bundle_.manifest().component("text").inputs.front();
  Tensor t(spec.dtype, {1, static_cast<int64_t>(n)});
  if (spec.dtype == DType::i64) {
    std::copy(ids.begin(), ids.end(), static_cast<int64_t*>(t.data()));
  } else if (spec.dtype == DType::i32) {
    std::transform(ids.begin(), ids.end(), static_cast<int32_t*>(t.data()), [](int64_t v) { return static_cast<int32_t>(v); });
  } else {
    throw BundleError("the text component's input " + spec.name + " must be int32 or int64, not " + dtype_name(spec.dtype));
  }
  auto v = floats(output(session_->run({{spec.name, &t}}), bundle_.manifest().text_output));
  if (normalize) l2_normalize(v);
  return v;
}

}  // namespace edgevfm
