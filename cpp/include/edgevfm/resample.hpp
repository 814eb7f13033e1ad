// Image resizing with Pillow's semantics (Image.resize with BILINEAR / BICUBIC): separable convolution
// whose support grows with the downscale factor (antialiasing), fixed-point coefficients, and a uint8
// image between the horizontal and the vertical pass. Bit-exact with Pillow on 8-bit RGB.
#pragma once
#include "edgevfm/image.hpp"
#include "edgevfm/manifest.hpp"

namespace edgevfm {

RgbImage pillow_resize(const ImageView& in, int out_width, int out_height, Interp interp);

}  // namespace edgevfm
