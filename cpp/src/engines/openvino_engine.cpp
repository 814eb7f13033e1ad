// OpenVINO engine (CPU by default). The inference precision is always set: the CPU plugin otherwise
// runs bf16 on CPUs with AVX-512 BF16/AMX, which silently breaks FP32 parity.
#include <openvino/openvino.hpp>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "edgevfm/errors.hpp"
#include "registry.hpp"

namespace edgevfm::detail {

namespace {
ov::element::Type ov_type(DType d) {
  switch (d) {
    case DType::f32: return ov::element::f32;
    case DType::f64: return ov::element::f64;
    case DType::f16: return ov::element::f16;
    case DType::i64: return ov::element::i64;
    case DType::i32: return ov::element::i32;
    case DType::i8: return ov::element::i8;
    case DType::u8: return ov::element::u8;
    case DType::boolean: return ov::element::boolean;
  }
  throw EngineError("tensor dtype " + dtype_name(d) + " has no OpenVINO type");
}

DType our_type(const ov::element::Type& t) {
  if (t == ov::element::f32) return DType::f32;
  if (t == ov::element::f64) return DType::f64;
  if (t == ov::element::f16) return DType::f16;
  if (t == ov::element::i64) return DType::i64;
  if (t == ov::element::i32) return DType::i32;
  if (t == ov::element::i8) return DType::i8;
  if (t == ov::element::u8) return DType::u8;
  if (t == ov::element::boolean) return DType::boolean;
  throw EngineError("OpenVINO output type " + t.get_type_name() + " is not supported");
}

// A port's contract name: IRs converted elsewhere may carry extra internal names ("/Cast_7_output_0").
std::string port_name(const ov::Output<const ov::Node>& port) {
  std::vector<std::string> names(port.get_names().begin(), port.get_names().end());
  if (names.empty()) return port.get_any_name();
  auto internal = [](const std::string& n) { return !n.empty() && (n[0] == '/' || n.find(':') != std::string::npos); };
  std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    return std::make_pair(internal(a), a) < std::make_pair(internal(b), b);
  });
  return names.front();
}

class OvSession final : public Session {
 public:
  OvSession(const std::string& path, const EngineOptions& options) {
    std::string device = "CPU";
    ov::AnyMap config{{"PERFORMANCE_HINT", "LATENCY"}, {"INFERENCE_PRECISION_HINT", "f32"}};
    for (const auto& [k, v] : options) {
      if (k == "device") device = v;
      else if (k == "threads") config["INFERENCE_NUM_THREADS"] = std::stoi(v);
      else config[k] = v;
    }
    try {
      compiled_ = core_.compile_model(core_.read_model(path), device, config);
      precision_ = compiled_.get_property("INFERENCE_PRECISION_HINT").as<std::string>();
    } catch (const ov::Exception& e) {
      throw EngineError("OpenVINO cannot load " + path + ": " + e.what());
    }
    description_ = "openvino " + std::string(ov::get_openvino_version().buildNumber) + " (" + device + ", " + precision_ + ")";
    for (const auto& p : compiled_.inputs()) inputs_.push_back(port_name(p));
    for (const auto& p : compiled_.outputs()) outputs_.push_back(port_name(p));
  }

  Outputs run(const Feed& feed) const override {
    ov::InferRequest request = acquire();
    Outputs out;
    try {
      for (std::size_t i = 0; i < inputs_.size(); ++i) {
        const auto it = feed.find(inputs_[i]);
        if (it == feed.end() || it->second == nullptr) throw InputError("missing model input '" + inputs_[i] + "'");
        const Tensor& t = *it->second;
        ov::Shape shape(t.shape().begin(), t.shape().end());
        // The engine only reads inputs; OpenVINO's tensor type takes a non-const pointer.
        ov::Tensor ov_t(ov_type(t.dtype()), shape, const_cast<void*>(t.data()));
        request.set_input_tensor(i, ov_t);
      }
      request.infer();
      for (std::size_t i = 0; i < outputs_.size(); ++i) {
        const ov::Tensor r = request.get_output_tensor(i);
        const ov::Shape& s = r.get_shape();
        Tensor t(our_type(r.get_element_type()), std::vector<int64_t>(s.begin(), s.end()));
        std::memcpy(t.data(), r.data(), t.nbytes());
        out.emplace(outputs_[i], std::move(t));
      }
    } catch (const ov::Exception& e) {
      release(std::move(request));
      throw EngineError(std::string("OpenVINO inference failed: ") + e.what());
    }
    release(std::move(request));
    return out;
  }

  const std::vector<std::string>& input_names() const override { return inputs_; }
  const std::vector<std::string>& output_names() const override { return outputs_; }
  std::string description() const override { return description_; }

 private:
  // A compiled model is thread-safe, an infer request is not: a pool hands one to each concurrent run.
  ov::InferRequest acquire() const {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!pool_.empty()) {
        ov::InferRequest r = std::move(pool_.back());
        pool_.pop_back();
        return r;
      }
    }
    return const_cast<ov::CompiledModel&>(compiled_).create_infer_request();
  }
  void release(ov::InferRequest r) const {
    std::lock_guard<std::mutex> lock(mu_);
    pool_.push_back(std::move(r));
  }

  ov::Core core_;
  ov::CompiledModel compiled_;
  std::string precision_, description_;
  std::vector<std::string> inputs_, outputs_;
  mutable std::mutex mu_;
  mutable std::vector<ov::InferRequest> pool_;
};
}  // namespace

std::unique_ptr<Session> open_openvino(const std::string& path, const EngineOptions& options) {
  return std::make_unique<OvSession>(path, options);
}

}  // namespace edgevfm::detail
