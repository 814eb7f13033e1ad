// Reading .npy arrays and .npz archives (zip of .npy, stored or deflated), in key order of the archive.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "edgevfm/tensor.hpp"

namespace edgevfm {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

Tensor parse_npy(const void* data, std::size_t len, const std::string& what);
NamedTensors read_npz(const std::string& path);
const Tensor* find_tensor(const NamedTensors& all, const std::string& name);

}  // namespace edgevfm
