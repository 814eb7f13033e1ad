// A dense host tensor: dtype, shape and owned bytes (row-major).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace edgevfm {

enum class DType { f32, f64, f16, i64, i32, i8, u8, boolean };

DType dtype_from_name(const std::string& name);  // manifest names: "float32", "int64", ...
std::string dtype_name(DType d);
std::size_t dtype_size(DType d);

class Tensor {
 public:
  Tensor() = default;
  Tensor(DType dtype, std::vector<int64_t> shape);
  static Tensor from_floats(std::vector<int64_t> shape, const std::vector<float>& values);

  DType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  std::size_t numel() const;
  std::size_t nbytes() const { return bytes_.size(); }
  void* data() { return bytes_.data(); }
  const void* data() const { return bytes_.data(); }
  float* f32();              // throws unless dtype is f32
  const float* f32() const;  // throws unless dtype is f32
  // Every element converted to double (any numeric dtype), for metrics and comparisons.
  std::vector<double> to_double() const;
  std::string describe() const;  // "float32[1,3,224,224]"
  // The same elements under another shape (same count; throws InputError otherwise).
  void reshape(std::vector<int64_t> shape);

 private:
  DType dtype_ = DType::f32;
  std::vector<int64_t> shape_;
  std::vector<uint8_t> bytes_;
};

}  // namespace edgevfm
