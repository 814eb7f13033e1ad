#include "registry.hpp"

#include "edgevfm/errors.hpp"

namespace edgevfm {

namespace {
struct Entry {
  EngineInfo info;
  detail::SessionFactory open;
};

const std::vector<Entry>& table() {
  static const std::vector<Entry> entries = {
#ifdef EDGEVFM_WITH_OPENVINO
      {{"openvino", {"ov"}, "EDGEVFM_WITH_OPENVINO", true}, detail::open_openvino},
#else
      {{"openvino", {"ov"}, "EDGEVFM_WITH_OPENVINO", false}, nullptr},
#endif
#ifdef EDGEVFM_WITH_EXECUTORCH
      {{"executorch", {"et"}, "EDGEVFM_WITH_EXECUTORCH", true}, detail::open_executorch},
#else
      {{"executorch", {"et"}, "EDGEVFM_WITH_EXECUTORCH", false}, nullptr},
#endif
      // Built only where find_package finds them (none on the development host).
      {{"tensorrt", {"trt"}, "EDGEVFM_WITH_TENSORRT", false}, nullptr},
      {{"onnxruntime", {"ort"}, "EDGEVFM_WITH_ONNXRUNTIME", false}, nullptr},
  };
  return entries;
}
}  // namespace

std::vector<EngineInfo> engines() {
  std::vector<EngineInfo> out;
  for (const auto& e : table()) out.push_back(e.info);
  return out;
}

std::unique_ptr<Session> open_session(const std::string& name, const std::string& model_path, const EngineOptions& options) {
  for (const auto& e : table()) {
    bool match = e.info.name == name;
    for (const auto& a : e.info.aliases) match = match || a == name;
    if (!match) continue;
    if (!e.open) {
      throw EngineError("engine '" + e.info.name + "' is not built into this edgevfm library; rebuild it with -D" +
                        e.info.cmake_option + "=ON (and the engine's SDK installed where CMake finds it)");
    }
    return e.open(model_path, options);
  }
  std::string known;
  for (const auto& e : table()) known += (known.empty() ? "" : ", ") + e.info.name;
  throw EngineError("unknown engine '" + name + "' (known: " + known + ")");
}

}  // namespace edgevfm
