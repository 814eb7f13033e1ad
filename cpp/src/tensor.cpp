#include "edgevfm/tensor.hpp"

#include <cstring>
#include <numeric>

#include "edgevfm/errors.hpp"

namespace edgevfm {

namespace {
struct DTypeInfo {
  DType dtype;
  const char* name;
  std::size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::f32, "float32", 4}, {DType::f64, "float64", 8}, {DType::f16, "float16", 2},
    {DType::i64, "int64", 8},   {DType::i32, "int32", 4},   {DType::i8, "int8", 1},
    {DType::u8, "uint8", 1},    {DType::boolean, "bool", 1},
};

float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits = 0;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f = 0;
  std::memcpy(&f, &bits, 4);
  return f;
}
}  // namespace

DType dtype_from_name(const std::string& name) {
  for (const auto& d : kDTypes) {
    if (name == d.name) return d.dtype;
  }
  throw BundleError("unsupported tensor dtype '" + name + "'");
}

std::string dtype_name(DType d) {
  for (const auto& info : kDTypes) {
    if (info.dtype == d) return info.name;
  }
  return "?";
}

std::size_t dtype_size(DType d) {
  for (const auto& info : kDTypes) {
    if (info.dtype == d) return info.size;
  }
  return 0;
}

Tensor::Tensor(DType dtype, std::vector<int64_t> shape) : dtype_(dtype), shape_(std::move(shape)) {
  for (auto s : shape_) {
    if (s < 0) throw InputError("negative tensor dimension");
  }
  bytes_.assign(numel() * dtype_size(dtype_), 0);
}

Tensor Tensor::from_floats(std::vector<int64_t> shape, const std::vector<float>& values) {
  Tensor t(DType::f32, std::move(shape));
  if (t.numel() != values.size()) throw InputError("Tensor::from_floats: value count does not match the shape");
  if (!values.empty()) std::memcpy(t.data(), values.data(), values.size() * sizeof(float));
  return t;
}

std::size_t Tensor::numel() const {
  return std::accumulate(shape_.begin(), shape_.end(), std::size_t{1},
                         [](std::size_t a, int64_t b) { return a * static_cast<std::size_t>(b); });
}

float* Tensor::f32() {
  if (dtype_ != DType::f32) throw InputError("tensor " + describe() + " is not float32");
  return reinterpret_cast<float*>(bytes_.data());
}

const float* Tensor::f32() const {
  if (dtype_ != DType::f32) throw InputError("tensor " + describe() + " is not float32");
  return reinterpret_cast<const float*>(bytes_.data());
}

std::vector<double> Tensor::to_double() const {
  const std::size_t n = numel();
  std::vector<double> out(n);
  const uint8_t* p = bytes_.data();
  for (std::size_t i = 0; i < n; ++i) {
    switch (dtype_) {
      case DType::f32: { float v; std::memcpy(&v, p + 4 * i, 4); out[i] = v; break; }
      case DType::f64: { double v; std::memcpy(&v, p + 8 * i, 8); out[i] = v; break; }
      case DType::f16: { uint16_t v; std::memcpy(&v, p + 2 * i, 2); out[i] = half_to_float(v); break; }
      case DType::i64: { int64_t v; std::memcpy(&v, p + 8 * i, 8); out[i] = static_cast<double>(v); break; }
      case DType::i32: { int32_t v; std::memcpy(&v, p + 4 * i, 4); out[i] = v; break; }
      case DType::i8: out[i] = static_cast<int8_t>(p[i]); break;
      case DType::u8:
      case DType::boolean: out[i] = p[i]; break;
    }
  }
  return out;
}

std::string Tensor::describe() const {
  std::string s = dtype_name(dtype_) + "[";
  for (std::size_t i = 0; i < shape_.size(); ++i) s += (i ? "," : "") + std::to_string(shape_[i]);
  return s + "]";
}

void Tensor::reshape(std::vector<int64_t> shape) {
  std::size_t n = 1;
  std::string dims;
  for (auto d : shape) {
    if (d < 0) throw InputError("negative tensor dimension");
    n *= static_cast<std::size_t>(d);
    dims += (dims.empty() ? "" : ",") + std::to_string(d);
  }
  if (n != numel()) throw InputError("cannot reshape " + describe() + " to [" + dims + "]");
  shape_ = std::move(shape);
}

}  // namespace edgevfm
