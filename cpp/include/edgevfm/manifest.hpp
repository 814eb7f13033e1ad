// The bundle manifest (manifest.json), typed. Schema 2 (MANIFEST_V2.md) is the model; schema-1
// manifests are read into the same structure (their preprocess.kind mapped to steps in preprocess_legacy.cpp).
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "edgevfm/tensor.hpp"

namespace edgevfm {

struct TensorSpec {
  std::string name;
  DType dtype = DType::f32;
  std::vector<int64_t> shape;  // -1 for a named (dynamic) dimension
};

struct Component {
  std::string name, file, sha256;
  int64_t file_bytes = -1;  // -1: not recorded
  std::vector<TensorSpec> inputs, outputs;
  std::vector<std::pair<std::string, std::string>> extra_files;  // file -> sha256
  std::map<std::string, int64_t> extra_files_bytes;
  std::map<std::string, std::string> host_outputs;   // output -> how the host computes it
  std::map<std::string, std::string> engine_options;  // engine property -> value (as text)
};

enum class Interp { bilinear, bicubic };

// One pre-processing op (MANIFEST_V2.md "preprocess.steps").
struct PreStep {
  enum class Op { resize_longest, resize_shorter, resize, center_crop, normalize, pad } op = Op::resize;
  int size = 0;                    // resize_longest / resize_shorter
  std::array<int, 2> hw{0, 0};     // resize / center_crop / pad: [H, W]
  Interp interp = Interp::bilinear;
  bool divide = false;             // normalize: u8 / divisor (true) or u8 * scale
  float divisor = 1.0f, scale = 1.0f;
  std::array<float, 3> mean{0, 0, 0}, std{1, 1, 1};
  float value = 0.0f;              // pad value
};

struct Preprocess {
  std::string kind, input;
  std::vector<PreStep> steps, dense_steps;  // dense_steps empty: same as steps
};

struct PromptSpec {
  int long_side = 1024;
  std::array<float, 2> box_labels{2.0f, 3.0f};
  bool padding_point = true;  // appended when there is no box
  std::array<float, 2> padding_xy{0.0f, 0.0f};
  float padding_label = -1.0f;
  std::array<int, 2> mask_input_size{256, 256};
};

struct SamPost {
  float mask_threshold = 0.0f;
  std::vector<int> multimask_outputs{1, 2, 3};
  int single_mask_output = 0;
};

// thresholds[component][output][metric] = limit ("task" is a component name too).
using Thresholds = std::map<std::string, std::map<std::string, std::map<std::string, double>>>;

struct Manifest {
  int schema_version = 0;
  std::string name, family, variant, weights_id;
  bool random_weights = false;
  std::string preset, engine, precision;
  std::map<std::string, std::string> target_engine_options;
  std::vector<Component> components;  // in manifest order
  std::string golden_file, golden_sha256;
  int64_t golden_bytes = -1;
  Preprocess preprocess;
  PromptSpec prompt;
  SamPost sam;
  Thresholds thresholds;
  double clip_logit_scale = 0.0;
  // Embedding families: which outputs hold the image / patch / text embeddings.
  std::string image_output, patch_output, text_output;
  int patch_size = 14;
  int context_length = 77;

  const Component& component(const std::string& name) const;  // throws BundleError naming the ones present
  bool has_component(const std::string& name) const;
};

// Parse and validate manifest.json text; errors name the offending field.
Manifest parse_manifest(const std::string& json_text);
// A relative path inside the bundle ("a/b.bin"); throws BundleError for absolute paths or "..".
void check_relative(const std::string& rel, const std::string& field);

}  // namespace edgevfm
