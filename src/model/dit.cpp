#include "nc/model/dit.h"

#include <cmath>
#include <string>

#include <ATen/TensorOperators.h>
#include <ATen/core/grad_mode.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/conv3d.h>
#include <ATen/ops/cos.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/gelu.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/outer.h>
#include <ATen/ops/pow.h>
#include <ATen/ops/silu.h>
#include <ATen/ops/sin.h>
#include <ATen/ops/zeros.h>

#include "nc/core/error.h"
#include "nc/core/torch_compat.h"
#include "nc/model/grad_checkpoint.h"

namespace nc::model {

namespace {

std::string shape_str(const at::Tensor& t) {
  if (!t.defined()) return "undefined";
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

// An unnamed parent whose children carry Sequential-style indices ("text_embedding.0").
std::shared_ptr<torch::nn::Module> add_container(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>("Sequential"));
}

void init_modulation(at::Tensor& m, int64_t dim) {
  init_normal(m, 1.0 / std::sqrt(static_cast<double>(dim)));
}

// Wan's adaLN terms `param + e0` (float32), each broadcastable to the stream [B, L, dim]:
// e0 [B, n, dim] gives n x [B, 1, dim]; per latent frame, e0 [B, F, n, dim] gives n x [B, L, dim]
// with every token of a frame taking its frame's terms.
std::vector<at::Tensor> modulation_terms(const at::Tensor& param, const at::Tensor& e0, int64_t tokens_per_frame) {
  const at::Tensor m = param.to(at::kFloat) + e0.to(at::kFloat);
  if (m.dim() == 3) return m.chunk(m.size(1), 1);
  TORCH_CHECK(m.dim() == 4 && tokens_per_frame > 0, "modulation: per-frame terms need the tokens per frame");
  const int64_t b = m.size(0), f = m.size(1), n = m.size(2), dim = m.size(3);
  return m.unsqueeze(2).expand({b, f, tokens_per_frame, n, dim}).reshape({b, f * tokens_per_frame, n, dim}).unbind(2);
}

}  // namespace

at::Tensor sinusoidal_embedding(const at::Tensor& position, int64_t dim) {
  TORCH_CHECK(dim % 2 == 0, "sinusoidal_embedding: dim must be even, got ", dim);
  TORCH_CHECK(position.dim() == 1, "sinusoidal_embedding: position must be [B], got ",
              position.sizes());
  const int64_t half = dim / 2;
  const at::Tensor p = position.to(at::kDouble);
  const at::Tensor freqs =
      at::pow(10000.0, -at::arange(half, p.options()) / static_cast<double>(half));
  const at::Tensor angle = at::outer(p, freqs);  // [B, half]
  return at::cat({at::cos(angle), at::sin(angle)}, 1).to(at::kFloat);
}

// ---- PatchEmbedding ---------------------------------------------------------------------------

PatchEmbeddingImpl::PatchEmbeddingImpl(int64_t in_dim, int64_t dim, std::vector<int64_t> patch,
                                       const at::TensorOptions& options)
    : patch_(std::move(patch)) {
  TORCH_CHECK(patch_.size() == 3, "PatchEmbedding: patch needs 3 entries");
  weight = register_parameter(
      "weight", at::empty({dim, in_dim, patch_[0], patch_[1], patch_[2]}, options));
  bias = register_parameter("bias", at::empty({dim}, options));
  if (!is_meta(weight)) {
    // PyTorch's Conv3d default: U(+-1/sqrt(fan_in)) for weight and bias.
    at::NoGradGuard no_grad;
    const double bound = 1.0 / std::sqrt(static_cast<double>(weight[0].numel()));
    weight.uniform_(-bound, bound);
    bias.uniform_(-bound, bound);
  }
}

at::Tensor PatchEmbeddingImpl::forward(const at::Tensor& x) {
  TORCH_CHECK(x.dim() == 5 && x.size(1) == weight.size(1),
              "PatchEmbedding: x must be [B, ", weight.size(1), ", F, H, W], got ", x.sizes());
  const at::Tensor in =
      x.scalar_type() == weight.scalar_type() || compat::autocast_enabled(x.device().type())
          ? x
          : x.to(weight.scalar_type());
  return at::conv3d(in, weight, bias, patch_);
}

// ---- MlpProj ----------------------------------------------------------------------------------

MlpProjImpl::MlpProjImpl(int64_t in_dim, int64_t out_dim, const at::TensorOptions& options) {
  auto proj = add_container(*this, "proj");
  norm_in = proj->register_module("0", LayerNorm(in_dim, 1e-5, true, options));
  fc1 = proj->register_module("1", Linear(in_dim, in_dim, true, options));
  fc2 = proj->register_module("3", Linear(in_dim, out_dim, true, options));
  norm_out = proj->register_module("4", LayerNorm(out_dim, 1e-5, true, options));
}

at::Tensor MlpProjImpl::forward(const at::Tensor& x) {
  return norm_out->forward(fc2->forward(at::gelu(fc1->forward(norm_in->forward(x)))));
}

// ---- DitBlock ---------------------------------------------------------------------------------

DitBlockImpl::DitBlockImpl(const DitOptions& o, const at::TensorOptions& to, const std::string& action_injection) {
  norm1 = register_module("norm1", LayerNorm(o.dim, o.eps, false, to));
  self_attn = register_module("self_attn", WanSelfAttention(o.dim, o.num_heads, o.qk_norm, o.eps, to));
  if (o.cross_attn_norm) norm3 = register_module("norm3", LayerNorm(o.dim, o.eps, true, to));
  cross_attn = register_module(
      "cross_attn", WanCrossAttention(o.dim, o.num_heads, o.has_image_tokens(), o.qk_norm, o.eps, to));
  norm2 = register_module("norm2", LayerNorm(o.dim, o.eps, false, to));
  auto ffn = add_container(*this, "ffn");
  ffn_in = ffn->register_module("0", Linear(o.dim, o.ffn_dim, true, to));
  ffn_out = ffn->register_module("2", Linear(o.ffn_dim, o.dim, true, to));
  modulation = register_parameter("modulation", at::empty({1, 6, o.dim}, to));
  init_modulation(modulation, o.dim);
  if (action_injection == "internal") {
    action_norm = register_module("action_norm", LayerNorm(o.dim, o.eps, true, to));
    action_attn = register_module("action_attn", ActionAttention(o.dim, o.dim, o.num_heads, o.eps, to));
  } else if (action_injection == "contextual") {
    context_gate = register_parameter("context_gate", at::zeros({o.dim}, to));
  }
}

at::Tensor DitBlockImpl::forward(const at::Tensor& x, const at::Tensor& e0,
                                 const DitBlockContext& ctx) {
  // Wan does the modulation arithmetic in float32 whatever the autocast dtype.
  const auto mod = modulation_terms(modulation, e0, ctx.tokens_per_frame);  // 6 x [B, 1 or L, dim]
  const at::Tensor xf = x.to(at::kFloat);
  const at::Tensor normed1 = norm1->forward(xf) * (1 + mod[1]) + mod[0];
  at::Tensor y1;
  if (ctx.past_k)
    y1 = self_attn->forward_with_past(normed1, ctx.rope, *ctx.past_k, *ctx.past_v, ctx.new_k, ctx.new_v);
  else if (ctx.action_rows_mask.defined())
    y1 = contextual_self_attention(*self_attn, normed1, ctx.rope, ctx.self_attn_mask, ctx.action_mask,
                                   ctx.action_rows_mask, context_gate);
  else
    y1 = self_attn->forward(normed1, ctx.rope, ctx.self_attn_mask);
  at::Tensor h = xf + y1.to(at::kFloat) * mod[2];
  const at::Tensor normed3 = norm3 ? norm3->forward(h) : h;
  h = h + cross_attn->forward(normed3, ctx.context, ctx.context_mask, ctx.image).to(at::kFloat);
  // Internal action injection (PAPER.md §2.3): after the text cross-attention, before the FFN.
  if (action_attn && ctx.action_tokens.defined())
    h = h + action_attn->forward(action_norm->forward(h), ctx.action_tokens, ctx.action_mask).to(at::kFloat);
  const at::Tensor y2 = ffn_out->forward(
      at::gelu(ffn_in->forward(norm2->forward(h) * (1 + mod[4]) + mod[3]), "tanh"));
  return h + y2.to(at::kFloat) * mod[5];
}

// ---- DitHead ----------------------------------------------------------------------------------

DitHeadImpl::DitHeadImpl(int64_t dim, int64_t out_features, double eps,
                         const at::TensorOptions& options) {
  norm = register_module("norm", LayerNorm(dim, eps, false, options));
  head = register_module("head", Linear(dim, out_features, true, options));
  modulation = register_parameter("modulation", at::empty({1, 2, dim}, options));
  init_modulation(modulation, dim);
}

at::Tensor DitHeadImpl::forward(const at::Tensor& x, const at::Tensor& e, int64_t tokens_per_frame) {
  compat::NoAutocastGuard float32;  // Wan runs the head in float32
  const auto mod = modulation_terms(modulation, e.unsqueeze(-2), tokens_per_frame);
  return head->forward(norm->forward(x.to(at::kFloat)) * (1 + mod[1]) + mod[0]);
}

// ---- Dit --------------------------------------------------------------------------------------

DitImpl::DitImpl(DitOptions options, const at::TensorOptions& to, ActionOptions action)
    : options_((options.validate(), std::move(options))),
      action_(std::move(action)),
      rope_(options_.head_dim(), options_.rope_max_len, options_.rope_theta) {
  const DitOptions& o = options_;
  const std::vector<int64_t> patch(o.patch_size.begin(), o.patch_size.end());
  patch_embedding = register_module("patch_embedding", PatchEmbedding(o.in_dim, o.dim, patch, to));

  auto text = add_container(*this, "text_embedding");
  text_embedding_0 = text->register_module("0", Linear(o.text_dim, o.dim, true, to));
  text_embedding_2 = text->register_module("2", Linear(o.dim, o.dim, true, to));
  auto time = add_container(*this, "time_embedding");
  time_embedding_0 = time->register_module("0", Linear(o.freq_dim, o.dim, true, to));
  time_embedding_2 = time->register_module("2", Linear(o.dim, o.dim, true, to));
  auto proj = add_container(*this, "time_projection");
  time_projection_1 = proj->register_module("1", Linear(o.dim, 6 * o.dim, true, to));

  auto list = add_container(*this, "blocks");
  const ActionOptions& a = action_;
  check(!a.enabled() || o.patch_size[0] == 1,
        "action injection needs model.dit.patch_size[0] = 1 (one token frame per latent step)",
        "model.action.injection");
  check(!o.causal || a.injection != "contextual",
        "contextual injection builds its own attention mask: it does not combine with model.dit.causal",
        "model.action.injection");
  for (int i = 0; i < o.num_layers; ++i) {
    const std::string mode =
        a.injection == "contextual" || (a.injection == "internal" && a.in_blocks(i)) ? a.injection : "none";
    blocks.push_back(list->register_module(std::to_string(i), DitBlock(o, to, mode)));
  }
  for (int b : a.blocks)
    check(b < o.num_layers,
          "block " + std::to_string(b) + " does not exist (model.dit.num_layers is " +
              std::to_string(o.num_layers) + ")",
          "model.action.blocks");

  const int64_t patch_volume = patch[0] * patch[1] * patch[2];
  head = register_module("head", DitHead(o.dim, o.out_dim * patch_volume, o.eps, to));
  if (o.has_image_tokens()) img_emb = register_module("img_emb", MlpProj(o.clip_dim, o.dim, to));

  if (a.enabled()) {
    action_encoder = register_module("action_encoder", ActionEncoder(a, o.text_dim, to));
    if (a.injection == "external") {
      action_external = register_module("action_external", ExternalActionModule(o.out_dim, a, to));
    } else {
      auto emb = add_container(*this, "action_embedding");
      action_embedding_0 = emb->register_module("0", Linear(a.dim, o.dim, true, to));
      action_embedding_2 = emb->register_module("2", Linear(o.dim, o.dim, true, to));
    }
    if (a.injection == "residual") {
      auto res = add_container(*this, "action_residual");
      action_residual.resize(o.num_layers, ResidualActionModule(nullptr));
      for (int i = 0; i < o.num_layers; ++i)
        if (a.in_blocks(i))
          action_residual[i] = res->register_module(std::to_string(i), ResidualActionModule(o.dim, o.eps, to));
    }
    if (a.contrastive()) {
      auto heads = add_container(*this, "action_contrastive");
      action_contrastive_frame = heads->register_module("frame", Linear(o.dim, a.contrastive_dim, true, to));
      action_contrastive_action = heads->register_module("action", Linear(a.dim, a.contrastive_dim, true, to));
    }
    if (a.future_prediction())
      action_future = register_module("action_future", Linear(a.dim, o.dim, true, to));
  }
  if (a.cursor.position_weight > 0)
    cursor_position = register_module("cursor_position", Linear(o.dim, 1, true, to));
  if (o.i2v_skip) i2v_skip = register_parameter("i2v_skip", at::zeros({o.out_dim}, to));

  init_weights();
}

void DitImpl::init_weights() {
  for (const auto& m : modules(/*include_self=*/false)) {
    if (auto* linear = m->as<LinearImpl>()) {
      init_xavier_uniform(linear->weight);
      init_zeros(linear->bias);
    }
  }
  at::Tensor patch_weight = patch_embedding->weight.flatten(1);  // a view: fans (C*prod(p), dim)
  init_xavier_uniform(patch_weight);
  for (Linear* l : {&text_embedding_0, &text_embedding_2, &time_embedding_0, &time_embedding_2})
    init_normal((*l)->weight, 0.02);
  init_zeros(head->head->weight);
  if (i2v_skip.defined()) init_zeros(i2v_skip);
  for (auto& block : blocks) init_modulation(block->modulation, options_.dim);
  init_modulation(head->modulation, options_.dim);
  // Every action path starts at zero: the model computes what the plain DiT computes.
  if (action_external) action_external->zero_output();
  for (auto& block : blocks) {
    if (block->action_attn) block->action_attn->zero_output();
    if (block->context_gate.defined()) init_zeros(block->context_gate);
  }
  for (auto& r : action_residual)
    if (r) r->zero_output();
}

int64_t DitImpl::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

at::Tensor DitImpl::patchify(const at::Tensor& x, RopeGrid& grid) {
  const at::Tensor patches = patch_embedding->forward(x);  // [B, dim, f, h, w]
  grid.frames = patches.size(2);
  grid.height = patches.size(3);
  grid.width = patches.size(4);
  return patches.flatten(2).transpose(1, 2).to(at::kFloat);
}

at::Tensor DitImpl::unpatchify(const at::Tensor& tokens, const RopeGrid& grid) const {
  const auto& p = options_.patch_size;
  const int64_t b = tokens.size(0), c = options_.out_dim;
  TORCH_CHECK(tokens.size(1) == grid.tokens(), "unpatchify: ", tokens.size(1),
              " tokens for a grid of ", grid.tokens());
  return tokens.reshape({b, grid.frames, grid.height, grid.width, p[0], p[1], p[2], c})
      .permute({0, 7, 1, 4, 2, 5, 3, 6})
      .reshape({b, c, grid.frames * p[0], grid.height * p[1], grid.width * p[2]});
}

std::pair<at::Tensor, at::Tensor> DitImpl::embed_time(const at::Tensor& t) {
  compat::NoAutocastGuard float32;  // Wan: time embedding and projection in float32
  const at::Tensor sinusoid = sinusoidal_embedding(t.reshape({-1}), options_.freq_dim);
  at::Tensor e = time_embedding_2->forward(at::silu(time_embedding_0->forward(sinusoid))).to(at::kFloat);
  at::Tensor e0 = time_projection_1->forward(at::silu(e)).to(at::kFloat).unflatten(1, {6, options_.dim});
  if (t.dim() == 2) {  // a timestep per latent frame
    e = e.unflatten(0, {t.size(0), t.size(1)});
    e0 = e0.unflatten(0, {t.size(0), t.size(1)});
  }
  return {e, e0};
}

at::Tensor DitImpl::embed_text(const at::Tensor& context, at::Tensor* context_mask) {
  const int64_t len = options_.text_len;
  check(context.dim() == 3 && context.size(2) == options_.text_dim && context.size(1) <= len,
        "text context must be [B, Lt <= text_len, text_dim] = [B, <= " + std::to_string(len) +
            ", " + std::to_string(options_.text_dim) + "], got " + shape_str(context),
        "Dit::forward");
  at::Tensor padded = context;
  const int64_t missing = len - context.size(1);
  if (missing > 0) {
    padded = at::cat({context, at::zeros({context.size(0), missing, context.size(2)},
                                         context.options())},
                     1);
  }
  if (context_mask && context_mask->defined()) {
    check(context_mask->dim() == 2 && context_mask->size(0) == context.size(0) &&
              context_mask->size(1) == context.size(1),
          "context_mask must be [B, Lt] like the context, got " + shape_str(*context_mask),
          "Dit::forward");
    at::Tensor m = context_mask->to(at::kBool);
    if (missing > 0)
      m = at::cat({m, at::zeros({m.size(0), missing}, m.options())}, 1);
    *context_mask = m;
  }
  return text_embedding_2->forward(
      at::gelu(text_embedding_0->forward(padded), "tanh"));
}

at::Tensor DitImpl::run_block(size_t index, const at::Tensor& x, const at::Tensor& e0,
                              const DitBlockContext& ctx) {
  DitBlock block = blocks[index];
  if (!(options_.gradient_checkpointing && is_training() && at::GradMode::is_enabled()))
    return block->forward(x, e0, ctx);
  // Recompute the block in backward. The tensors that may carry gradients (the stream, the
  // time modulation, the projected text and image tokens) are inputs; masks and RoPE are not.
  std::vector<at::Tensor> inputs = {x, e0, ctx.context};
  const bool has_image = ctx.image.defined(), has_actions = ctx.action_tokens.defined();
  if (has_image) inputs.push_back(ctx.image);
  if (has_actions) inputs.push_back(ctx.action_tokens);
  CheckpointFn fn = [block, rope = ctx.rope, context_mask = ctx.context_mask,
                     self_mask = ctx.self_attn_mask, action_mask = ctx.action_mask,
                     action_rows_mask = ctx.action_rows_mask, tokens_per_frame = ctx.tokens_per_frame, has_image,
                     has_actions](const std::vector<at::Tensor>& in) mutable {
    DitBlockContext c;
    c.rope = rope;
    c.context = in[2];
    c.context_mask = context_mask;
    c.image = has_image ? in[3] : at::Tensor();
    c.self_attn_mask = self_mask;
    c.action_tokens = has_actions ? in.back() : at::Tensor();
    c.action_mask = action_mask;
    c.action_rows_mask = action_rows_mask;
    c.tokens_per_frame = tokens_per_frame;
    return block->forward(in[0], in[1], c);
  };
  return grad_checkpoint(std::move(fn), inputs, block->parameters());
}

at::Tensor DitImpl::forward(const at::Tensor& x, const at::Tensor& t, const at::Tensor& context,
                            const at::Tensor& clip_fea, const at::Tensor& y,
                            const DitForwardOptions& extra) {
  const DitOptions& o = options_;
  check(x.dim() == 5, "x must be [B, C, F, H, W], got " + shape_str(x), "Dit::forward");
  const int64_t b = x.size(0);
  check(o.is_i2v() || !clip_fea.defined(), "a t2v model takes no clip_fea (model.dit.model_type is t2v)",
        "Dit::forward");
  check(!o.is_i2v() || clip_fea.defined() == o.has_image_tokens(),
        o.has_image_tokens() ? "this i2v model needs clip_fea (model.dit.image_context is true)"
                             : "this i2v model takes no clip_fea (model.dit.image_context is false)",
        "Dit::forward");
  check(!clip_fea.defined() || (clip_fea.dim() == 3 && clip_fea.size(0) == b && clip_fea.size(2) == o.clip_dim),
        "clip_fea must be [B, N, " + std::to_string(o.clip_dim) + "], got " + shape_str(clip_fea), "Dit::forward");
  at::Tensor input = join_input(x, y);
  // PAPER.md §2.3: the shared encoder gives one action feature per latent step.
  at::Tensor actions;  // [B, T, D]
  if (action_.enabled()) {
    check(extra.actions.frames() > 0, "model.action.injection is " + action_.injection + ": actions are required",
          "Dit::forward");
    actions = action_encoder->forward(extra.actions, x.size(2)).to(at::kFloat);
    check(actions.size(0) == b, "actions must have the latent's batch size " + std::to_string(b), "Dit::forward");
    if (extra.features) extra.features->actions = actions;
    if (action_external) {  // external: z' = z + Δz before the DiT (the y condition is untouched)
      input = add_to_latent(input, action_external->forward(x, actions));
    } else {
      actions = embed_actions(actions);
    }
  }
  for (int a = 0; a < 3; ++a)
    check(input.size(2 + a) % o.patch_size[a] == 0,
          "latent size " + shape_str(input) + " is not divisible by the patch size",
          "Dit::forward");
  const int64_t latent_steps = x.size(2) / o.patch_size[0];
  check((t.dim() == 1 && t.size(0) == b) || (t.dim() == 2 && t.size(0) == b && t.size(1) == latent_steps),
        "t must be [B] = [" + std::to_string(b) + "] or per latent frame [B, F] = [" + std::to_string(b) + ", " +
            std::to_string(latent_steps) + "], got " + shape_str(t),
        "Dit::forward");
  check(t.dim() == 1 || !(actions.defined() && action_.injection == "contextual"),
        "per-frame timesteps do not combine with contextual action injection", "Dit::forward");
  check(context.dim() == 3 && context.size(0) == b,
        "context must be [B, Lt, text_dim] with B = " + std::to_string(b) + ", got " +
            shape_str(context),
        "Dit::forward");

  RopeGrid grid;
  at::Tensor h = patchify(input, grid);  // [B, L, dim] float32
  grid.frame_offset = extra.frame_offset;

  const auto [e, e0] = embed_time(t);
  DitBlockContext ctx;
  ctx.context_mask = extra.context_mask;
  ctx.context = embed_text(context, &ctx.context_mask);
  if (o.has_image_tokens()) ctx.image = img_emb->forward(clip_fea);
  ctx.self_attn_mask = extra.self_attn_mask;
  ctx.rope = rope_.tables(grid, h.device());

  const int64_t video_tokens = h.size(1), tokens_per_frame = grid.height * grid.width;
  ctx.tokens_per_frame = tokens_per_frame;
  if (o.causal) {
    check(!extra.self_attn_mask.defined(), "a causal model builds its own attention mask", "Dit::forward");
    ctx.self_attn_mask = block_causal_mask(grid.frames, tokens_per_frame).to(h.device());
  }
  at::Tensor window;  // [frames, T] latent step i sees actions [i - step_lag, i]
  if (actions.defined() && !action_external) {
    window = action_window(grid.frames, actions.size(1), action_.step_lag).to(h.device());
    if (action_.injection == "contextual") {
      const at::Tensor m = contextual_mask(grid.frames, tokens_per_frame, actions.size(1), action_.frame_window,
                                           action_.step_lag)
                               .to(h.device());
      check(!extra.self_attn_mask.defined(), "contextual action injection builds its own self-attention mask",
            "Dit::forward");
      if (action_.frame_window >= 0) ctx.self_attn_mask = m.slice(0, 0, video_tokens).slice(1, 0, video_tokens);
      ctx.action_mask = m.slice(0, 0, video_tokens).slice(1, video_tokens);
      ctx.action_rows_mask = m.slice(0, video_tokens);
      h = at::cat({h, actions}, 1);  // [V; A]
    } else if (action_.injection == "internal") {
      ctx.action_tokens = actions;
      ctx.action_mask = window.repeat_interleave(tokens_per_frame, 0);
    }
  }

  for (size_t i = 0; i < blocks.size(); ++i) {
    h = run_block(i, h, e0, ctx);
    if (!action_residual.empty() && action_residual[i]) h = h + action_residual[i]->forward(h, actions, window);
  }
  h = h.narrow(1, 0, video_tokens);  // contextual: drop the action tokens
  if (extra.features) {
    extra.features->tokens = h.view({b, grid.frames, tokens_per_frame, h.size(2)});
    extra.features->frames = extra.features->tokens.mean(2);
    extra.features->grid_height = grid.height;
    extra.features->grid_width = grid.width;
  }
  return add_screen_skip(unpatchify(head->forward(h, e, tokens_per_frame), grid).to(at::kFloat), y);
}

at::Tensor DitImpl::join_input(const at::Tensor& x, const at::Tensor& y) const {
  const DitOptions& o = options_;
  at::Tensor input = x;
  if (o.is_i2v()) {
    check(y.defined(), "an i2v model needs y (mask + first-frame latent)", "Dit::forward");
    check(y.dim() == 5 && y.size(0) == x.size(0) && y.size(2) == x.size(2) && y.size(3) == x.size(3) &&
              y.size(4) == x.size(4),
          "y must be [B, C_y, F, H, W] like x " + shape_str(x) + ", got " + shape_str(y), "Dit::forward");
    input = at::cat({x, y.to(x.scalar_type())}, 1);
  } else {
    check(!y.defined(), "a t2v model takes no y or clip_fea (model.dit.model_type is t2v)", "Dit::forward");
  }
  check(input.size(1) == o.in_dim,
        "input channels (x + y) are " + std::to_string(input.size(1)) + ", the model has in_dim " +
            std::to_string(o.in_dim),
        "Dit::forward");
  return input;
}

at::Tensor DitImpl::add_to_latent(const at::Tensor& input, const at::Tensor& delta) {
  const int64_t c = delta.size(1);
  return at::cat({input.narrow(1, 0, c) + delta.to(input.scalar_type()), input.narrow(1, c, input.size(1) - c)}, 1);
}

at::Tensor DitImpl::embed_actions(const at::Tensor& actions) {
  return action_embedding_2->forward(at::gelu(action_embedding_0->forward(actions), "tanh")).to(at::kFloat);
}

at::Tensor DitImpl::add_screen_skip(const at::Tensor& out, const at::Tensor& y) const {
  if (!i2v_skip.defined()) return out;
  // y is [mask, first-frame latent, cursor reference (tags + latent)?]
  const int64_t reference = action_.cursor.reference ? options_.out_dim + 1 : 0;
  const at::Tensor given = y.narrow(1, y.size(1) - reference - options_.out_dim, options_.out_dim).to(at::kFloat);
  return out + kScreenGateScale * i2v_skip.to(at::kFloat).view({1, -1, 1, 1, 1}) * given;
}

at::Tensor DitImpl::forward_cached(const at::Tensor& x, const at::Tensor& t, const at::Tensor& context,
                                   const at::Tensor& y, DitKvCache& cache, bool commit, const at::Tensor& action) {
  const DitOptions& o = options_;
  check(o.causal, "frame-by-frame generation needs a causal model", "model.dit.causal", "set it to true and train");
  check(!action_.cursor.reference, "frame-by-frame generation does not draw the cursor reference stream yet",
        "model.action.cursor.reference");
  check(!o.has_image_tokens(), "frame-by-frame generation takes no CLIP image tokens", "model.dit.image_context");
  check(x.dim() == 5 && x.size(2) == 1, "x must be one latent frame [B, C, 1, H, W], got " + shape_str(x),
        "Dit::forward_cached");
  check(t.dim() == 1 && t.size(0) == x.size(0), "t must be [B], got " + shape_str(t), "Dit::forward_cached");
  check(action.defined() == action_.enabled(),
        action_.enabled() ? "model.action.injection is " + action_.injection + ": the frame's action feature is required"
                          : std::string("this model takes no actions (model.action.injection is none)"),
        "Dit::forward_cached");
  check(!action.defined() || (action.dim() == 3 && action.size(0) == x.size(0) && action.size(1) == 1),
        "the action feature must be [B, 1, D], got " + shape_str(action), "Dit::forward_cached");
  at::Tensor input = join_input(x, y);
  at::Tensor actions;  // internal and residual: the embedded features of the steps this frame sees
  if (action.defined()) {
    const at::Tensor feature = action.to(at::kFloat);
    const bool past = cache.frames > 0;
    if (action_external) {  // Δz as forward() computes it for the last of the cached frames and this one
      const at::Tensor z = past ? at::cat({cache.inputs, x.to(cache.inputs.scalar_type())}, 2) : x;
      const at::Tensor a = past ? at::cat({cache.actions, feature}, 1) : feature;
      input = add_to_latent(input, action_external->forward(z, a).narrow(2, z.size(2) - 1, 1));
    } else {  // frame i sees steps [i - step_lag, i]: the last step_lag cached ones and its own
      const int64_t seen = std::min<int64_t>(action_.step_lag, cache.frames);
      actions = embed_actions(seen > 0 ? at::cat({cache.actions.narrow(1, cache.frames - seen, seen), feature}, 1)
                                       : feature);
    }
  }
  RopeGrid grid;
  at::Tensor h = patchify(input, grid);
  const int64_t tokens_per_frame = grid.height * grid.width;
  check(cache.frames == 0 || cache.tokens_per_frame == tokens_per_frame,
        "the cache holds frames of " + std::to_string(cache.tokens_per_frame) + " tokens, this one has " +
            std::to_string(tokens_per_frame),
        "Dit::forward_cached");
  RopeGrid span = grid;  // the cached frames, then this one, from position 0
  span.frames = cache.frames + 1;

  const auto [e, e0] = embed_time(t);
  DitBlockContext ctx;
  ctx.context = embed_text(context);
  ctx.rope = rope_.tables(span, h.device());
  if (actions.defined() && action_.injection == "internal") ctx.action_tokens = actions;  // every one visible
  const at::Tensor all_steps =
      actions.defined() ? at::ones({1, actions.size(1)}, at::TensorOptions().dtype(at::kBool).device(h.device()))
                        : at::Tensor();
  std::vector<at::Tensor> new_k(blocks.size()), new_v(blocks.size());
  const at::Tensor none;
  for (size_t i = 0; i < blocks.size(); ++i) {
    ctx.past_k = cache.frames > 0 ? &cache.k[i] : &none;
    ctx.past_v = cache.frames > 0 ? &cache.v[i] : &none;
    ctx.new_k = &new_k[i];
    ctx.new_v = &new_v[i];
    h = blocks[i]->forward(h, e0, ctx);
    if (!action_residual.empty() && action_residual[i]) h = h + action_residual[i]->forward(h, actions, all_steps);
  }
  if (commit)
    cache.push(new_k, new_v, action.defined() ? action.to(at::kFloat) : at::Tensor(),
               action_external ? x : at::Tensor());
  return add_screen_skip(unpatchify(head->forward(h, e), grid).to(at::kFloat), y);
}

}  // namespace nc::model
