// ExecuTorch engine: a .pte program (XNNPACK delegate inside) run by ExecuTorch's C++ Module.
// A .pte has no tensor names: the manifest's engine_options give the positional order
// (input_names / output_names), as for the Python engine.
#include <executorch/extension/module/module.h>
#include <executorch/extension/tensor/tensor.h>

#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>

#include "edgevfm/errors.hpp"
#include "registry.hpp"

namespace edgevfm::detail {

namespace {
namespace et = ::executorch;
using et::aten::ScalarType;

ScalarType et_type(DType d) {
  switch (d) {
    case DType::f32: return ScalarType::Float;
    case DType::f64: return ScalarType::Double;
    case DType::f16: return ScalarType::Half;
    case DType::i64: return ScalarType::Long;
    case DType::i32: return ScalarType::Int;
    case DType::i8: return ScalarType::Char;
    case DType::u8: return ScalarType::Byte;
    case DType::boolean: return ScalarType::Bool;
  }
  throw EngineError("tensor dtype " + dtype_name(d) + " has no ExecuTorch type");
}

DType our_type(ScalarType t) {
  switch (t) {
    case ScalarType::Float: return DType::f32;
    case ScalarType::Double: return DType::f64;
    case ScalarType::Half: return DType::f16;
    case ScalarType::Long: return DType::i64;
    case ScalarType::Int: return DType::i32;
    case ScalarType::Char: return DType::i8;
    case ScalarType::Byte: return DType::u8;
    case ScalarType::Bool: return DType::boolean;
    default: throw EngineError("ExecuTorch output type " + std::to_string(static_cast<int>(t)) + " is not supported");
  }
}

std::vector<std::string> name_list(const EngineOptions& options, const char* key, const std::string& path) {
  const auto it = options.find(key);
  if (it == options.end()) {
    throw BundleError(path + ": a .pte has no tensor names; the manifest's engine_options must give input_names and "
                      "output_names (re-export the bundle)");
  }
  try {
    return nlohmann::json::parse(it->second).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    throw BundleError(path + ": engine_options." + key + " must be a list of names");
  }
}

class EtSession final : public Session {
 public:
  EtSession(const std::string& path, const EngineOptions& options)
      : inputs_(name_list(options, "input_names", path)), outputs_(name_list(options, "output_names", path)),
        module_(path, et::extension::Module::LoadMode::MmapUseMlockIgnoreErrors) {
    if (module_.load_forward() != et::runtime::Error::Ok) throw EngineError("ExecuTorch cannot load " + path);
    auto meta = module_.method_meta("forward");
    if (!meta.ok()) throw EngineError("ExecuTorch: " + path + " has no forward method");
    if (meta->num_inputs() != inputs_.size() || meta->num_outputs() != outputs_.size()) {
      throw BundleError(path + " takes " + std::to_string(meta->num_inputs()) + " inputs / returns " +
                        std::to_string(meta->num_outputs()) + " outputs, the manifest names " + std::to_string(inputs_.size()) +
                        " / " + std::to_string(outputs_.size()) + ": a swapped model file");
    }
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      auto info = meta->input_tensor_meta(i);
      batch_one_ = batch_one_ && info.ok() && !info->sizes().empty() && info->sizes()[0] == 1;
    }
  }

  Outputs run(const Feed& feed) const override {
    const int64_t batch = items(feed);
    if (batch == 0) return run_one(feed);
    // programs are exported at batch 1 (as in the Python engine): a larger batch runs item by item
    std::vector<Outputs> parts;
    for (int64_t b = 0; b < batch; ++b) {
      std::vector<Tensor> slices;
      slices.reserve(inputs_.size());
      Feed one;
      for (const auto& name : inputs_) {
        const Tensor& t = *feed.at(name);
        std::vector<int64_t> shape(t.shape().begin(), t.shape().end());
        shape[0] = 1;
        slices.emplace_back(t.dtype(), shape);
        const std::size_t step = t.nbytes() / static_cast<std::size_t>(batch);
        std::memcpy(slices.back().data(), static_cast<const char*>(t.data()) + step * b, step);
      }
      for (std::size_t i = 0; i < inputs_.size(); ++i) one.emplace(inputs_[i], &slices[i]);
      parts.push_back(run_one(one));
    }
    Outputs out;
    for (const auto& name : outputs_) {
      const Tensor& first = parts.front().at(name);
      std::vector<int64_t> shape(first.shape().begin(), first.shape().end());
      shape[0] = batch * (shape.empty() ? 1 : shape[0]);
      Tensor t(first.dtype(), shape);
      for (int64_t b = 0; b < batch; ++b) {
        const Tensor& p = parts[b].at(name);
        std::memcpy(static_cast<char*>(t.data()) + p.nbytes() * b, p.data(), p.nbytes());
      }
      out.emplace(name, std::move(t));
    }
    return out;
  }

  const std::vector<std::string>& input_names() const override { return inputs_; }
  const std::vector<std::string>& output_names() const override { return outputs_; }
  std::string description() const override { return "executorch (XNNPACK)"; }

 private:
  // B when every input is fixed at leading dim 1 and the feed brings the same B > 1 for all, else 0
  int64_t items(const Feed& feed) const {
    if (!batch_one_) return 0;
    int64_t batch = -1;
    for (const auto& name : inputs_) {
      const auto it = feed.find(name);
      if (it == feed.end() || it->second == nullptr || it->second->shape().empty()) return 0;
      const int64_t b = it->second->shape()[0];
      if (batch != -1 && b != batch) return 0;
      batch = b;
    }
    return batch > 1 ? batch : 0;
  }

  Outputs run_one(const Feed& feed) const {
    std::vector<et::extension::TensorPtr> tensors;
    std::vector<et::runtime::EValue> args;
    for (const auto& name : inputs_) {
      const auto it = feed.find(name);
      if (it == feed.end() || it->second == nullptr) throw InputError("missing model input '" + name + "'");
      const Tensor& t = *it->second;
      std::vector<et::aten::SizesType> sizes(t.shape().begin(), t.shape().end());
      // The program reads its inputs only; ExecuTorch's tensor type takes a non-const pointer.
      tensors.push_back(et::extension::from_blob(const_cast<void*>(t.data()), sizes, et_type(t.dtype())));
      args.emplace_back(*tensors.back());
    }
    std::lock_guard<std::mutex> lock(mu_);  // a loaded Method runs one call at a time
    auto result = module_.forward(args);
    if (!result.ok()) throw EngineError("ExecuTorch inference failed (error " + std::to_string(static_cast<int>(result.error())) + ")");
    Outputs out;
    for (std::size_t i = 0; i < outputs_.size(); ++i) {
      const auto& v = result->at(i);
      if (!v.isTensor()) throw EngineError("ExecuTorch output " + std::to_string(i) + " is not a tensor");
      const auto& r = v.toTensor();
      Tensor t(our_type(r.scalar_type()), std::vector<int64_t>(r.sizes().begin(), r.sizes().end()));
      std::memcpy(t.data(), r.const_data_ptr(), t.nbytes());
      out.emplace(outputs_[i], std::move(t));
    }
    return out;
  }

  std::vector<std::string> inputs_, outputs_;
  bool batch_one_ = true;
  mutable et::extension::Module module_;
  mutable std::mutex mu_;
};
}  // namespace

std::unique_ptr<Session> open_executorch(const std::string& path, const EngineOptions& options) {
  return std::make_unique<EtSession>(path, options);
}

}  // namespace edgevfm::detail
