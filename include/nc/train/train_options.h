// The `train` config section: the stage, the optimiser and its schedule, stability and
// bookkeeping (checkpoints, logs, samples), and data parallelism.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nc/core/config.h"

namespace nc::train {

struct OptimOptions {
  double lr = 5e-5;  // PAPER.md §2.2: AdamW 5e-5, weight decay 1e-2
  std::vector<double> betas = {0.9, 0.999};
  double weight_decay = 0.01;
  double eps = 1e-8;
  template <class V>
  void visit(V& v) {
    using namespace config;
    v("lr", lr, "peak learning rate", positive());
    v("betas", betas, "AdamW betas", between(0, 0.999999));
    v("weight_decay", weight_decay, "decoupled weight decay", at_least(0));
    v("eps", eps, "AdamW epsilon", positive());
  }
  void check(config::Checker& c) const { c.require(betas.size() == 2, "betas", "needs two values"); }
};

struct ScheduleOptions {
  std::string type = "cosine";
  int64_t warmup_steps = 0;
  double min_lr_ratio = 0.0;
  template <class V>
  void visit(V& v) {
    using namespace config;
    v("type", type, "after warm-up: cosine decay to min_lr_ratio x lr, or constant", one_of({"cosine", "constant"}));
    v("warmup_steps", warmup_steps, "linear warm-up from 0 over this many steps", at_least(0));
    v("min_lr_ratio", min_lr_ratio, "cosine floor as a fraction of lr", between(0, 1));
  }
};

struct VaeLossOptions {
  double l1 = 1.0, l2 = 0.0, kl = 1e-6;
  // Screens are mostly background: pixels away from their frame's background colour (the
  // per-channel median) weigh 1 + foreground in the L1/L2 terms, so glyphs are not drowned out.
  double foreground = 0;
  template <class V>
  void visit(V& v) {
    using namespace config;
    v("l1", l1, "weight of the L1 reconstruction loss", at_least(0));
    v("l2", l2, "weight of the L2 reconstruction loss", at_least(0));
    v("kl", kl, "weight of the KL term towards N(0, 1)", at_least(0));
    v("foreground", foreground,
      "extra weight of pixels away from the frame's background colour (median) in L1/L2; 0: off", at_least(0));
  }
};

struct DitTrainOptions {
  std::string first_frame = "encode";
  // Few-step distillation (docs/TRAINING.md "Distillation"): with a teacher, the stage trains a
  // one-step student (the DiT, usually started from the teacher's weights) to land, from pure
  // noise, where the teacher's sampler lands from the same noise under the same conditions.
  std::string teacher;        // a DiT checkpoint (folder or file) of this config's shape; empty: flow matching
  int teacher_steps = 16;
  std::string teacher_sampler = "unipc";
  // Self-rollout (causal models, docs/TRAINING.md "Causal models and distillation"): the share
  // of steps that learn a frame after context the DiT generated itself.
  double self_rollout = 0;
  template <class V>
  void visit(V& v) {
    using namespace config;
    v("first_frame", first_frame,
      "i2v conditioning latent: encode (Wan: the VAE over the first frame + zero frames) or slice "
      "(the clip latent's first step, zeros after: one VAE pass less)",
      one_of({"encode", "slice"}));
    v("teacher", teacher,
      "distil this DiT checkpoint into a one-step student (the trained DiT); empty: flow matching");
    v("teacher_steps", teacher_steps, "sampler steps of the teacher's targets", between(1, 1000));
    v("teacher_sampler", teacher_sampler, "the teacher's sampler: euler or unipc", one_of({"euler", "unipc"}));
    v("self_rollout", self_rollout,
      "causal models: the share of steps whose context frames the DiT generates itself (one x0 step each, "
      "re-noised to rollout.context_noise) before it learns the next true frame; 0: off",
      between(0, 1));
  }
};

struct DistOptions {
  std::string backend = "auto";
  double timeout_s = 300;
  template <class V>
  void visit(V& v) {
    using namespace config;
    v("backend", backend, "auto (NCCL on CUDA, Gloo on CPU), gloo or nccl", one_of({"auto", "gloo", "nccl"}));
    v("timeout_s", timeout_s, "a collective that waits longer fails with an error (a dead rank)", positive());
  }
};

struct TrainOptions {
  std::string stage = "dit";
  int64_t steps = 1000;
  int grad_accum = 1;
  double clip_grad_norm = 1.0;
  double ema_decay = 0;
  std::string precision = "fp32";
  int64_t log_every = 10;
  int64_t ckpt_every = 500;
  int keep_last = 3;
  int64_t eval_every = 0;
  int eval_batches = 4;
  int64_t sample_every = 0;
  double max_minutes = 0;
  OptimOptions optim;
  ScheduleOptions schedule;
  VaeLossOptions vae_loss;
  DitTrainOptions dit;
  DistOptions dist;

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("stage", stage, "what is trained: vae or dit", one_of({"vae", "dit"}));
    v("steps", steps, "optimiser steps", at_least(1));
    v("grad_accum", grad_accum, "micro-batches per optimiser step", at_least(1));
    v("clip_grad_norm", clip_grad_norm, "clip the global gradient norm to this; 0: off", at_least(0));
    v("ema_decay", ema_decay, "EMA of the weights (ema.safetensors); 0: off", between(0, 1));
    v("precision", precision, "fp32, or bf16 autocast (CUDA)", one_of({"fp32", "bf16"}));
    v("log_every", log_every, "steps between progress lines and metrics.jsonl records", at_least(1));
    v("ckpt_every", ckpt_every, "steps between checkpoints (one is always written at the end)", at_least(1));
    v("keep_last", keep_last, "checkpoints kept (older ones are deleted)", at_least(1));
    v("eval_every", eval_every, "steps between held-out losses; 0: at the end only", at_least(0));
    v("eval_batches", eval_batches, "held-out batches per evaluation", at_least(1));
    v("sample_every", sample_every, "steps between sample videos in the run folder; 0: off", at_least(0));
    v("max_minutes", max_minutes, "stop (with a checkpoint) after this many minutes; 0: no limit", at_least(0));
    v("optim", optim, "AdamW");
    v("schedule", schedule, "learning-rate schedule");
    v("vae_loss", vae_loss, "VAE stage loss weights");
    v("dit", dit, "DiT stage options");
    v("dist", dist, "data parallelism");
  }
};

}  // namespace nc::train
