#include "nc/model/action_encoder.h"

#include <algorithm>
#include <cmath>

#include <ATen/TensorOperators.h>
#include <ATen/core/grad_mode.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/clamp.h>
#include <ATen/ops/cos.h>
#include <ATen/ops/embedding.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/log1p.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/silu.h>
#include <ATen/ops/sin.h>
#include <ATen/ops/softmax.h>
#include <ATen/ops/where.h>
#include <ATen/ops/zeros.h>
#include <ATen/CPUGeneratorImpl.h>

#include "nc/core/error.h"
#include "nc/gui/actions.h"

namespace nc::model {

namespace {

constexpr const char* kWhere = "ActionEncoder";

// Meta v2 parameter ranges (actions.h): button 0..3, click count 0..3, drag 0..1, scroll
// direction 0..4.
constexpr int64_t kTypes = 5, kButtons = 4, kClickCounts = 4, kDragFlags = 2, kScrollDirections = 5;

at::Tensor make_table(torch::nn::Module& m, const std::string& name, int64_t rows, int64_t dim,
                      const at::TensorOptions& to) {
  at::Tensor t = m.register_parameter(name, at::empty({rows, dim}, to));
  init_normal(t, 0.02);
  return t;
}

// Embedding lookup that refuses ids outside the table, naming the tensor.
at::Tensor lookup(const at::Tensor& table, const at::Tensor& ids, const std::string& name) {
  if (ids.numel() > 0) {
    const int64_t lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
    check(lo >= 0 && hi < table.size(0),
          name + " holds ids in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], the table has " +
              std::to_string(table.size(0)) + " rows",
          kWhere);
  }
  return at::embedding(table, ids.to(at::kLong));
}

const at::Tensor& need(const at::Tensor& t, const std::string& name) {
  check(t.defined(), "the action inputs lack " + name, kWhere);
  return t;
}

}  // namespace

// ---- inputs -----------------------------------------------------------------------------------

ActionInputs ActionInputs::from_tensors(const std::map<std::string, at::Tensor>& tensors,
                                        const ActionOptions& options) {
  auto get = [&](const std::string& name, bool required) {
    const auto it = tensors.find(name);
    check(it != tensors.end() || !required,
          "the batch has no '" + name + "' tensor, which model.action (encoder " + options.encoder +
              ", mouse " + options.mouse + (options.cursor.any() ? ", cursor supervision" : "") +
              ") needs",
          "data", "train on GUI clip shards (nc data gui import or nc data synth-actions)");
    return it == tensors.end() ? at::Tensor() : it->second;
  };
  ActionInputs in;
  in.mouse_trajectories = get("mouse_trajectories", options.reads_cursor());
  in.cursor_valid = get("cursor_valid", false);
  if (options.encoder == "v1") {
    in.raw_actions = get("raw_actions", true);
  } else {
    in.types = get("action_types", true);
    in.button = get("action_button", true);
    in.click_count = get("action_click_count", true);
    in.drag = get("action_drag", true);
    in.scroll_direction = get("action_scroll_direction", true);
    in.scroll_amount = get("action_scroll_amount", true);
    in.shortcut = get("action_shortcut", true);
    in.text_bytes = get("action_text_bytes", false);
  }
  return in;
}

int64_t ActionInputs::frames() const {
  for (const at::Tensor* t : {&raw_actions, &types, &mouse_trajectories})
    if (t->defined()) return t->size(1);
  throw Error("the action inputs hold no tensor", kWhere);
}

ActionInputs ActionInputs::map(const std::function<at::Tensor(const at::Tensor&)>& fn) const {
  ActionInputs o;
  auto mv = [&](const at::Tensor& t) { return t.defined() ? fn(t) : t; };
  o.raw_actions = mv(raw_actions);
  o.mouse_trajectories = mv(mouse_trajectories);
  o.cursor_valid = mv(cursor_valid);
  o.types = mv(types);
  o.button = mv(button);
  o.click_count = mv(click_count);
  o.drag = mv(drag);
  o.scroll_direction = mv(scroll_direction);
  o.scroll_amount = mv(scroll_amount);
  o.shortcut = mv(shortcut);
  o.text_bytes = mv(text_bytes);
  o.text_features = mv(text_features);
  return o;
}

ActionInputs ActionInputs::to(const c10::Device& device) const {
  return map([&](const at::Tensor& t) { return t.to(device); });
}

ActionInputs ActionInputs::frames_slice(int64_t start, int64_t length) const {
  check(start >= 0 && length >= 0 && start + length <= frames(),
        "frames [" + std::to_string(start) + ", " + std::to_string(start + length) + ") are outside the " +
            std::to_string(frames()) + " frames of the actions",
        kWhere);
  return map([&](const at::Tensor& t) { return t.narrow(1, start, length); });
}

ActionInputs ActionInputs::unsqueeze_batch() const {
  return map([](const at::Tensor& t) { return t.unsqueeze(0); });
}

// ---- alignment (PAPER.md §2.3) ----------------------------------------------------------------

at::Tensor alignment_matrix(int64_t latent_steps, int64_t frames, int temporal_stride, int window, int lag) {
  check(temporal_stride > 0 && window > 0 && lag >= 0 && latent_steps > 0 && frames > 0,
        "alignment needs stride, window, latent steps and frames > 0 and lag >= 0", kWhere);
  const int64_t p = static_cast<int64_t>(temporal_stride) * window;
  at::Tensor m = at::zeros({latent_steps, frames}, at::kFloat);
  auto acc = m.accessor<float, 2>();
  for (int64_t t = 0; t < latent_steps; ++t) {
    const int64_t anchor = t * temporal_stride;
    for (int64_t k = 0; k < p; ++k) {
      const int64_t f = anchor - (p - 1 + lag) + k;  // the window ends at a_t - lag
      if (f >= 0 && f < frames) acc[t][f] += 1.0f / static_cast<float>(p);
    }
  }
  return m;
}

at::Tensor align_to_latent_steps(const at::Tensor& per_frame, int64_t latent_steps, int temporal_stride,
                                 int window, int lag) {
  check(per_frame.dim() == 3, "per-frame action features must be [B, F, D]", kWhere);
  const at::Tensor m = alignment_matrix(latent_steps, per_frame.size(1), temporal_stride, window, lag)
                           .to(per_frame.options());
  return at::matmul(m, per_frame);  // [T, F] x [B, F, D] -> [B, T, D]
}

at::Tensor align_latent_step(const at::Tensor& per_frame, int64_t first, int64_t step, int temporal_stride, int window,
                             int lag) {
  check(per_frame.dim() == 3, "per-frame action features must be [B, F, D]", kWhere);
  check(step >= 0 && first >= 0 && temporal_stride > 0 && window > 0 && lag >= 0,
        "alignment needs stride and window > 0, lag, step and first frame >= 0", kWhere);
  const int64_t p = static_cast<int64_t>(temporal_stride) * window;
  const int64_t end = step * temporal_stride - lag;  // the window's last frame
  const int64_t begin = std::max<int64_t>({end - p + 1, first, 0});
  const int64_t last = std::min<int64_t>(end, first + per_frame.size(1) - 1);
  if (last < begin) return at::zeros({per_frame.size(0), 1, per_frame.size(2)}, per_frame.options());
  return per_frame.narrow(1, begin - first, last - begin + 1).sum(1, true) / static_cast<double>(p);
}

// ---- mouse ------------------------------------------------------------------------------------

MouseEncoderImpl::MouseEncoderImpl(const ActionOptions& o, const at::TensorOptions& to) {
  int64_t in_dim = 2;
  if (o.mouse == "fourier") {
    // Fixed random Fourier features: drawn once from the seed, never trained.
    auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(o.fourier_seed));
    at::Tensor b = at::randn({2, o.fourier_features}, gen, at::TensorOptions().dtype(at::kFloat)) *
                   o.fourier_sigma;
    projection = register_buffer("projection", b.to(to.device()));
    in_dim = 2 * o.fourier_features;
  }
  auto seq = register_module("mlp", std::make_shared<torch::nn::Module>("Sequential"));
  mlp_in = seq->register_module("0", Linear(in_dim, o.dim, true, to));
  mlp_out = seq->register_module("2", Linear(o.dim, o.dim, true, to));
}

