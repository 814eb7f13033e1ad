// Inference engines behind one small interface. An engine is compiled in or not (CMake options);
// asking for one that was not built is an EngineError naming the option that builds it.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edgevfm/tensor.hpp"

namespace edgevfm {

using Feed = std::map<std::string, const Tensor*>;
using Outputs = std::map<std::string, Tensor>;
using EngineOptions = std::map<std::string, std::string>;

// A loaded model. run() is thread-safe: any number of threads may call it at once.
class Session {
 public:
  virtual ~Session() = default;
  virtual Outputs run(const Feed& feed) const = 0;
  virtual const std::vector<std::string>& input_names() const = 0;
  virtual const std::vector<std::string>& output_names() const = 0;
  virtual std::string description() const = 0;  // "openvino 2026.4 (CPU, f32)"
};

struct EngineInfo {
  std::string name;
  std::vector<std::string> aliases;
  std::string cmake_option;  // e.g. EDGEVFM_WITH_OPENVINO
  bool built = false;
};

std::vector<EngineInfo> engines();
// Open `model_path` with the engine named `name` (or an alias). `options` are the manifest's
// engine_options merged with the caller's (e.g. "threads").
std::unique_ptr<Session> open_session(const std::string& name, const std::string& model_path, const EngineOptions& options);

}  // namespace edgevfm
