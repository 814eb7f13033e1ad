#include <gtest/gtest.h>

#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "edgevfm/errors.hpp"
#include "edgevfm/manifest.hpp"

namespace {
std::string manifest(int version, const std::string& preprocess, const std::string& extra = "") {
  return R"({"schema_version": )" + std::to_string(version) + R"(,
    "model": {"name": "sam", "family": "mobilesam", "variant": "vit_t", "license": "x", "source": "x",
              "weights": {"kind": "random", "id": "random:0", "random": true}},
    "target": {"preset": "x86-fp32", "engine": "openvino", "precision": "fp32"},
    "components": {"encoder": {"file": "encoder.xml", "sha256": "0000000000000000000000000000000000000000000000000000000000000000", "bytes": 1,
        "inputs": [{"name": "images", "dtype": "float32", "shape": [1, 3, 1024, 1024]}],
        "outputs": [{"name": "image_embeddings", "dtype": "float32", "shape": [1, 256, "h", "w"]}]}},
    "preprocess": )" + preprocess + R"(,
    "postprocess": {"mask_threshold": 0.0},
    "parity": {"reference": "r", "gated": true, "status": "passed", "thresholds": {"encoder": {"image_embeddings": {"cosine": 0.999}},
                                                               "task": {"mask_iou": 0.99}}},
    "provenance": {})" + extra + "}";
}
}  // namespace

TEST(Manifest, SchemaOneKindMapsToSteps) {
  const auto m = edgevfm::parse_manifest(manifest(1, R"({"kind": "sam_resize_longest", "input_size": 1024,
      "pixel_mean": [123.675, 116.28, 103.53], "pixel_std": [58.395, 57.12, 57.375]})"));
  ASSERT_EQ(m.preprocess.steps.size(), 3u);
  EXPECT_EQ(m.preprocess.steps[0].op, edgevfm::PreStep::Op::resize_longest);
  EXPECT_EQ(m.preprocess.steps[0].size, 1024);
  EXPECT_EQ(m.preprocess.steps[0].interp, edgevfm::Interp::bilinear);
  EXPECT_FLOAT_EQ(m.preprocess.steps[1].mean[2], 103.53f);
  EXPECT_EQ(m.preprocess.steps[2].op, edgevfm::PreStep::Op::pad);
  EXPECT_EQ(m.preprocess.input, "images");
  EXPECT_EQ(m.components[0].outputs[0].shape[2], -1);
  EXPECT_DOUBLE_EQ(m.thresholds.at("encoder").at("image_embeddings").at("cosine"), 0.999);
  EXPECT_DOUBLE_EQ(m.thresholds.at("task").at("").at("mask_iou"), 0.99);
  EXPECT_EQ(m.prompt.long_side, 1024);
}

TEST(Manifest, SchemaTwoStepsAndPrompt) {
  const auto m = edgevfm::parse_manifest(manifest(2, R"({"kind": "sam", "input": "images", "steps": [
      {"op": "resize_longest", "size": 512, "interpolation": "bicubic", "resampler": "pillow"},
      {"op": "normalize", "divide": 255.0, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]},
      {"op": "pad", "size": [512, 512], "value": 0}]})",
      R"(, "prompt": {"frame": "resized", "long_side": 512, "coords": "scale_per_axis", "box_labels": [2, 3],
          "padding_point": {"when": "no_box", "xy": [0, 0], "label": -1}, "mask_input_size": [128, 128]})"));
  ASSERT_EQ(m.preprocess.steps.size(), 3u);
  EXPECT_EQ(m.preprocess.steps[0].interp, edgevfm::Interp::bicubic);
  EXPECT_TRUE(m.preprocess.steps[1].divide);
  EXPECT_FLOAT_EQ(m.preprocess.steps[1].divisor, 255.0f);
  EXPECT_EQ(m.prompt.long_side, 512);
  EXPECT_EQ(m.prompt.mask_input_size[0], 128);
}

