#include "edgevfm/sam.hpp"

#include <algorithm>
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
  // The prompt batch: a named dim 0 of point_coords is dynamic; a number is the only batch it takes.
  for (const auto& t : bundle.manifest().component("decoder").inputs) {
    if (t.name == "point_coords" && !t.shape.empty() && t.shape[0] > 0) {
      max_batch_ = static_cast<int>(t.shape[0]);
      fixed_batch_ = true;
    }
  }
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

namespace {
const char* const kBatchedInputs[] = {"point_coords", "point_labels", "mask_input", "has_mask_input"};

// Rows [start, start + n) of the per-set feeds stacked along dim 0 (each set's tensor has dim 0 = 1),
// padded to `size` rows with copies of the last one.
Tensor stack_rows(const std::vector<std::map<std::string, Tensor>>& feeds, const char* name, std::size_t start,
                  std::size_t n, std::size_t size) {
  const Tensor& first = feeds[start].at(name);
  std::vector<int64_t> shape = first.shape();
  shape[0] = static_cast<int64_t>(size);
  Tensor out(first.dtype(), shape);
  const std::size_t row = first.nbytes();
  for (std::size_t i = 0; i < size; ++i) {
    const Tensor& t = feeds[start + std::min(i, n - 1)].at(name);
    std::memcpy(static_cast<uint8_t*>(out.data()) + i * row, t.data(), row);
  }
  return out;
}

std::string count_text(std::size_t n, const char* what) { return std::to_string(n) + " " + what; }
}  // namespace

SamBatchResult SamPredictor::decode(const ImageEmbedding& emb, const std::vector<SamPrompt>& prompts,
                                    bool batched) const {
  const Manifest& m = bundle_.manifest();
  const int h = emb.original_height(), w = emb.original_width();
  if (prompts.empty()) throw InputError("give at least one prompt set");
  const SamPrompt& p0 = prompts.front();
  std::vector<std::map<std::string, Tensor>> feeds;
  feeds.reserve(prompts.size());
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const SamPrompt& p = prompts[i];
    const std::string which = "prompt set " + std::to_string(i);
    const std::string rule = ": every set in one batch has the same number of points, all or none a box, all or "
                             "none a mask_input, and one multimask setting";
    if (p.points.size() != p0.points.size()) {
      throw InputError(which + " has " + count_text(p.points.size(), "point(s)") + " but set 0 has " +
                       std::to_string(p0.points.size()) + rule);
    }
    if (p.box.has_value() != p0.box.has_value()) {
      throw InputError(which + (p.box ? " has a box but set 0 has none" : " has no box but set 0 has one") + rule);
    }
    if ((p.mask_input != nullptr) != (p0.mask_input != nullptr)) {
      throw InputError(which + (p.mask_input ? " has a mask_input but set 0 has none" : " has no mask_input but set 0 has one") + rule);
    }
    if (p.multimask != p0.multimask) throw InputError(which + "'s multimask differs from set 0's" + rule);
    try {
      feeds.push_back(decoder_feed(p, h, w));
    } catch (const InputError& e) {
      if (!batched) throw;
      throw InputError(which + ": " + e.what());
    }
  }
  // Select the outputs: multimask tokens, or the single-mask one.
  const std::vector<int> sel = p0.multimask ? m.sam.multimask_outputs : std::vector<int>{m.sam.single_mask_output};
  SamBatchResult r;
  r.prompts = static_cast<int>(prompts.size());
  r.count = static_cast<int>(sel.size());
  r.height = h;
  r.width = w;
  r.logits = Tensor(DType::f32, {r.prompts, r.count, h, w});
  const std::size_t plane = static_cast<std::size_t>(h) * w;
  for (std::size_t start = 0; start < prompts.size();) {
    const std::size_t n = std::min(prompts.size() - start, static_cast<std::size_t>(max_batch_));
    const std::size_t size = fixed_batch_ ? static_cast<std::size_t>(max_batch_) : n;
    std::map<std::string, Tensor> stacked;
    for (const char* name : kBatchedInputs) stacked[name] = stack_rows(feeds, name, start, n, size);
    Feed feed{{"image_embeddings", &emb.features()}, {"orig_im_size", &feeds.front().at("orig_im_size")}};
    for (const auto& [k, v] : stacked) feed[k] = &v;
    Outputs out = decoder_->run(feed);
    const auto need = [&](const char* name) -> Tensor& {
      auto it = out.find(name);
      if (it == out.end()) throw EngineError(std::string("the decoder returned no '") + name + "'");
      return it->second;
    };
    const Tensor& low = need("low_res_masks");
    const Tensor& iou = need("iou_predictions");
    if (low.shape().size() < 3) throw EngineError("decoder low_res_masks " + low.describe() + " is not (K, C, h, w)");
    Tensor full = out.count("masks") ? std::move(out.at("masks")) : sam_upscale(low, h, w, m.prompt.long_side);
    const auto k_total = static_cast<int>(low.shape()[low.shape().size() - 3]);
    const int lh = static_cast<int>(low.shape()[low.shape().size() - 2]), lw = static_cast<int>(low.shape().back());
    const std::size_t lplane = static_cast<std::size_t>(lh) * lw;
    if (start == 0) r.low_res = Tensor(DType::f32, {r.prompts, r.count, lh, lw});
    if (full.numel() != size * k_total * plane || low.numel() != size * k_total * lplane ||
        iou.numel() != size * static_cast<std::size_t>(k_total)) {
      throw EngineError("decoder outputs " + full.describe() + ", " + low.describe() + ", " + iou.describe() +
                        " do not match " + std::to_string(size) + " prompt set(s) on a " + std::to_string(w) + "x" +
                        std::to_string(h) + " image");
    }
    for (std::size_t b = 0; b < n; ++b) {
      for (int i = 0; i < r.count; ++i) {
        const int k = sel[static_cast<std::size_t>(i)];
        if (k < 0 || k >= k_total) throw BundleError("manifest selects mask output " + std::to_string(k) + " of " + std::to_string(k_total));
        const std::size_t src = b * k_total + static_cast<std::size_t>(k), dst = (start + b) * r.count + i;
        std::memcpy(r.logits.f32() + dst * plane, full.f32() + src * plane, plane * sizeof(float));
        std::memcpy(r.low_res.f32() + dst * lplane, low.f32() + src * lplane, lplane * sizeof(float));
        r.scores.push_back(iou.f32()[src]);
      }
    }
    start += n;
  }
  r.masks.resize(r.logits.numel());
  const float* lg = r.logits.f32();
  for (std::size_t j = 0; j < r.masks.size(); ++j) r.masks[j] = lg[j] > m.sam.mask_threshold;
  return r;
}

SamBatchResult SamPredictor::predict(const ImageEmbedding& emb, const std::vector<SamPrompt>& prompts) const {
  return decode(emb, prompts, true);
}

SamResult SamPredictor::predict(const ImageEmbedding& emb, const SamPrompt& prompt) const {
  SamBatchResult b = decode(emb, {prompt}, false);
  SamResult r;
  r.count = b.count;
  r.height = b.height;
  r.width = b.width;
  r.logits = std::move(b.logits);
  r.logits.reshape({b.count, b.height, b.width});
  r.low_res = std::move(b.low_res);
  r.low_res.reshape(std::vector<int64_t>(r.low_res.shape().begin() + 1, r.low_res.shape().end()));
  r.masks = std::move(b.masks);
  r.scores = std::move(b.scores);
  return r;
}

}  // namespace edgevfm
