// Parity metrics, as the Python runtime defines them (edgevfm_runtime/parity.py).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "edgevfm/tensor.hpp"

namespace edgevfm {

using Metrics = std::map<std::string, double>;

Metrics tensor_metrics(const Tensor& ref, const Tensor& got);  // max_abs, mean_abs, cosine, sqnr_db
double mask_iou(const uint8_t* a, const uint8_t* b, std::size_t n);
// Unpack numpy.packbits(mask, axis=-1) bits of a mask of `shape` into 0/1 bytes.
std::vector<uint8_t> unpack_bits(const Tensor& bits, const std::vector<int64_t>& shape);
// Per-row cosines along the last axis.
std::vector<double> row_cosines(const Tensor& ref, const Tensor& got);
// Threshold violations, e.g. "cosine = 0.9 (needs >= 0.99999)".
std::vector<std::string> failures(const Metrics& m, const std::map<std::string, double>& limits);

}  // namespace edgevfm
