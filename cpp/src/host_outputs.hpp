// Outputs the runtime computes on the host after the engine, declared per component in the manifest
// ("host_outputs": {"masks": "sam_upscale_masks"}), as the Python runtime's host_outputs.py: engines
// whose programs have static shapes (ExecuTorch, TensorRT, LiteRT) cannot output tensors sized by an
// input's values, so those are finished here.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "edgevfm/engine.hpp"
#include "edgevfm/manifest.hpp"

namespace edgevfm::detail {

// `inner` with the manifest's host outputs of `component` added (inner itself when it declares none).
// An unknown op, or one whose engine outputs the model lacks, is a BundleError naming the field.
std::shared_ptr<const Session> with_host_outputs(std::shared_ptr<const Session> inner, std::shared_ptr<const Manifest> manifest,
                                                 const Component& component);

}  // namespace edgevfm::detail
