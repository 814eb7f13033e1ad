#include "edgevfm/check.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "edgevfm/errors.hpp"
#include "edgevfm/preprocess.hpp"

namespace edgevfm {

namespace {
// golden.npz keys are {component}/{case}/{in|out|src}/{tensor}; cases keep the archive's order.
struct Case {
  std::string name;
  std::map<std::string, const Tensor*> in, out, src;
};
using Cases = std::map<std::string, std::vector<Case>>;

Cases parse_golden(const NamedTensors& golden) {
  Cases cases;
  for (const auto& [key, t] : golden) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t p = key.find('/'); p != std::string::npos; p = key.find('/', start)) {
      parts.push_back(key.substr(start, p - start));
      start = p + 1;
    }
    parts.push_back(key.substr(start));
    if (parts.size() != 4 || (parts[2] != "in" && parts[2] != "out" && parts[2] != "src")) continue;
    auto& list = cases[parts[0]];
    auto it = std::find_if(list.begin(), list.end(), [&](const Case& c) { return c.name == parts[1]; });
    if (it == list.end()) it = list.insert(list.end(), Case{parts[1], {}, {}, {}});
    (parts[2] == "in" ? it->in : parts[2] == "out" ? it->out : it->src)[parts[3]] = &t;
  }
  return cases;
}

// family -> {component input: (source component, source output)}: how components chain.
const std::map<std::string, std::map<std::string, std::pair<std::string, std::string>>>& pipelines() {
  static const std::map<std::string, std::map<std::string, std::pair<std::string, std::string>>> p = {
      {"mobilesam", {{"decoder.image_embeddings", {"encoder", "image_embeddings"}}}}};
  return p;
}

struct Context {
  const Bundle& bundle;
  const Cases& cases;
  std::map<std::string, std::shared_ptr<const Session>> sessions;
  std::map<std::string, Outputs> outputs;  // "component/case" -> outputs with reference upstream inputs
};

// The feed of one case: stored inputs, the image input rebuilt by this runtime's pre-processing,
// chained inputs from `upstream`.
std::map<std::string, Tensor> feed_of(const Bundle& b, const std::string& comp, const Case& c, Feed& feed,
                                      const std::map<std::string, const Tensor*>* upstream) {
  std::map<std::string, Tensor> owned;
  for (const auto& [k, v] : c.in) feed[k] = v;
  auto img = c.src.find("image");
  if (img != c.src.end()) {
    const Tensor& t = *img->second;
    if (t.dtype() != DType::u8 || t.shape().size() != 3 || t.shape()[2] != 3) throw BundleError("golden image is not HxWx3 uint8");
    ImageView v{static_cast<const uint8_t*>(t.data()), static_cast<int>(t.shape()[1]), static_cast<int>(t.shape()[0]), 0};
    const std::string first = b.manifest().component(comp).inputs.front().name;
    owned[first] = run_preprocess(v, b.manifest().preprocess.steps).input;
    feed[first] = &owned[first];
  }
  const auto fam = pipelines().find(b.manifest().family);
  if (fam != pipelines().end() && upstream != nullptr) {
    for (const auto& [target, source] : fam->second) {
      if (target.rfind(comp + ".", 0) != 0) continue;
      auto it = upstream->find(source.second);
      if (it == upstream->end()) throw BundleError("golden has no upstream " + source.first + "." + source.second);
      feed[target.substr(comp.size() + 1)] = it->second;
    }
  }
  return owned;
}

std::vector<int64_t> mask_shape(const Tensor& shape_t) {
  const auto d = shape_t.to_double();
  return std::vector<int64_t>(d.begin(), d.end());
}

// Worst IoU of the packed reference masks against got > 0.
double worst_iou(const Tensor& bits, const Tensor& shape_t, const Tensor& got) {
  const auto shape = mask_shape(shape_t);
  const auto ref = unpack_bits(bits, shape);
  if (got.numel() != ref.size()) throw EngineError("mask output " + got.describe() + " does not match the reference masks");
  const auto g = got.to_double();
  std::vector<uint8_t> gm(g.size());
  for (std::size_t i = 0; i < g.size(); ++i) gm[i] = g[i] > 0;
  const auto plane = static_cast<std::size_t>(shape[shape.size() - 1] * shape[shape.size() - 2]);
  double worst = 1.0;
  for (std::size_t off = 0; off < ref.size(); off += plane) worst = std::min(worst, mask_iou(&ref[off], &gm[off], plane));
  return worst;
}

