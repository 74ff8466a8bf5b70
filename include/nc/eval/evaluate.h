// `nc eval`: generated videos against reference clips, every metric of PAPER.md §3 whose
// inputs exist (docs/EVAL.md). Predictions pair with reference clips by id; T = min(T_gen,
// T_gt) for frame-by-frame metrics. The result is one JSON document (eval.json): per frame,
// per clip and overall values, the pairing, the options and timings.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <c10/core/Device.h>
#include <nlohmann/json.hpp>

#include "nc/eval/eval_options.h"

namespace nc::eval {

struct EvalInputs {
  std::string pred;              // folder of predictions (prediction_set.h)
  std::string pred_reprompt;     // arithmetic probe predictions with "The answer is N" appended
  std::vector<std::string> ref;  // .ncshard files or shard folders
  std::string pool;              // pool.json of the arithmetic probe
};

// Called after each clip / probe problem: (done, total, id). For progress display.
using EvalProgress = std::function<void(int64_t done, int64_t total, const std::string& id)>;

// Runs the metrics of options.metrics that the inputs allow; nc::Error on unusable inputs
// (missing folders, no clip paired, unreadable weights).
nlohmann::ordered_json evaluate(const EvalInputs& inputs, const EvalOptions& options, c10::Device device,
                                const EvalProgress& progress = {});

}  // namespace nc::eval
