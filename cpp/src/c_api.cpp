#include "edgevfm/edgevfm_c.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "edgevfm/check.hpp"
#include "edgevfm/embed.hpp"
#include "edgevfm/errors.hpp"
#include "edgevfm/sam.hpp"

struct edgevfm_bundle {
  edgevfm::Bundle bundle;
};
struct edgevfm_sam {
  edgevfm::SamPredictor predictor;
};
struct edgevfm_embedding {
  edgevfm::ImageEmbedding embedding;
};
struct edgevfm_embedder {
  edgevfm::ImageEmbedder embedder;
};

namespace {
thread_local std::string last_error;

// Runs `fn`, turning exceptions into a status and the thread's last error.
template <typename Fn>
edgevfm_status guard(Fn&& fn) {
  try {
    fn();
    last_error.clear();
    return EDGEVFM_OK;
  } catch (const edgevfm::BundleError& e) {
    last_error = e.what();
    return EDGEVFM_BUNDLE_ERROR;
  } catch (const edgevfm::InputError& e) {
    last_error = e.what();
    return EDGEVFM_INPUT_ERROR;
  } catch (const edgevfm::EngineError& e) {
    last_error = e.what();
    return EDGEVFM_ENGINE_ERROR;
  } catch (const std::exception& e) {
    last_error = e.what();
    return EDGEVFM_INTERNAL_ERROR;
  }
}

void need(const void* p, const char* what) {
  if (p == nullptr) throw edgevfm::InputError(std::string(what) + " must not be NULL");
}

std::string engine_name(const char* engine) { return engine ? engine : ""; }

// Prompt set i of arrays laid out set after set; `mask` holds its copy of the mask_input.
edgevfm::SamPrompt prompt_at(int i, const float* points_xy, const int32_t* labels, int n_points, const float* boxes,
                             const float* mask_input, int multimask, edgevfm::Tensor& mask) {
  if (n_points < 0) throw edgevfm::InputError("n_points must be >= 0");
  if (n_points > 0) {
    need(points_xy, "points_xy");
    need(labels, "labels");
  }
  edgevfm::SamPrompt prompt;
  const std::size_t first = static_cast<std::size_t>(i) * static_cast<std::size_t>(n_points);
  for (std::size_t j = first; j < first + static_cast<std::size_t>(n_points); ++j) {
    prompt.points.push_back({points_xy[2 * j], points_xy[2 * j + 1]});
    prompt.labels.push_back(labels[j]);
  }
  if (boxes != nullptr) {
    const float* b = boxes + 4 * static_cast<std::size_t>(i);
    prompt.box = edgevfm::Box{b[0], b[1], b[2], b[3]};
  }
  if (mask_input != nullptr) {
    mask = edgevfm::Tensor(edgevfm::DType::f32, {1, 256, 256});
    std::memcpy(mask.data(), mask_input + static_cast<std::size_t>(i) * 256 * 256, mask.nbytes());
    prompt.mask_input = &mask;
  }
  prompt.multimask = multimask != 0;
  return prompt;
}
}  // namespace

