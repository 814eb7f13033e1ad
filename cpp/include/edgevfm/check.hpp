// Parity of a bundle against its golden.npz, as `edgevfm-rt check` computes it: each component on
// the reference inputs (images re-preprocessed by this runtime), then the family's task metrics.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "edgevfm/bundle.hpp"
#include "edgevfm/metrics.hpp"

namespace edgevfm {

struct CheckReport {
  std::string reference = "golden.npz", engine;
  // component -> output -> metrics; failures alongside.
  std::map<std::string, std::map<std::string, Metrics>> components;
  std::map<std::string, std::map<std::string, std::vector<std::string>>> component_failures;
  Metrics task;
  std::vector<std::string> task_failures;

  std::vector<std::string> failed() const;
  bool passed() const { return failed().empty(); }
  std::string to_json() const;
};

CheckReport run_check(const Bundle& bundle, const std::string& engine = "", const EngineOptions& options = {});

}  // namespace edgevfm
