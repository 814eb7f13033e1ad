// SAM (MobileSAM bundles): embed an image once, then decode any number of prompts.
#pragma once
#include <memory>
#include <optional>
#include <vector>

#include "edgevfm/bundle.hpp"
#include "edgevfm/image.hpp"
#include "edgevfm/tensor.hpp"

namespace edgevfm {

// The encoder's output for one image plus the sizes the prompts need. Immutable: share it across
// threads freely (copies share the features).
class ImageEmbedding {
 public:
  ImageEmbedding(std::shared_ptr<const Tensor> features, int orig_h, int orig_w, int input_h, int input_w)
      : features_(std::move(features)), orig_h_(orig_h), orig_w_(orig_w), input_h_(input_h), input_w_(input_w) {}
  const Tensor& features() const { return *features_; }
  int original_height() const { return orig_h_; }
  int original_width() const { return orig_w_; }
  int input_height() const { return input_h_; }  // the image size after the longest-side resize
  int input_width() const { return input_w_; }

 private:
  std::shared_ptr<const Tensor> features_;
  int orig_h_, orig_w_, input_h_, input_w_;
};

struct Point {
  float x, y;  // pixels of the original image
};

struct Box {
  float x0, y0, x1, y1;
};

struct SamPrompt {
  std::vector<Point> points;
  std::vector<int> labels;  // 1 foreground, 0 background; one per point
  std::optional<Box> box;
  const Tensor* mask_input = nullptr;  // 256x256 low-res logits from an earlier predict (1x256x256 / 1x1x256x256 too)
  bool multimask = true;
};

struct SamResult {
  Tensor logits;    // C x H x W float32 at the original size (C = 3 multimask, else 1)
  std::vector<uint8_t> masks;  // C x H x W, 1 where logits > mask_threshold
  std::vector<float> scores;   // C predicted IoUs
  Tensor low_res;   // C x 256 x 256 float32
  int count = 0, height = 0, width = 0;
};

// K prompt sets decoded in one call (the decoder's prompt-batch dimension), the official
// predict_torch semantics: every set has the same number of points, all or none have a box, all or
// none a mask_input, and one multimask setting.
struct SamBatchResult {
  Tensor logits;               // K x C x H x W float32 at the original size
  std::vector<uint8_t> masks;  // K x C x H x W, 1 where logits > mask_threshold
  std::vector<float> scores;   // K x C predicted IoUs
  Tensor low_res;              // K x C x 256 x 256 float32
  int prompts = 0, count = 0, height = 0, width = 0;
};

class SamPredictor {
 public:
  explicit SamPredictor(const Bundle& bundle, const std::string& engine = "", const EngineOptions& options = {});
  ImageEmbedding embed(const ImageView& image) const;
  SamResult predict(const ImageEmbedding& embedding, const SamPrompt& prompt) const;
  // Decoded in chunks of at most max_batch() prompt sets (padded where the decoder's batch is fixed).
  SamBatchResult predict(const ImageEmbedding& embedding, const std::vector<SamPrompt>& prompts) const;
  // Prompt sets per decoder call: the manifest's fixed dim 0 of point_coords, else kDefaultMaxBatch.
  int max_batch() const { return max_batch_; }
  bool fixed_batch() const { return fixed_batch_; }
  static constexpr int kDefaultMaxBatch = 64;  // bounds memory: K x 4 x H x W masks per call
  // The decoder's inputs for a prompt (embedding excluded); exposed for tests and the golden check.
  std::map<std::string, Tensor> decoder_feed(const SamPrompt& prompt, int orig_h, int orig_w) const;
  std::string engine() const { return encoder_->description(); }

 private:
  SamBatchResult decode(const ImageEmbedding& embedding, const std::vector<SamPrompt>& prompts, bool batched) const;
  Bundle bundle_;
  std::shared_ptr<const Session> encoder_, decoder_;
  int max_batch_ = kDefaultMaxBatch;
  bool fixed_batch_ = false;
};

// Host-side upscale of low-res logits (K x n x n) to the original size: bilinear (align_corners=False)
// to long_side², crop the resized region, bilinear to (h, w). Returns K x h x w.
Tensor sam_upscale(const Tensor& low_res, int h, int w, int long_side);

}  // namespace edgevfm