extern "C" {

const char* edgevfm_last_error(void) { return last_error.c_str(); }

edgevfm_status edgevfm_bundle_open(const char* path, int verify, edgevfm_bundle** out) {
  return guard([&] {
    need(path, "path");
    need(out, "out");
    edgevfm::OpenOptions options;
    options.verify = verify != 0;
    *out = new edgevfm_bundle{edgevfm::Bundle::open(path, options)};
  });
}

edgevfm_status edgevfm_bundle_open_signed(const char* path, int verify, const char* const* trusted_keys, int n_keys,
                                          edgevfm_bundle** out) {
  return guard([&] {
    need(path, "path");
    need(out, "out");
    if (n_keys < 0) throw edgevfm::InputError("n_keys must be >= 0");
    if (n_keys > 0) need(trusted_keys, "trusted_keys");
    edgevfm::OpenOptions options{verify != 0, std::vector<std::string>{}};
    for (int i = 0; i < n_keys; ++i) {
      need(trusted_keys[i], "trusted_keys[i]");
      options.trusted_keys->emplace_back(trusted_keys[i]);
    }
    *out = new edgevfm_bundle{edgevfm::Bundle::open(path, options)};
  });
}

const char* edgevfm_bundle_signed_by(const edgevfm_bundle* bundle) {
  return bundle ? bundle->bundle.signed_by().c_str() : "";
}

void edgevfm_bundle_free(edgevfm_bundle* bundle) { delete bundle; }

const char* edgevfm_bundle_family(const edgevfm_bundle* bundle) {
  return bundle ? bundle->bundle.manifest().family.c_str() : "";
}

edgevfm_status edgevfm_check(const edgevfm_bundle* bundle, const char* engine, int* passed, char** report_json) {
  return guard([&] {
    need(bundle, "bundle");
    need(passed, "passed");
    const auto report = edgevfm::run_check(bundle->bundle, engine_name(engine));
    *passed = report.passed() ? 1 : 0;
    if (report_json != nullptr) {
      const std::string j = report.to_json();
      *report_json = static_cast<char*>(std::malloc(j.size() + 1));
      if (*report_json == nullptr) throw std::bad_alloc();
      std::memcpy(*report_json, j.c_str(), j.size() + 1);
    }
  });
}

void edgevfm_string_free(char* s) { std::free(s); }

edgevfm_status edgevfm_sam_new(const edgevfm_bundle* bundle, const char* engine, edgevfm_sam** out) {
  return guard([&] {
    need(bundle, "bundle");
    need(out, "out");
    *out = new edgevfm_sam{edgevfm::SamPredictor(bundle->bundle, engine_name(engine))};
  });
}

void edgevfm_sam_free(edgevfm_sam* sam) { delete sam; }

edgevfm_status edgevfm_sam_embed(const edgevfm_sam* sam, const uint8_t* rgb, int width, int height, ptrdiff_t stride,
                                 edgevfm_embedding** out) {
  return guard([&] {
    need(sam, "sam");
    need(out, "out");
    *out = new edgevfm_embedding{sam->predictor.embed({rgb, width, height, stride})};
  });
}

void edgevfm_embedding_free(edgevfm_embedding* embedding) { delete embedding; }

edgevfm_status edgevfm_sam_predict(const edgevfm_sam* sam, const edgevfm_embedding* embedding, const float* points_xy,
                                   const int32_t* labels, int n_points, const float* box, const float* mask_input,
                                   int multimask, float* logits, float* scores, float* low_res, int* count) {
  return guard([&] {
    need(sam, "sam");
    need(embedding, "embedding");
    edgevfm::Tensor mask;
    const auto prompt = prompt_at(0, points_xy, labels, n_points, box, mask_input, multimask, mask);
    const auto r = sam->predictor.predict(embedding->embedding, prompt);
    if (logits != nullptr) std::memcpy(logits, r.logits.data(), r.logits.nbytes());
    if (scores != nullptr) std::memcpy(scores, r.scores.data(), r.scores.size() * sizeof(float));
    if (low_res != nullptr) std::memcpy(low_res, r.low_res.data(), r.low_res.nbytes());
    if (count != nullptr) *count = r.count;
  });
}

edgevfm_status edgevfm_sam_predict_batch(const edgevfm_sam* sam, const edgevfm_embedding* embedding, int k,
                                         const float* points_xy, const int32_t* labels, int n_points,
                                         const float* boxes, const float* mask_input, int multimask, float* logits,
                                         float* scores, float* low_res, int* count) {
  return guard([&] {
    need(sam, "sam");
    need(embedding, "embedding");
    if (k < 1) throw edgevfm::InputError("k (prompt sets) must be >= 1, got " + std::to_string(k));
    std::vector<edgevfm::Tensor> masks(static_cast<std::size_t>(k));
    std::vector<edgevfm::SamPrompt> prompts;
    prompts.reserve(static_cast<std::size_t>(k));
    for (int i = 0; i < k; ++i) {
      prompts.push_back(prompt_at(i, points_xy, labels, n_points, boxes, mask_input, multimask,
                                  masks[static_cast<std::size_t>(i)]));
    }
    const auto r = sam->predictor.predict(embedding->embedding, prompts);
    if (logits != nullptr) std::memcpy(logits, r.logits.data(), r.logits.nbytes());
    if (scores != nullptr) std::memcpy(scores, r.scores.data(), r.scores.size() * sizeof(float));
    if (low_res != nullptr) std::memcpy(low_res, r.low_res.data(), r.low_res.nbytes());
    if (count != nullptr) *count = r.count;
  });
}

int edgevfm_sam_max_batch(const edgevfm_sam* sam) { return sam ? sam->predictor.max_batch() : 0; }

edgevfm_status edgevfm_embedder_new(const edgevfm_bundle* bundle, const char* engine, edgevfm_embedder** out) {
  return guard([&] {
    need(bundle, "bundle");
    need(out, "out");
    *out = new edgevfm_embedder{edgevfm::ImageEmbedder(bundle->bundle, engine_name(engine))};
  });
}

void edgevfm_embedder_free(edgevfm_embedder* embedder) { delete embedder; }

edgevfm_status edgevfm_embed_image(const edgevfm_embedder* embedder, const uint8_t* rgb, int width, int height,
                                   ptrdiff_t stride, int normalize, float* out, size_t capacity, size_t* length) {
  return guard([&] {
    need(embedder, "embedder");
    const auto v = embedder->embedder({rgb, width, height, stride}, normalize != 0);
    if (length != nullptr) *length = v.size();
    if (out != nullptr) std::memcpy(out, v.data(), std::min(capacity, v.size()) * sizeof(float));
  });
}

}  // extern "C"
