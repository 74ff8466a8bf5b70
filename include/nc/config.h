// The root of the config tree: one section per concern. A YAML/JSON config file is this struct
// written out (`nc config show` prints the resolved one; `nc config keys` lists every key).
#pragma once

#include "nc/core/config.h"
#include "nc/core/run_config.h"

namespace nc {

struct Config {
  RunConfig run;

  template <class V>
  void visit(V& v) {
    v("run", run, "seed, device and threads of the run");
  }
};

}  // namespace nc
