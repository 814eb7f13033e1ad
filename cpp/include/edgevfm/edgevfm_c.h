/* C ABI over the edgevfm C++ runtime, for Swift, Kotlin (JNI), Python (ctypes) and C callers.
 * Every function returns an edgevfm_status; on failure edgevfm_last_error() gives the message
 * (per thread, valid until the next call on that thread). Objects are opaque; free each with its
 * *_free function. An embedding may be shared by any number of threads. */
#ifndef EDGEVFM_C_H
#define EDGEVFM_C_H

/* A C header: C has neither <cstdint> nor `using`. */
/* NOLINTBEGIN(modernize-deprecated-headers,modernize-use-using) */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  EDGEVFM_OK = 0,
  EDGEVFM_BUNDLE_ERROR = 1,
  EDGEVFM_INPUT_ERROR = 2,
  EDGEVFM_ENGINE_ERROR = 3,
  EDGEVFM_INTERNAL_ERROR = 4
} edgevfm_status;

typedef struct edgevfm_bundle edgevfm_bundle;
typedef struct edgevfm_sam edgevfm_sam;
typedef struct edgevfm_embedding edgevfm_embedding;
typedef struct edgevfm_embedder edgevfm_embedder;
/* NOLINTEND(modernize-deprecated-headers,modernize-use-using) */

const char* edgevfm_last_error(void);

/* verify: nonzero checks every file's size and sha256. */
edgevfm_status edgevfm_bundle_open(const char* path, int verify, edgevfm_bundle** out);
/* As edgevfm_bundle_open, and manifest.sig must be an Ed25519 signature of manifest.json by one of the
 * n_keys trusted public keys (PEM file paths; n_keys >= 1). */
edgevfm_status edgevfm_bundle_open_signed(const char* path, int verify, const char* const* trusted_keys, int n_keys,
                                          edgevfm_bundle** out);
/* Id of the trusted key that signed the bundle ("" when opened without trusted keys); owned by the bundle. */
const char* edgevfm_bundle_signed_by(const edgevfm_bundle* bundle);
void edgevfm_bundle_free(edgevfm_bundle* bundle);
/* Model family ("mobilesam", "dinov2", "clip"); owned by the bundle. */
const char* edgevfm_bundle_family(const edgevfm_bundle* bundle);
/* Parity against the bundle's golden.npz. *passed is 1 or 0; *report_json (may be NULL) is
 * malloc'ed JSON to release with edgevfm_string_free. engine: NULL for the manifest's. */
edgevfm_status edgevfm_check(const edgevfm_bundle* bundle, const char* engine, int* passed, char** report_json);
void edgevfm_string_free(char* s);

edgevfm_status edgevfm_sam_new(const edgevfm_bundle* bundle, const char* engine, edgevfm_sam** out);
void edgevfm_sam_free(edgevfm_sam* sam);
/* rgb: height rows of width RGB pixels, rows `stride` bytes apart (0: 3 * width). */
edgevfm_status edgevfm_sam_embed(const edgevfm_sam* sam, const uint8_t* rgb, int width, int height, ptrdiff_t stride,
                                 edgevfm_embedding** out);
void edgevfm_embedding_free(edgevfm_embedding* embedding);
/* points_xy: n_points (x, y) pairs in original pixels, labels: n_points of 0/1; box: 4 floats or NULL;
 * mask_input: 256*256 low-res logits or NULL. Outputs (each may be NULL): logits count*H*W floats,
 * scores count floats, low_res count*256*256 floats; count = 3 with multimask, else 1. */
edgevfm_status edgevfm_sam_predict(const edgevfm_sam* sam, const edgevfm_embedding* embedding, const float* points_xy,
                                   const int32_t* labels, int n_points, const float* box, const float* mask_input,
                                   int multimask, float* logits, float* scores, float* low_res, int* count);
/* K prompt sets in one call (the decoder's prompt batch, official predict_torch semantics): points_xy
 * K * n_points (x, y) pairs and labels K * n_points (n_points per set, 0 for boxes only), boxes K * 4
 * floats or NULL, mask_input K * 256 * 256 logits or NULL. Outputs (each may be NULL): logits
 * K * count * H * W floats, scores K * count, low_res K * count * 256 * 256. */
edgevfm_status edgevfm_sam_predict_batch(const edgevfm_sam* sam, const edgevfm_embedding* embedding, int k,
                                         const float* points_xy, const int32_t* labels, int n_points,
                                         const float* boxes, const float* mask_input, int multimask, float* logits,
                                         float* scores, float* low_res, int* count);
/* Prompt sets per decoder call (larger K is split into calls of this size). */
int edgevfm_sam_max_batch(const edgevfm_sam* sam);

/* Image embeddings of DINOv2 / CLIP bundles. */
edgevfm_status edgevfm_embedder_new(const edgevfm_bundle* bundle, const char* engine, edgevfm_embedder** out);
void edgevfm_embedder_free(edgevfm_embedder* embedder);
/* Writes up to `capacity` floats to out; *length gets the embedding's size. */
edgevfm_status edgevfm_embed_image(const edgevfm_embedder* embedder, const uint8_t* rgb, int width, int height,
                                   ptrdiff_t stride, int normalize, float* out, size_t capacity, size_t* length);

#ifdef __cplusplus
}
#endif
#endif /* EDGEVFM_C_H */
