#include "host_outputs.hpp"

#include <algorithm>
#include <functional>
#include <utility>

#include "edgevfm/errors.hpp"
#include "edgevfm/sam.hpp"

namespace edgevfm::detail {

namespace {
struct HostOp {
  std::vector<std::string> feed_inputs;     // inputs the op reads besides the model's
  std::vector<std::string> engine_outputs;  // model outputs it needs
  std::function<Tensor(const Outputs&, const Feed&, const Manifest&)> fn;
};

// (..., K, n, n) low-res logits -> (..., K, H, W) at orig_im_size = (H, W), as SamPredictor does.
Tensor upscale_masks(const Outputs& out, const Feed& feed, const Manifest& m) {
  const auto it = feed.find("orig_im_size");
  if (it == feed.end() || it->second == nullptr || it->second->numel() < 2) {
    throw InputError("host output sam_upscale_masks needs orig_im_size (H, W) in the feed");
  }
  const auto hw = it->second->to_double();
  const int h = static_cast<int>(hw[0]), w = static_cast<int>(hw[1]);
  const Tensor& low = out.at("low_res_masks");
  Tensor masks = sam_upscale(low, h, w, m.prompt.long_side);
  std::vector<int64_t> shape(low.shape().begin(), low.shape().end() - 2);
  shape.insert(shape.end(), {h, w});
  masks.reshape(shape);
  return masks;
}

const std::map<std::string, HostOp>& host_ops() {
  static const std::map<std::string, HostOp> ops = {
      {"sam_upscale_masks", HostOp{{"orig_im_size"}, {"low_res_masks"}, upscale_masks}}};
  return ops;
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

class HostOutputsSession final : public Session {
 public:
  HostOutputsSession(std::shared_ptr<const Session> inner, std::shared_ptr<const Manifest> manifest,
                     std::vector<std::pair<std::string, const HostOp*>> ops)
      : inner_(std::move(inner)), manifest_(std::move(manifest)), ops_(std::move(ops)), inputs_(inner_->input_names()),
        outputs_(inner_->output_names()) {
    for (const auto& [name, op] : ops_) {
      for (const auto& in : op->feed_inputs) {
        if (!contains(inputs_, in)) inputs_.push_back(in);
      }
      outputs_.push_back(name);
    }
  }

  Outputs run(const Feed& feed) const override {
    Feed engine_feed;
    for (const auto& name : inner_->input_names()) {
      const auto it = feed.find(name);
      if (it != feed.end()) engine_feed.emplace(name, it->second);
    }
    Outputs out = inner_->run(engine_feed);
    for (const auto& [name, op] : ops_) {
      Tensor t = op->fn(out, feed, *manifest_);
      out.insert_or_assign(name, std::move(t));
    }
    return out;
  }

  const std::vector<std::string>& input_names() const override { return inputs_; }
  const std::vector<std::string>& output_names() const override { return outputs_; }
  std::string description() const override { return inner_->description(); }

 private:
  std::shared_ptr<const Session> inner_;
  std::shared_ptr<const Manifest> manifest_;
  std::vector<std::pair<std::string, const HostOp*>> ops_;
  std::vector<std::string> inputs_, outputs_;
};
}  // namespace

std::shared_ptr<const Session> with_host_outputs(std::shared_ptr<const Session> inner, std::shared_ptr<const Manifest> manifest,
                                                 const Component& component) {
  if (component.host_outputs.empty()) return inner;
  std::vector<std::pair<std::string, const HostOp*>> ops;
  const std::string where = "components." + component.name + ".host_outputs.";
  for (const auto& [name, op_name] : component.host_outputs) {
    const auto it = host_ops().find(op_name);
    if (it == host_ops().end()) {
      std::string known;
      for (const auto& [k, _] : host_ops()) known += (known.empty() ? "" : ", ") + k;
      throw BundleError(where + name + ": unknown host op '" + op_name + "' (known: " + known +
                        "); the bundle needs a newer edgevfm runtime or was edited");
    }
    for (const auto& need : it->second.engine_outputs) {
      if (!contains(inner->output_names(), need)) {
        throw BundleError(where + name + ": op '" + op_name + "' needs model output '" + need + "', which the model does not have");
      }
    }
    ops.emplace_back(name, &it->second);
  }
  return std::make_shared<HostOutputsSession>(std::move(inner), std::move(manifest), std::move(ops));
}

}  // namespace edgevfm::detail
