#pragma once
#include <functional>

#include "edgevfm/engine.hpp"

namespace edgevfm::detail {
using SessionFactory = std::function<std::unique_ptr<Session>(const std::string&, const EngineOptions&)>;
#ifdef EDGEVFM_WITH_OPENVINO
std::unique_ptr<Session> open_openvino(const std::string& path, const EngineOptions& options);
#endif
#ifdef EDGEVFM_WITH_EXECUTORCH
std::unique_ptr<Session> open_executorch(const std::string& path, const EngineOptions& options);
#endif
}  // namespace edgevfm::detail
