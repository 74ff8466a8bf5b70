// The root of the config tree: one section per concern. A YAML/JSON config file is this struct
// written out (`nc config show` prints the resolved one; `nc config keys` lists every key).
#pragma once

#include "nc/core/config.h"
#include "nc/core/run_config.h"
#include "nc/data/clip_options.h"
#include "nc/data/data_options.h"
#include "nc/data/tape_options.h"
#include "nc/eval/eval_options.h"
#include "nc/gui/gui_options.h"
#include "nc/infer/sampler.h"
#include "nc/model/model_config.h"
#include "nc/term/render_options.h"
#include "nc/train/train_options.h"

namespace nc {

struct Config {
  RunConfig run;
  term::RenderOptions render;
  data::ClipOptions clips;
  model::ModelConfig model;
  data::DataOptions data;
  train::TrainOptions train;
  infer::SamplerOptions rollout;
  data::TapeOptions tapes;
  gui::GuiOptions gui;
  eval::EvalOptions eval;

  template <class V>
  void visit(V& v) {
    v("run", run, "seed, device and threads of the run");
    v("render", render, "terminal rendering: font, spacing, theme, cursor, frame size");
    v("clips", clips, "recordings to clips: sampling, segmentation, length, filters, shards");
    v("model", model, "the networks: VAE, text encoder, diffusion transformer, flow matching");
    v("data", data, "what training reads: shards, held-out split, sample shape, batch, loader");
    v("train", train, "training: stage, optimiser, schedule, checkpoints, logging, data parallelism");
    v("rollout", rollout, "sampling: sampler, steps, shift, guidance");
    v("tapes", tapes, "VHS tapes: parallel runs, sandbox, timeout, resource limits, frame scale");
    v("gui", gui, "desktop traces: alignment, letterbox, cursor, synthetic agent, recorder");
    v("eval", eval, "nc eval: metric choices the paper leaves open (docs/EVAL.md)");
  }
};

}  // namespace nc
