#include "edgevfm/sam.hpp"

#include <cmath>
#include <cstring>

#include "edgevfm/errors.hpp"
#include "edgevfm/preprocess.hpp"

namespace edgevfm {

namespace {
std::string num(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

void check_point(const Point& p, int h, int w) {
  if (!std::isfinite(p.x) || !std::isfinite(p.y)) throw InputError("points contains NaN or infinity");
  if (!(p.x >= 0 && p.x <= static_cast<float>(w) && p.y >= 0 && p.y <= static_cast<float>(h))) {
    throw InputError("point (" + num(p.x) + ", " + num(p.y) + ") lies outside the " + std::to_string(w) + "x" +
                     std::to_string(h) + " image");
  }
}

void check_box(const Box& b, int h, int w) {
  for (float v : {b.x0, b.y0, b.x1, b.y1}) {
    if (!std::isfinite(v)) throw InputError("box contains NaN or infinity");
  }
  if (b.x1 < b.x0 || b.y1 < b.y0) throw InputError("box must satisfy x0 <= x1 and y0 <= y1");
  if (std::min(b.x0, b.y0) < 0 || b.x1 > static_cast<float>(w) || b.y1 > static_cast<float>(h)) {
    throw InputError("box extends outside the " + std::to_string(w) + "x" + std::to_string(h) + " image");
  }
}
}  // namespace

SamPredictor::SamPredictor(const Bundle& bundle, const std::string& engine, const EngineOptions& options)
    : bundle_(bundle) {
  if (bundle.manifest().family != "mobilesam") {
    throw BundleError("SamPredictor needs a MobileSAM bundle; " + bundle.root() + " holds " + bundle.manifest().family);
  }
  encoder_ = bundle.session("encoder", engine, options);
  decoder_ = bundle.session("decoder", engine, options);
}

ImageEmbedding SamPredictor::embed(const ImageView& image) const {
  image.check("SamPredictor::embed");
  const Manifest& m = bundle_.manifest();
  Preprocessed pre = run_preprocess(image, m.preprocess.steps);
  Outputs out = encoder_->run({{m.preprocess.input, &pre.input}});
  auto it = out.find("image_embeddings");
  if (it == out.end()) throw EngineError("the encoder returned no 'image_embeddings'");
  auto feats = std::make_shared<const Tensor>(std::move(it->second));
  return ImageEmbedding(std::move(feats), image.height, image.width, pre.resized_h, pre.resized_w);
}

std::map<std::string, Tensor> SamPredictor::decoder_feed(const SamPrompt& p, int h, int w) const {
  const Manifest& m = bundle_.manifest();
  if (p.points.empty() && !p.box) throw InputError("give at least one prompt: points (with labels) or a box");
  if (p.labels.size() != p.points.size()) {
    throw InputError("got " + std::to_string(p.points.size()) + " point(s) but " + std::to_string(p.labels.size()) + " label(s)");
  }
  const auto [newh, neww] = longest_side_shape(h, w, m.prompt.long_side);
  // Per-axis ratios into the resized frame, computed in double as the reference does.
  const double sx = static_cast<double>(neww) / w, sy = static_cast<double>(newh) / h;
  std::vector<float> coords, labels;
  for (std::size_t i = 0; i < p.points.size(); ++i) {
    check_point(p.points[i], h, w);
    if (p.labels[i] != 0 && p.labels[i] != 1) throw InputError("labels must be 0 (background) or 1 (foreground) exactly");
    coords.push_back(static_cast<float>(p.points[i].x * sx));
    coords.push_back(static_cast<float>(p.points[i].y * sy));
    labels.push_back(static_cast<float>(p.labels[i]));
  }
  if (p.box) {
    check_box(*p.box, h, w);
    coords.insert(coords.end(), {static_cast<float>(p.box->x0 * sx), static_cast<float>(p.box->y0 * sy),
                                 static_cast<float>(p.box->x1 * sx), static_cast<float>(p.box->y1 * sy)});
    labels.insert(labels.end(), {m.prompt.box_labels[0], m.prompt.box_labels[1]});
  } else if (m.prompt.padding_point) {
    coords.insert(coords.end(), {m.prompt.padding_xy[0], m.prompt.padding_xy[1]});
    labels.push_back(m.prompt.padding_label);
  }
  const auto n = static_cast<int64_t>(labels.size());
  const int mh = m.prompt.mask_input_size[0], mw = m.prompt.mask_input_size[1];
  std::map<std::string, Tensor> feed;
  feed["point_coords"] = Tensor::from_floats({1, n, 2}, coords);
  feed["point_labels"] = Tensor::from_floats({1, n}, labels);
  Tensor mask(DType::f32, {1, 1, mh, mw});
  if (p.mask_input != nullptr) {
    const Tensor& mi = *p.mask_input;
    if (mi.dtype() != DType::f32 || mi.numel() != static_cast<std::size_t>(mh) * mw) {
      throw InputError("mask_input must be the 1x" + std::to_string(mh) + "x" + std::to_string(mw) +
                       " float32 low-res logits returned by predict(), got " + mi.describe());
    }
    for (std::size_t i = 0; i < mi.numel(); ++i) {
      if (!std::isfinite(mi.f32()[i])) throw InputError("mask_input contains NaN or infinite values");
    }
    std::memcpy(mask.data(), mi.data(), mi.nbytes());
  }
  feed["mask_input"] = std::move(mask);
  feed["has_mask_input"] = Tensor::from_floats({1}, {p.mask_input != nullptr ? 1.0f : 0.0f});
  feed["orig_im_size"] = Tensor::from_floats({2}, {static_cast<float>(h), static_cast<float>(w)});
  return feed;
}

SamResult SamPredictor::predict(const ImageEmbedding& emb, const SamPrompt& prompt) const {
  const Manifest& m = bundle_.manifest();
  const int h = emb.original_height(), w = emb.original_width();
  auto feed_tensors = decoder_feed(prompt, h, w);
  Feed feed{{"image_embeddings", &emb.features()}};
  for (const auto& [k, v] : feed_tensors) feed[k] = &v;
  Outputs out = decoder_->run(feed);
  const auto need = [&](const char* name) -> Tensor& {
    auto it = out.find(name);
    if (it == out.end()) throw EngineError(std::string("the decoder returned no '") + name + "'");
    return it->second;
  };
  const Tensor& low = need("low_res_masks");
  const Tensor& iou = need("iou_predictions");
  Tensor full = out.count("masks") ? std::move(out.at("masks")) : sam_upscale(low, h, w, m.prompt.long_side);
  // Select the outputs: multimask tokens, or the single-mask one.
  const std::vector<int> sel = prompt.multimask ? m.sam.multimask_outputs : std::vector<int>{m.sam.single_mask_output};
  const auto k_total = static_cast<int>(low.shape()[low.shape().size() - 3]);
  const int lh = static_cast<int>(low.shape()[low.shape().size() - 2]), lw = static_cast<int>(low.shape().back());
  SamResult r;
  r.count = static_cast<int>(sel.size());
  r.height = h;
  r.width = w;
  r.logits = Tensor(DType::f32, {r.count, h, w});
  r.low_res = Tensor(DType::f32, {r.count, lh, lw});
  r.masks.resize(static_cast<std::size_t>(r.count) * h * w);
  const std::size_t plane = static_cast<std::size_t>(h) * w, lplane = static_cast<std::size_t>(lh) * lw;
  if (full.numel() != static_cast<std::size_t>(k_total) * plane) {
    throw EngineError("decoder masks " + full.describe() + " do not match the image size " + std::to_string(w) + "x" + std::to_string(h));
  }
  for (int i = 0; i < r.count; ++i) {
    const int k = sel[static_cast<std::size_t>(i)];
    if (k < 0 || k >= k_total) throw BundleError("manifest selects mask output " + std::to_string(k) + " of " + std::to_string(k_total));
    std::memcpy(r.logits.f32() + i * plane, full.f32() + k * plane, plane * sizeof(float));
    std::memcpy(r.low_res.f32() + i * lplane, low.f32() + k * lplane, lplane * sizeof(float));
    r.scores.push_back(iou.f32()[k]);
    for (std::size_t j = 0; j < plane; ++j) r.masks[i * plane + j] = r.logits.f32()[i * plane + j] > m.sam.mask_threshold;
  }
  return r;
}

}  // namespace edgevfm
