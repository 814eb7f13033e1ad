#include "edgevfm/manifest.hpp"

#include "json_schema.hpp"
#include "manifest_json.hpp"
#include "manifest_schema.hpp"
#include "preprocess_legacy.hpp"

namespace edgevfm {

using detail::field;
using detail::get;
using detail::get_or;
using detail::Json;

void check_relative(const std::string& rel, const std::string& field_name) {
  if (rel.empty() || rel.front() == '/' || rel.front() == '\\') {
    throw BundleError("manifest field " + field_name + " must be a relative path inside the bundle, got '" + rel + "'");
  }
  std::size_t start = 0;
  while (start <= rel.size()) {
    const auto end = rel.find('/', start);
    const std::string part = rel.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (part == ".." || part.empty() || part.find('\\') != std::string::npos) {
      throw BundleError("manifest field " + field_name + " = '" + rel + "' leaves the bundle or is not a plain path");
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

namespace {

std::string option_text(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

TensorSpec parse_tensor(const Json& j, const std::string& where) {
  TensorSpec t;
  t.name = get<std::string>(j, "name", where);
  t.dtype = dtype_from_name(get<std::string>(j, "dtype", where));
  for (const auto& d : field(j, "shape", where)) {
    if (d.is_string()) {
      t.shape.push_back(-1);
    } else if (d.is_number_integer() && d.get<int64_t>() >= 0) {
      t.shape.push_back(d.get<int64_t>());
    } else {
      throw BundleError("manifest field " + where + ".shape has invalid dimension " + d.dump());
    }
  }
  return t;
}

Component parse_component(const std::string& name, const Json& j) {
  const std::string where = "components." + name;
  Component c;
  c.name = name;
  c.file = get<std::string>(j, "file", where);
  check_relative(c.file, where + ".file");
  c.sha256 = get<std::string>(j, "sha256", where);
  c.file_bytes = get_or<int64_t>(j, "file_bytes", where, -1);
  for (const char* kind : {"inputs", "outputs"}) {
    const Json& list = field(j, kind, where);
    if (!list.is_array()) throw BundleError("manifest field " + where + "." + kind + " must be a list");
    for (std::size_t i = 0; i < list.size(); ++i) {
      auto t = parse_tensor(list[i], where + "." + kind + "[" + std::to_string(i) + "]");
      (std::string(kind) == "inputs" ? c.inputs : c.outputs).push_back(std::move(t));
    }
  }
  if (j.contains("extra_files")) {
    for (const auto& [file, sha] : j.at("extra_files").items()) {
      check_relative(file, where + ".extra_files[" + file + "]");
      if (!sha.is_string()) throw BundleError("manifest field " + where + ".extra_files[" + file + "] must be a sha256");
      c.extra_files.emplace_back(file, sha.get<std::string>());
    }
  }
  if (j.contains("extra_files_bytes")) {
    for (const auto& [file, n] : j.at("extra_files_bytes").items()) c.extra_files_bytes[file] = n.get<int64_t>();
  }
  if (j.contains("host_outputs")) {
    for (const auto& [out, how] : j.at("host_outputs").items()) c.host_outputs[out] = option_text(how);
  }
  if (j.contains("engine_options")) {
    for (const auto& [k, v] : j.at("engine_options").items()) c.engine_options[k] = option_text(v);
  }
  return c;
}

std::array<int, 2> size2(const Json& v, const std::string& where) {
  if (v.is_number_integer()) return {v.get<int>(), v.get<int>()};
  if (!v.is_array() || v.size() != 2) throw BundleError("manifest field " + where + " must be [H, W]");
  return {v[0].get<int>(), v[1].get<int>()};
}

std::array<float, 3> vec3(const Json& v, const std::string& where) {
  if (!v.is_array() || v.size() != 3) throw BundleError("manifest field " + where + " must be 3 numbers");
  return {v[0].get<float>(), v[1].get<float>(), v[2].get<float>()};
}

Interp parse_interp(const Json& step, const std::string& where) {
  const auto name = get<std::string>(step, "interpolation", where);
  const auto resampler = get_or<std::string>(step, "resampler", where, "pillow");
  if (resampler != "pillow") throw BundleError("manifest field " + where + ".resampler '" + resampler + "' is not supported (pillow)");
  if (name == "bilinear") return Interp::bilinear;
  if (name == "bicubic") return Interp::bicubic;
  throw BundleError("manifest field " + where + ".interpolation '" + name + "' is not one of bilinear, bicubic");
}

PreStep parse_step(const Json& j, const std::string& where) {
  using Op = PreStep::Op;
  const auto op = get<std::string>(j, "op", where);
  PreStep s;
  if (op == "resize_longest" || op == "resize_shorter") {
    s.op = op == "resize_longest" ? Op::resize_longest : Op::resize_shorter;
    s.size = get<int>(j, "size", where);
    if (s.size <= 0) throw BundleError("manifest field " + where + ".size must be a positive int");
    s.interp = parse_interp(j, where);
  } else if (op == "resize" || op == "center_crop" || op == "pad") {
    s.op = op == "resize" ? Op::resize : op == "center_crop" ? Op::center_crop : Op::pad;
    s.hw = size2(field(j, "size", where), where + ".size");
    if (s.hw[0] <= 0 || s.hw[1] <= 0) throw BundleError("manifest field " + where + ".size must be positive");
    if (s.op == Op::resize) s.interp = parse_interp(j, where);
    if (s.op == Op::pad) s.value = get_or<float>(j, "value", where, 0.0f);
  } else if (op == "normalize") {
    s.op = Op::normalize;
    if (j.contains("divide")) {
      s.divide = true;
      s.divisor = get<float>(j, "divide", where);
    } else {
      s.scale = get<float>(j, "scale", where);
    }
    s.mean = vec3(field(j, "mean", where), where + ".mean");
    s.std = vec3(field(j, "std", where), where + ".std");
  } else {
    throw BundleError("manifest field " + where + ".op '" + op +
                      "' is not a known pre-processing op; this runtime is too old for the bundle");
  }
  return s;
}

std::vector<PreStep> parse_steps(const Json& list, const std::string& where) {
  if (!list.is_array()) throw BundleError("manifest field " + where + " must be a list");
  std::vector<PreStep> out;
  for (std::size_t i = 0; i < list.size(); ++i) out.push_back(parse_step(list[i], where + "[" + std::to_string(i) + "]"));
  return out;
}

void parse_preprocess(const Json& j, Manifest& m) {
  m.preprocess.kind = get_or<std::string>(j, "kind", "preprocess", "");
  if (j.contains("steps")) {
    m.preprocess.steps = parse_steps(j.at("steps"), "preprocess.steps");
    if (j.contains("dense_steps")) m.preprocess.dense_steps = parse_steps(j.at("dense_steps"), "preprocess.dense_steps");
  } else {
    detail::legacy_preprocess(j, m.preprocess);  // schema 1: kind -> steps, in one place
  }
  const auto& first = m.components.front();
  m.preprocess.input = get_or<std::string>(j, "input", "preprocess",
                                           first.inputs.empty() ? std::string() : first.inputs.front().name);
  m.context_length = get_or<int>(j, "context_length", "preprocess", 77);
}

void parse_sam(const Json& root, Manifest& m) {
  const Json& post = field(root, "postprocess", "");
  m.sam.mask_threshold = get_or<float>(post, "mask_threshold", "postprocess", 0.0f);
  // schema 2 names: multimask_outputs / single_mask_output; schema 1: *_tokens / *_token.
  const char* multi = post.contains("multimask_outputs") ? "multimask_outputs" : "multimask_tokens";
  const char* single = post.contains("single_mask_output") ? "single_mask_output" : "single_mask_token";
  m.sam.multimask_outputs = get_or<std::vector<int>>(post, multi, "postprocess", {1, 2, 3});
  m.sam.single_mask_output = get_or<int>(post, single, "postprocess", 0);
  const Json* prompt = root.contains("prompt") ? &root.at("prompt") : nullptr;
  const Json& pre = root.at("preprocess");
  if (prompt != nullptr) {
    m.prompt.long_side = get<int>(*prompt, "long_side", "prompt");
    const auto labels = get<std::vector<float>>(*prompt, "box_labels", "prompt");
    if (labels.size() != 2) throw BundleError("manifest field prompt.box_labels must be 2 numbers");
    m.prompt.box_labels = {labels[0], labels[1]};
    if (prompt->contains("padding_point") && !prompt->at("padding_point").is_null()) {
      const Json& pp = prompt->at("padding_point");
      const auto xy = get<std::vector<float>>(pp, "xy", "prompt.padding_point");
      if (xy.size() != 2) throw BundleError("manifest field prompt.padding_point.xy must be 2 numbers");
      m.prompt.padding_xy = {xy[0], xy[1]};
      m.prompt.padding_label = get<float>(pp, "label", "prompt.padding_point");
    } else {
      m.prompt.padding_point = false;
    }
    m.prompt.mask_input_size = size2(field(*prompt, "mask_input_size", "prompt"), "prompt.mask_input_size");
  } else {  // schema 1: the official SAM conventions, recorded as prose there
    m.prompt.long_side = get_or<int>(pre, "input_size", "preprocess", 1024);
    const auto labels = get_or<std::vector<float>>(post, "box_labels", "postprocess", {2.0f, 3.0f});
    if (labels.size() == 2) m.prompt.box_labels = {labels[0], labels[1]};
  }
}

void parse_thresholds(const Json& parity, Manifest& m) {
  if (!parity.contains("thresholds")) return;
  for (const auto& [comp, outs] : parity.at("thresholds").items()) {
    for (const auto& [out, metrics] : outs.items()) {
      if (metrics.is_number()) {  // "task": {metric: limit}
        m.thresholds[comp][""][out] = metrics.get<double>();
        continue;
      }
      for (const auto& [metric, limit] : metrics.items()) m.thresholds[comp][out][metric] = limit.get<double>();
    }
  }
}

// Schema 2 names the outputs in postprocess; schema 1 left them to the family (the defaults here).
void parse_embedding_outputs(const Json& post, const Json& pre, Manifest& m) {
  m.patch_size = get_or<int>(pre, "patch_size", "preprocess", 14);
  if (m.family == "dinov2") {
    const Json feats = post.contains("features") && post.at("features").is_object() ? post.at("features") : Json::object();
    m.image_output = get_or<std::string>(feats, "cls", "postprocess.features", "cls_token");
    m.patch_output = get_or<std::string>(feats, "patch", "postprocess.features", "patch_tokens");
  } else if (m.family == "clip") {
    m.clip_logit_scale = get_or<double>(post, "logit_scale", "postprocess", 0.0);
    const Json emb = post.contains("embeddings") && post.at("embeddings").is_object() ? post.at("embeddings") : Json::object();
    m.image_output = get_or<std::string>(emb, "image", "postprocess.embeddings", "image_embeds");
    m.text_output = get_or<std::string>(emb, "text", "postprocess.embeddings", "text_embeds");
    if (post.contains("tokenizer")) m.context_length = get_or<int>(post.at("tokenizer"), "context_length", "postprocess.tokenizer", m.context_length);
  }
}

}  // namespace

const Component& Manifest::component(const std::string& n) const {
  for (const auto& c : components) {
    if (c.name == n) return c;
  }
  std::string have;
  for (const auto& c : components) have += (have.empty() ? "" : ", ") + c.name;
  throw BundleError("bundle has no component '" + n + "' (has: " + have + ")");
}

bool Manifest::has_component(const std::string& n) const {
  for (const auto& c : components) {
    if (c.name == n) return true;
  }
  return false;
}

Manifest parse_manifest(const std::string& text) {
  Json root;
  try {
    root = Json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw BundleError(std::string("manifest.json is not valid JSON: ") + e.what());
  }
  if (!root.is_object()) throw BundleError("manifest.json must hold a JSON object");
  Manifest m;
  if (!root.contains("schema_version") || !root.at("schema_version").is_number_integer()) {
    throw BundleError("manifest is missing field schema_version");
  }
  m.schema_version = root.at("schema_version").get<int>();
  if (m.schema_version != 1 && m.schema_version != 2) {
    throw BundleError("bundle schema_version " + std::to_string(m.schema_version) +
                      " is not supported by this runtime (supports 1, 2); re-export the bundle or upgrade edgevfm");
  }
  if (m.schema_version == 2) {
    static const detail::JsonSchema schema(Json::parse(detail::manifest_schema_text()));
    if (const auto error = schema.first_error(root); !error.empty()) {
      throw BundleError("manifest does not follow the published schema: " + error);
    }
  }
  const Json& model = field(root, "model", "");
  m.name = get<std::string>(model, "name", "model");
  m.family = get<std::string>(model, "family", "model");
  m.variant = get<std::string>(model, "variant", "model");
  const Json& weights = field(model, "weights", "model");
  m.weights_id = get<std::string>(weights, "id", "model.weights");
  m.random_weights = get<bool>(weights, "random", "model.weights");
  const Json& target = field(root, "target", "");
  m.preset = get<std::string>(target, "preset", "target");
  m.engine = get<std::string>(target, "engine", "target");
  m.precision = get<std::string>(target, "precision", "target");
  if (target.contains("engine_options")) {
    for (const auto& [k, v] : target.at("engine_options").items()) m.target_engine_options[k] = option_text(v);
  }
  const Json& comps = field(root, "components", "");
  if (!comps.is_object() || comps.empty()) throw BundleError("manifest lists no components");
  for (const auto& [name, c] : comps.items()) m.components.push_back(parse_component(name, c));
  if (root.contains("golden")) {
    const Json& g = root.at("golden");
    m.golden_file = get<std::string>(g, "file", "golden");
    check_relative(m.golden_file, "golden.file");
    m.golden_sha256 = get<std::string>(g, "sha256", "golden");
    m.golden_bytes = get_or<int64_t>(g, "bytes", "golden", -1);
  }
  parse_preprocess(field(root, "preprocess", ""), m);
  const Json& post = field(root, "postprocess", "");
  if (m.family == "mobilesam") parse_sam(root, m);
  parse_embedding_outputs(post, root.at("preprocess"), m);
  parse_thresholds(field(root, "parity", ""), m);
  return m;
}

}  // namespace edgevfm