Metrics merge(const Metrics& acc, const Metrics& m) {
  Metrics out = acc;
  for (const auto& [k, v] : m) {
    const bool lower_better = k == "max_abs" || k == "mean_abs";
    auto it = out.find(k);
    out[k] = it == out.end() ? v : (lower_better ? std::max(it->second, v) : std::min(it->second, v));
  }
  return out;
}

std::map<std::string, const Tensor*> view(const Outputs& o) {
  std::map<std::string, const Tensor*> v;
  for (const auto& [k, t] : o) v[k] = &t;
  return v;
}

// --- task metrics per family -------------------------------------------------------------------
using TaskFn = std::function<Metrics(Context&)>;

Metrics sam_task(Context& ctx) {
  if (!ctx.sessions.count("encoder") || !ctx.sessions.count("decoder") || !ctx.cases.count("decoder")) return {};
  double worst = 1.0;
  for (const auto& c : ctx.cases.at("decoder")) {
    if (!c.out.count("masks_bits")) continue;
    const auto up = view(ctx.outputs.at("encoder/" + c.name.substr(0, c.name.find('.'))));
    Feed feed;
    auto owned = feed_of(ctx.bundle, "decoder", c, feed, &up);
    const Outputs got = ctx.sessions.at("decoder")->run(feed);
    worst = std::min(worst, worst_iou(*c.out.at("masks_bits"), *c.out.at("masks_bits_shape"), got.at("masks")));
  }
  return {{"mask_iou", worst}};
}

double worst_rows(Context& ctx, const std::string& comp, const std::string& output, bool mean) {
  double worst = std::numeric_limits<double>::quiet_NaN();
  if (!ctx.cases.count(comp)) return worst;
  for (const auto& c : ctx.cases.at(comp)) {
    auto key = comp + "/" + c.name;
    if (!c.out.count(output) || !ctx.outputs.count(key) || !ctx.outputs.at(key).count(output)) continue;
    const auto cos = row_cosines(*c.out.at(output), ctx.outputs.at(key).at(output));
    double v = mean ? 0.0 : 1.0;
    for (double x : cos) v = mean ? v + x / static_cast<double>(cos.size()) : std::min(v, x);
    worst = std::isnan(worst) ? v : std::min(worst, v);
  }
  return worst;
}

Metrics dinov2_task(Context& ctx) {
  Metrics m;
  const auto& man = ctx.bundle.manifest();
  const double cls = worst_rows(ctx, "encoder", man.image_output, false);
  const double patch = worst_rows(ctx, "encoder", man.patch_output, true);
  if (!std::isnan(cls)) m["cls_cosine"] = cls;
  if (!std::isnan(patch)) m["patch_cosine"] = patch;
  return m;
}

Metrics clip_task(Context& ctx) {
  const auto& man = ctx.bundle.manifest();
  double worst = std::numeric_limits<double>::quiet_NaN();
  for (const auto& [comp, out] : {std::make_pair(std::string("encoder"), man.image_output), std::make_pair(std::string("text"), man.text_output)}) {
    const double v = worst_rows(ctx, comp, out, false);
    if (!std::isnan(v)) worst = std::isnan(worst) ? v : std::min(worst, v);
  }
  return std::isnan(worst) ? Metrics{} : Metrics{{"embed_cosine", worst}};
}

const std::map<std::string, TaskFn>& task_metrics() {
  static const std::map<std::string, TaskFn> t = {{"mobilesam", sam_task}, {"dinov2", dinov2_task}, {"clip", clip_task}};
  return t;
}
}  // namespace

std::vector<std::string> CheckReport::failed() const {
  std::vector<std::string> out;
  for (const auto& [comp, outs] : component_failures) {
    for (const auto& [name, fails] : outs) {
      for (const auto& f : fails) out.push_back(comp + "." + name + ": " + f);
    }
  }
  for (const auto& f : task_failures) out.push_back("task: " + f);
  return out;
}

