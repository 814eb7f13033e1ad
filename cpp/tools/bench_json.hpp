// edgevfm-cpp bench --json: the result in the fields `edgevfm-rt bench --json` writes (runtime/
// edgevfm_runtime/bench/core.py: envelope, groups, rows, latency percentiles), for one contender.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace edgevfm::tools {

struct BenchRun {
  std::string bundle, engine, command;
  int runs = 0, warmup = 0, threads = 0;  // threads 0: the engine's default
  std::vector<int> image_shape;           // H, W, 3
  std::map<std::string, std::vector<double>> samples_ms;  // step -> one value per run
  std::string headline = "pipeline";
};

std::string bench_json(const BenchRun& run);

}  // namespace edgevfm::tools