at::Tensor MouseEncoderImpl::forward(const at::Tensor& xy, const at::Tensor& valid) {
  check(xy.dim() == 3 && xy.size(2) == 2, "mouse_trajectories must be [B, F, 2]", kWhere);
  at::Tensor p = at::clamp(xy.to(at::kFloat), 0.0, 1.0) * 2 - 1;
  if (projection.defined()) {
    const at::Tensor angle = at::matmul(p, projection) * (2 * M_PI);
    p = at::cat({at::sin(angle), at::cos(angle)}, -1);
  }
  at::Tensor out = mlp_out->forward(at::silu(mlp_in->forward(p)));
  if (valid.defined()) out = out * valid.to(out.scalar_type()).unsqueeze(-1);
  return out;
}

// ---- encoder ----------------------------------------------------------------------------------

ActionEncoderImpl::ActionEncoderImpl(const ActionOptions& o, int64_t text_dim, const at::TensorOptions& to)
    : options_(o) {
  const int64_t d = o.dim;
  if (o.encoder == "v2") {
    type_embedding = make_table(*this, "type_embedding", kTypes, d, to);
    button_embedding = make_table(*this, "button_embedding", kButtons, d, to);
    click_embedding = make_table(*this, "click_embedding", kClickCounts, d, to);
    drag_embedding = make_table(*this, "drag_embedding", kDragFlags, d, to);
    scroll_embedding = make_table(*this, "scroll_embedding", kScrollDirections, d, to);
    shortcut_embedding = make_table(*this, "shortcut_embedding", gui::kShortcutVocab, d, to);
    byte_embedding = make_table(*this, "byte_embedding", 257, d, to);
    scroll_amount = register_module("scroll_amount", Linear(1, d, false, to));
    text_proj = register_module("text_proj", Linear(text_dim, d, true, to));
    if (o.aggregation == "attention") slot_query = make_table(*this, "slot_query", 1, d, to);
  } else {
    raw_in = register_module("raw_in", Linear(gui::kRawActions, d, false, to));
    raw_out = register_module("raw_out", Linear(d, d, false, to));
  }
  if (o.mouse != "none") mouse = register_module("mouse", MouseEncoder(o, to));
}