std::string CheckReport::to_json() const {
  nlohmann::ordered_json j;
  j["reference"] = reference;
  j["engine"] = engine;
  j["passed"] = passed();
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(v > 0 ? "inf" : "-inf"); };
  for (const auto& [comp, outs] : components) {
    for (const auto& [name, m] : outs) {
      for (const auto& [k, v] : m) j["components"][comp][name][k] = num(v);
      j["components"][comp][name]["failures"] = component_failures.at(comp).at(name);
    }
  }
  j["task"] = nlohmann::json::object();
  for (const auto& [k, v] : task) j["task"][k] = num(v);
  j["failed"] = failed();
  return j.dump(2);
}

CheckReport run_check(const Bundle& bundle, const std::string& engine, const EngineOptions& options) {
  const NamedTensors golden = bundle.golden();
  const Cases cases = parse_golden(golden);
  const Manifest& m = bundle.manifest();
  Context ctx{bundle, cases, {}, {}};
  CheckReport report;
  // Upstream components first (their outputs feed the chained ones' task metrics).
  std::vector<std::string> order;
  for (const auto& c : m.components) {
    if (cases.count(c.name)) order.push_back(c.name);
  }
  for (const auto& comp : order) ctx.sessions[comp] = bundle.session(comp, engine, options);
  if (!order.empty()) report.engine = ctx.sessions.at(order.front())->description();
  const auto fam = pipelines().find(m.family);
  for (const auto& comp : order) {
    std::string src;
    if (fam != pipelines().end()) {
      for (const auto& [target, source] : fam->second) {
        if (target.rfind(comp + ".", 0) == 0) src = source.first;
      }
    }
    std::map<std::string, Metrics> merged;
    for (const auto& c : cases.at(comp)) {
      std::map<std::string, const Tensor*> upstream;
      if (!src.empty()) {
        const std::string up_case = c.name.substr(0, c.name.find('.'));
        const auto& up_list = cases.at(src);
        auto it = std::find_if(up_list.begin(), up_list.end(), [&](const Case& u) { return u.name == up_case; });
        if (it == up_list.end()) throw BundleError("golden.npz has no " + src + " case '" + up_case + "'");
        upstream = it->out;
      }
      Feed feed;
      auto owned = feed_of(bundle, comp, c, feed, src.empty() ? nullptr : &upstream);
      Outputs got = ctx.sessions.at(comp)->run(feed);
      for (const auto& [name, ref] : c.out) {
        const std::string& key = name;  // a structured binding cannot be captured before C++20
        const auto ends = [&key](const std::string& suf) { return key.size() > suf.size() && key.compare(key.size() - suf.size(), suf.size(), suf) == 0; };
        if (ends("_bits_shape")) continue;
        if (ends("_bits")) {
          const std::string base = name.substr(0, name.size() - 5);
          if (!got.count(base)) throw EngineError(comp + " returned no '" + base + "'");
          merged[base] = merge(merged[base], {{"mask_iou", worst_iou(*ref, *c.out.at(name + "_shape"), got.at(base))}});
          continue;
        }
        if (!got.count(name)) throw EngineError(comp + " returned no '" + name + "'");
        merged[name] = merge(merged[name], tensor_metrics(*ref, got.at(name)));
      }
      ctx.outputs[comp + "/" + c.name] = std::move(got);
    }
    const auto limits = m.thresholds.count(comp) ? m.thresholds.at(comp) : std::map<std::string, std::map<std::string, double>>{};
    for (const auto& [name, metrics] : merged) {
      report.components[comp][name] = metrics;
      report.component_failures[comp][name] = failures(metrics, limits.count(name) ? limits.at(name) : std::map<std::string, double>{});
    }
  }
  const auto task = task_metrics().find(m.family);
  if (task != task_metrics().end()) report.task = task->second(ctx);
  if (m.thresholds.count("task") && m.thresholds.at("task").count("")) report.task_failures = failures(report.task, m.thresholds.at("task").at(""));
  return report;
}

}  // namespace edgevfm
