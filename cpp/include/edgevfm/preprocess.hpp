// Executing the manifest's pre-processing steps: RGB uint8 in, NCHW float32 (batch 1) out.
#pragma once
#include <vector>

#include "edgevfm/image.hpp"
#include "edgevfm/manifest.hpp"
#include "edgevfm/tensor.hpp"

namespace edgevfm {

struct Preprocessed {
  Tensor input;                   // 1x3xHxW float32
  int resized_h = 0, resized_w = 0;  // the image size after the last resize (SAM's input_size)
};

Preprocessed run_preprocess(const ImageView& image, const std::vector<PreStep>& steps);

// (newh, neww) of a longest-side resize to `long_side`, with SAM's rounding: floor(dim * scale + 0.5).
std::pair<int, int> longest_side_shape(int h, int w, int long_side);

}  // namespace edgevfm
