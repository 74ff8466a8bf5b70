// The root of the config tree: one section per concern. A YAML/JSON config file is this struct
// written out (`nc config show` prints the resolved one; `nc config keys` lists every key).
#pragma once

#include "nc/core/config.h"
#include "nc/core/run_config.h"
#include "nc/data/clip_options.h"
#include "nc/eval/eval_options.h"
#include "nc/term/render_options.h"

namespace nc {

struct Config {
  RunConfig run;
  term::RenderOptions render;
  data::ClipOptions clips;
  eval::EvalOptions eval;

  template <class V>
  void visit(V& v) {
    v("run", run, "seed, device and threads of the run");
    v("render", render, "terminal rendering: font, spacing, theme, cursor, frame size");
    v("clips", clips, "recordings to clips: sampling, segmentation, length, filters, shards");
    v("eval", eval, "nc eval: metric choices the paper leaves open (docs/EVAL.md)");
  }
};

}  // namespace nc
