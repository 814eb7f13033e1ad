// Embedders for DINOv2 and CLIP bundles: image embeddings, dense patch features, text embeddings.
#pragma once
#include <memory>
#include <vector>

#include "edgevfm/bundle.hpp"
#include "edgevfm/image.hpp"

namespace edgevfm {

// CLIP encode_image or DINOv2 x_norm_clstoken: one vector per image.
class ImageEmbedder {
 public:
  explicit ImageEmbedder(const Bundle& bundle, const std::string& engine = "", const EngineOptions& options = {});
  std::vector<float> operator()(const ImageView& image, bool normalize = false) const;
  std::string engine() const { return session_->description(); }

 private:
  Bundle bundle_;
  std::shared_ptr<const Session> session_;
};

// DINOv2 patch features at the export resolution: (H/patch) x (W/patch) x C, row-major.
struct FeatureMap {
  int rows = 0, cols = 0, channels = 0;
  std::vector<float> data;
};

class DenseFeatures {
 public:
  explicit DenseFeatures(const Bundle& bundle, const std::string& engine = "", const EngineOptions& options = {});
  FeatureMap operator()(const ImageView& image) const;

 private:
  Bundle bundle_;
  std::shared_ptr<const Session> session_;
};

// CLIP encode_text on token ids (context_length ids each, the CLIP BPE tokenizer's output).
class TextEmbedder {
 public:
  explicit TextEmbedder(const Bundle& bundle, const std::string& engine = "", const EngineOptions& options = {});
  std::vector<float> operator()(const std::vector<int64_t>& token_ids, bool normalize = false) const;
  int context_length() const { return bundle_.manifest().context_length; }

 private:
  Bundle bundle_;
  std::shared_ptr<const Session> session_;
};

void l2_normalize(std::vector<float>& v);

}  // namespace edgevfm
