#include "bench_json.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "edgevfm/sha256.hpp"

namespace edgevfm::tools {

namespace {
using Json = nlohmann::ordered_json;

// numpy.percentile's default (linear interpolation between closest ranks).
double percentile(const std::vector<double>& sorted, double q) {
  const double pos = q / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

// bench/stats.py summarize()
Json summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  const double n = static_cast<double>(v.size()), mean = sum / n, p50 = percentile(v, 50);
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return Json{{"n", v.size()}, {"p50", p50}, {"p90", percentile(v, 90)}, {"p99", percentile(v, 99)}, {"mean", mean},
              {"min", v.front()}, {"max", v.back()}, {"std", v.size() > 1 ? std::sqrt(ss / (n - 1)) : 0.0},
              {"iqr_rel", p50 > 0 ? (percentile(v, 75) - percentile(v, 25)) / p50 : 0.0},
              {"throughput_per_s", mean > 0 ? 1000.0 / mean : 0.0}};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Json loadavg() {
  std::ifstream in("/proc/loadavg");
  double a = 0, b = 0, c = 0;
  if (in >> a >> b >> c) return Json::array({a, b, c});
  return nullptr;
}

// bench/host.py host_facts(), as far as C++ sees it without Python (python: null).
Json host() {
  utsname u{};
  ::uname(&u);
  std::string cpu = u.machine, line;
  std::ifstream info("/proc/cpuinfo");
  while (std::getline(info, line)) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  Json mem = nullptr;
  std::ifstream meminfo("/proc/meminfo");
  while (std::getline(meminfo, line)) {
    if (line.rfind("MemTotal:", 0) == 0) mem = std::stoll(line.substr(9)) / 1024;
  }
  const std::string machine = u.machine;
  return Json{{"cpu", cpu}, {"machine", machine}, {"arch", machine == "x86_64" ? "x86" : machine},
              {"logical_cpus", std::thread::hardware_concurrency()}, {"usable_cpus", std::thread::hardware_concurrency()},
              {"physical_cores", nullptr}, {"isa", Json::object()}, {"memory_mb", mem},
              {"os", std::string(u.sysname) + "-" + u.release + "-" + u.machine}, {"python", nullptr},
              {"loadavg", loadavg()}};
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
  return buf;
}

double number(const Json& v) { return v.is_string() ? std::stod(v.get<std::string>()) : v.get<double>(); }

// bench/contenders.py parity_summary() of the manifest's parity block.
Json parity_summary(const Json& parity) {
  const Json& numbers = parity.contains("metrics") ? parity["metrics"] : parity;
  Json sqnr = nullptr, cos = nullptr, task = Json::object();
  if (numbers.contains("components")) {
    for (const auto& [comp, outs] : numbers["components"].items()) {
      for (const auto& [name, m] : outs.items()) {
        if (m.contains("sqnr_db")) sqnr = sqnr.is_null() ? number(m["sqnr_db"]) : std::min(sqnr.get<double>(), number(m["sqnr_db"]));
        if (m.contains("cosine")) cos = cos.is_null() ? number(m["cosine"]) : std::min(cos.get<double>(), number(m["cosine"]));
      }
    }
  }
  if (numbers.contains("task")) {
    for (const auto& [k, v] : numbers["task"].items()) task[k] = number(v);
  }
  const bool passed = parity.contains("status") ? parity["status"] == "passed" : parity.value("passed", false);
  Json failed = parity.contains("failures") ? parity["failures"] : parity.value("failed", Json::array());
  return Json{{"passed", passed}, {"reference", parity.value("reference", "")}, {"min_sqnr_db", sqnr},
              {"min_cosine", cos}, {"task", task}, {"failed", failed}};
}
}  // namespace

std::string bench_json(const BenchRun& run) {
  const Json m = Json::parse(read_file(run.bundle + "/manifest.json"));
  const std::string name = "cpp:" + m["target"]["preset"].get<std::string>();
  Json files = Json::object();
  int64_t size = 0;
  for (const auto& [comp, c] : m["components"].items()) {
    files[comp] = c["bytes"];
    size += c["bytes"].get<int64_t>();
  }
  Json latency = Json::object(), speedup = Json::object(), samples = Json::object();
  for (const auto& [step, v] : run.samples_ms) {
    latency[step] = summarize(v);
    // One contender: it is its own baseline.
    speedup[step] = Json{{"vs", name}, {"speedup", 1.0}, {"ci95", {1.0, 1.0}}, {"band", {1.0, 1.0}}};
    Json rounded = Json::array();
    for (double x : v) rounded.push_back(std::round(x * 1000.0) / 1000.0);
    samples[step] = rounded;
  }
  const Json row{{"name", name}, {"kind", "bundle"}, {"bundle", run.bundle}, {"preset", m["target"]["preset"]},
                 {"precision", m["target"]["precision"]}, {"weights", m["model"]["weights"]["id"]},
                 {"bundle_sha256", sha256_file(run.bundle + "/manifest.json")}, {"files", files}, {"size_bytes", size},
                 {"engine", run.engine}, {"parity", parity_summary(m["parity"])}, {"latency_ms", latency},
                 {"speedup", speedup}, {"ratios", Json::object()}, {"memory", Json::object()}, {"samples_ms", samples}};
  const Json pre = m.value("preprocess", Json::object());
  const Json group{{"model", m["model"]["name"]}, {"variant", m["model"]["variant"]},
                   {"input_size", pre.value("input_size", Json(nullptr))}, {"headline", run.headline},
                   {"baseline", name}, {"image_shape", run.image_shape}, {"rows", Json::array({row})}};
  Json h = host();
  h["loadavg_after"] = loadavg();
  const Json out{{"schema_version", 1}, {"kind", "edgevfm-bench"}, {"created", now_utc()}, {"command", run.command},
                 {"settings", {{"runs", run.runs}, {"warmup", run.warmup},
                               {"threads", run.threads > 0 ? Json(run.threads) : Json(nullptr)}, {"cool_down_ms", 0.0},
                               {"n_boot", 0}, {"memory", false}, {"order", "one contender, steps in pipeline order"},
                               {"speedup", "median(baseline) / median(row); one contender: 1"}}},
                 {"host", h}, {"tools", {{"edgevfm-cpp", "0.1.0"}}}, {"groups", Json::array({group})}};
  return out.dump(2);
}

}  // namespace edgevfm::tools