TEST(Manifest, RejectsUnknownVersionOpAndKind) {
  EXPECT_THROW(edgevfm::parse_manifest(manifest(3, R"({"kind": "sam_resize_longest"})")), edgevfm::BundleError);
  EXPECT_THROW(edgevfm::parse_manifest(manifest(2, R"({"kind": "dinov2", "steps": [{"op": "rotate"}]})")), edgevfm::BundleError);
  EXPECT_THROW(edgevfm::parse_manifest(manifest(1, R"({"kind": "yolo"})")), edgevfm::BundleError);
  EXPECT_THROW(edgevfm::parse_manifest("{not json"), edgevfm::BundleError);
  try {
    edgevfm::parse_manifest(manifest(2, R"({"kind": "dinov2", "steps": [{"op": "resize", "interpolation": "bilinear"}]})"));
    FAIL() << "no error";
  } catch (const edgevfm::BundleError& e) {
    EXPECT_NE(std::string(e.what()).find("preprocess.steps[0].size"), std::string::npos) << e.what();
  }
}

TEST(Manifest, PathsMustStayInsideTheBundle) {
  EXPECT_NO_THROW(edgevfm::check_relative("a/b.bin", "f"));
  EXPECT_THROW(edgevfm::check_relative("../x", "f"), edgevfm::BundleError);
  EXPECT_THROW(edgevfm::check_relative("/etc/passwd", "f"), edgevfm::BundleError);
  EXPECT_THROW(edgevfm::check_relative("a//b", "f"), edgevfm::BundleError);
}

namespace {
// A schema-valid manifest with one change (JSON Pointer -> value; a null value removes the field).
std::string broken(const std::string& pointer, const nlohmann::json& value) {
  auto j = nlohmann::json::parse(manifest(2, R"({"kind": "dinov2", "steps": [
      {"op": "resize", "size": [224, 224], "interpolation": "bicubic", "resampler": "pillow"}]})"));
  const nlohmann::json::json_pointer p(pointer);
  if (value.is_null()) {
    j.at(p.parent_pointer()).erase(p.back());
  } else {
    j[p] = value;
  }
  return j.dump();
}

std::string error_of(const std::string& text) {
  try {
    edgevfm::parse_manifest(text);
  } catch (const edgevfm::BundleError& e) {
    return e.what();
  }
  return "(accepted)";
}
}  // namespace

TEST(ManifestSchema, BrokenManifestsNameTheField) {
  ASSERT_EQ(error_of(broken("/model/license", "MIT")), "(accepted)");
  const std::pair<std::string, nlohmann::json> cases[] = {
      {"/model/license", nullptr},
      {"/components/encoder/sha256", "xyz"},
      {"/target/preset", 3},
      {"/parity/status", "maybe"},
      {"/components/encoder/inputs/0/dtype", "float128"},
      {"/components/encoder/bytes", -1},
      {"/preprocess/steps/0/op", "rotate"},
      {"/preprocess/steps/0/antialias", true},
  };
  const char* expected[] = {
      "missing field model.license",
      "field components.encoder.sha256 = \"xyz\" does not match",
      "field target.preset has the wrong type",
      "field parity.status must be one of",
      "field components.encoder.inputs[0].dtype must be one of",
      "field components.encoder.bytes must be >= 0",
      "field preprocess.steps[0] = ",
      "field preprocess.steps[0].antialias is not allowed",
  };
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const auto e = error_of(broken(cases[i].first, cases[i].second));
    EXPECT_NE(e.find("does not follow the published schema"), std::string::npos) << e;
    EXPECT_NE(e.find(expected[i]), std::string::npos) << cases[i].first << ": " << e;
  }
  // a conditional rule: not_verified bundles name the device to verify on
  EXPECT_NE(error_of(broken("/parity/status", "not_verified")).find("missing field parity.verify_on"), std::string::npos);
}
