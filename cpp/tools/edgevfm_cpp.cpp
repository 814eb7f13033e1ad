// edgevfm-cpp: run | check | bench a bundle with the C++ runtime (mirrors edgevfm-rt).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "edgevfm/check.hpp"
#include "edgevfm/embed.hpp"
#include "edgevfm/errors.hpp"
#include "edgevfm/preprocess.hpp"
#include "edgevfm/sam.hpp"
#include "bench_json.hpp"

namespace {
using Clock = std::chrono::steady_clock;

const char* kUsage =
    "usage: edgevfm-cpp check BUNDLE [--engine E] [--json] [--trust PUBKEY.pem]...\n"
    "       edgevfm-cpp run BUNDLE IMAGE [--engine E] [--point X,Y[,L]]... [--box X0,Y0,X1,Y1] [--single] [-o MASK.pgm]\n"
    "       edgevfm-cpp bench BUNDLE IMAGE [--engine E] [--runs N] [--threads T] [--json]\n";

struct Args {
  std::string cmd, bundle, image, engine, output;
  std::vector<std::vector<float>> points;
  std::vector<float> box;
  bool json = false, single = false;
  int runs = 10;
  edgevfm::EngineOptions options;
  edgevfm::OpenOptions open;  // --trust KEY (repeatable): the bundle's signature is checked
};

edgevfm::Bundle open_bundle(const Args& a) {
  auto bundle = edgevfm::Bundle::open(a.bundle, a.open);
  if (!bundle.signed_by().empty()) std::cerr << "signature: valid, by trusted key " << bundle.signed_by() << "\n";
  return bundle;
}

std::vector<float> numbers(const std::string& s, const char* what) {
  std::vector<float> v;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto end = s.find(',', start);
    try {
      v.push_back(std::stof(s.substr(start, end - start)));
    } catch (const std::exception&) {
      throw edgevfm::InputError(std::string(what) + " '" + s + "' must be comma-separated numbers");
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return v;
}

Args parse(int argc, char** argv) {
  if (argc < 3) throw edgevfm::InputError(kUsage);
  Args a;
  a.cmd = argv[1];
  std::vector<std::string> pos;
  for (int i = 2; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw edgevfm::InputError(s + " needs a value");
      return argv[++i];
    };
    if (s == "--engine") a.engine = value();
    else if (s == "--json") a.json = true;
    else if (s == "--single") a.single = true;
    else if (s == "--point") a.points.push_back(numbers(value(), "--point"));
    else if (s == "--box") a.box = numbers(value(), "--box");
    else if (s == "-o" || s == "--output") a.output = value();
    else if (s == "--runs") a.runs = std::stoi(value());
    else if (s == "--threads") a.options["threads"] = value();
    else if (s == "--trust") {
      if (!a.open.trusted_keys) a.open.trusted_keys.emplace();
      a.open.trusted_keys->push_back(value());
    }
    else if (!s.empty() && s[0] == '-') throw edgevfm::InputError("unknown option " + s + "\n" + kUsage);
    else pos.push_back(s);
  }
  if (pos.empty()) throw edgevfm::InputError(kUsage);
  a.bundle = pos[0];
  if (pos.size() > 1) a.image = pos[1];
  return a;
}

edgevfm::SamPrompt prompt_of(const Args& a, int w, int h) {
  edgevfm::SamPrompt p;
  for (const auto& pt : a.points) {
    if (pt.size() != 2 && pt.size() != 3) throw edgevfm::InputError("--point takes X,Y or X,Y,LABEL");
    p.points.push_back({pt[0], pt[1]});
    p.labels.push_back(pt.size() == 3 ? static_cast<int>(pt[2]) : 1);
  }
  if (!a.box.empty()) {
    if (a.box.size() != 4) throw edgevfm::InputError("--box takes X0,Y0,X1,Y1");
    p.box = edgevfm::Box{a.box[0], a.box[1], a.box[2], a.box[3]};
  }
  if (p.points.empty() && !p.box) p.points.push_back({static_cast<float>(w) / 2.0f, static_cast<float>(h) / 2.0f}), p.labels.push_back(1);
  p.multimask = !a.single;
  return p;
}

int cmd_check(const Args& a) {
  const auto bundle = open_bundle(a);
  const auto report = edgevfm::run_check(bundle, a.engine, a.options);
  if (a.json) {
    std::cout << report.to_json() << "\n";
  } else {
    std::cout << bundle.manifest().name << " " << bundle.manifest().preset << " on " << report.engine << "\n";
    for (const auto& [comp, outs] : report.components) {
      for (const auto& [name, m] : outs) {
        std::printf("  %s.%s:", comp.c_str(), name.c_str());
        for (const auto& [k, v] : m) std::printf(" %s=%.6g", k.c_str(), v);
        std::printf("\n");
      }
    }
    for (const auto& [k, v] : report.task) std::printf("  task.%s=%.6g\n", k.c_str(), v);
    for (const auto& f : report.failed()) std::cout << "  FAIL " << f << "\n";
  }
  std::cout << (report.passed() ? "PASSED" : "FAILED") << "\n";
  return report.passed() ? 0 : 1;
}

int cmd_run(const Args& a) {
  if (a.image.empty()) throw edgevfm::InputError(kUsage);
  const auto bundle = open_bundle(a);
  const auto img = edgevfm::load_image(a.image);
  const std::string& family = bundle.manifest().family;
  if (family == "mobilesam") {
    edgevfm::SamPredictor sam(bundle, a.engine, a.options);
    const auto r = sam.predict(sam.embed(img.view()), prompt_of(a, img.width(), img.height()));
    int best = 0;
    for (int i = 1; i < r.count; ++i) best = r.scores[static_cast<std::size_t>(i)] > r.scores[static_cast<std::size_t>(best)] ? i : best;
    std::size_t area = 0;
    const std::size_t plane = static_cast<std::size_t>(r.width) * r.height;
    for (std::size_t j = 0; j < plane; ++j) area += r.masks[best * plane + j];
    std::printf("{\"engine\": \"%s\", \"masks\": %d, \"best\": %d, \"score\": %.6f, \"area\": %zu}\n", sam.engine().c_str(), r.count,
                best, static_cast<double>(r.scores[static_cast<std::size_t>(best)]), area);
    if (!a.output.empty()) {
      std::ofstream out(a.output, std::ios::binary);
      out << "P5\n" << r.width << " " << r.height << "\n255\n";
      for (std::size_t j = 0; j < plane; ++j) out.put(r.masks[best * plane + j] ? static_cast<char>(255) : 0);
      if (!out) throw edgevfm::InputError("cannot write " + a.output);
    }
    return 0;
  }
  edgevfm::ImageEmbedder embed(bundle, a.engine, a.options);
  const auto v = embed(img.view(), true);
  std::printf("{\"family\": \"%s\", \"dim\": %zu, \"head\": [", family.c_str(), v.size());
  for (std::size_t i = 0; i < std::min<std::size_t>(5, v.size()); ++i) std::printf("%s%.6f", i ? ", " : "", static_cast<double>(v[i]));
  std::printf("]}\n");
  return 0;
}

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// The SAM pipeline as edgevfm-rt's bench times it: set_image (pre-processing + encoder), predict
// (decoder + mask post-processing), pipeline (their sum per run); preprocess on its own as well.
int cmd_bench(const Args& a, const std::string& command) {
  if (a.image.empty()) throw edgevfm::InputError(kUsage);
  if (a.runs < 1) throw edgevfm::InputError("--runs must be >= 1");
  const auto bundle = open_bundle(a);
  if (bundle.manifest().family != "mobilesam") throw edgevfm::InputError("bench times the SAM pipeline; give a MobileSAM bundle");
  const auto img = edgevfm::load_image(a.image);
  edgevfm::SamPredictor sam(bundle, a.engine, a.options);
  const auto prompt = prompt_of(a, img.width(), img.height());
  edgevfm::tools::BenchRun run;
  sam.predict(sam.embed(img.view()), prompt);  // warm-up
  for (int i = 0; i < a.runs; ++i) {
    auto t0 = Clock::now();
    const auto pre = edgevfm::run_preprocess(img.view(), bundle.manifest().preprocess.steps);
    run.samples_ms["preprocess"].push_back(ms_since(t0));
    (void)pre;
    t0 = Clock::now();
    const auto emb = sam.embed(img.view());
    run.samples_ms["set_image"].push_back(ms_since(t0));
    t0 = Clock::now();
    const auto r = sam.predict(emb, prompt);
    run.samples_ms["predict"].push_back(ms_since(t0));
    (void)r;
    run.samples_ms["pipeline"].push_back(run.samples_ms["set_image"].back() + run.samples_ms["predict"].back());
  }
  run.bundle = bundle.root();
  run.engine = sam.engine();
  run.command = command;
  run.runs = a.runs;
  run.warmup = 1;
  run.threads = a.options.count("threads") ? std::stoi(a.options.at("threads")) : 0;
  run.image_shape = {img.height(), img.width(), 3};
  if (a.json) {
    std::cout << edgevfm::tools::bench_json(run) << "\n";
    return 0;
  }
  std::printf("%s on %s, %d runs (ms: p50 / min / max)\n", bundle.root().c_str(), run.engine.c_str(), a.runs);
  for (const auto& [step, v] : run.samples_ms) {
    std::vector<double> s = v;
    std::sort(s.begin(), s.end());
    std::printf("  %-10s %9.2f %9.2f %9.2f\n", step.c_str(), s[s.size() / 2], s.front(), s.back());
  }
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse(argc, argv);
    if (a.cmd == "check") return cmd_check(a);
    if (a.cmd == "run") return cmd_run(a);
    if (a.cmd == "bench") {
      std::string command = "edgevfm-cpp";
      for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
      return cmd_bench(a, command);
    }
    throw edgevfm::InputError("unknown command '" + a.cmd + "'\n" + kUsage);
  } catch (const edgevfm::Error& e) {
    std::cerr << "edgevfm-cpp: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "edgevfm-cpp: internal error: " << e.what() << "\n";
    return 3;
  }
}