at::Tensor ActionEncoderImpl::encode_slots(const ActionInputs& in) {
  const at::Tensor& types = need(in.types, "action_types");
  check(types.dim() == 3, "action_types must be [B, F, S]", kWhere);
  auto is = [&](int type) { return types.eq(type).unsqueeze(-1).to(type_embedding.scalar_type()); };
  at::Tensor e = lookup(type_embedding, types, "action_types");  // [B, F, S, D]
  e = e + is(1) * (lookup(button_embedding, need(in.button, "action_button"), "action_button") +
                   lookup(click_embedding, need(in.click_count, "action_click_count"), "action_click_count") +
                   lookup(drag_embedding, need(in.drag, "action_drag"), "action_drag"));
  const at::Tensor amount = at::log1p(need(in.scroll_amount, "action_scroll_amount").to(at::kFloat).abs());
  e = e + is(2) * (lookup(scroll_embedding, need(in.scroll_direction, "action_scroll_direction"),
                          "action_scroll_direction") +
                   scroll_amount->forward(amount.unsqueeze(-1)));
  // Typed text: the shared text encoder's features when given, else its UTF-8 bytes.
  if (in.text_features.defined()) {
    e = e + is(3) * text_proj->forward(in.text_features);
  } else if (in.text_bytes.defined()) {
    const at::Tensor bytes = in.text_bytes.to(at::kLong);
    const at::Tensor present = bytes.gt(0).unsqueeze(-1).to(e.scalar_type());  // [B, F, S, N, 1]
    const at::Tensor sum = (lookup(byte_embedding, bytes, "action_text_bytes") * present).sum(-2);
    e = e + is(3) * sum / at::clamp(present.sum(-2), 1.0);
  }
  e = e + is(4) * lookup(shortcut_embedding, need(in.shortcut, "action_shortcut"), "action_shortcut");

  const at::Tensor valid = types.gt(0);  // [B, F, S]
  if (options_.aggregation == "attention") {
    const at::Tensor logits = at::matmul(e, slot_query.t()).squeeze(-1) / std::sqrt(double(options_.dim));
    const at::Tensor masked = at::where(valid, logits, at::full_like(logits, -1e30));
    const at::Tensor w = at::softmax(masked, -1) * valid.to(e.scalar_type());  // 0 for frames without actions
    return (e * w.unsqueeze(-1)).sum(-2);
  }
  const at::Tensor vf = valid.unsqueeze(-1).to(e.scalar_type());
  return (e * vf).sum(-2) / at::clamp(vf.sum(-2), 1.0);
}

at::Tensor ActionEncoderImpl::encode_frames(const ActionInputs& in) {
  at::Tensor r;
  if (options_.encoder == "v2") {
    r = encode_slots(in);
  } else {
    const at::Tensor& raw = need(in.raw_actions, "raw_actions");
    check(raw.dim() == 3 && raw.size(2) == gui::kRawActions,
          "raw_actions must be [B, F, " + std::to_string(gui::kRawActions) + "]", kWhere);
    r = raw_out->forward(at::silu(raw_in->forward(raw.to(raw_in->weight.scalar_type()))));
  }
  if (mouse) {
    const at::Tensor& xy = need(in.mouse_trajectories, "mouse_trajectories");
    check(xy.size(0) == r.size(0) && xy.size(1) == r.size(1), "mouse_trajectories must have the actions' [B, F]",
          kWhere);
    r = r + mouse->forward(xy, in.cursor_valid);
  }
  return r;
}

at::Tensor ActionEncoderImpl::forward(const ActionInputs& in, int64_t latent_steps) {
  return align_to_latent_steps(encode_frames(in), latent_steps, options_.temporal_stride, options_.window,
                               options_.lag);
}

}  // namespace nc::model
