// The `run` section every command shares: seed, device, threads.
#pragma once

#include <cstdint>
#include <string>

#include <c10/core/Device.h>

#include "nc/core/config.h"

namespace nc {

struct RunConfig {
  std::string name = "nc";
  int64_t seed = 0;
  std::string device = "auto";
  int threads = 0;

  template <class V>
  void visit(V& v) {
    v("name", name, "a name for the run, used in reports");
    v("seed", seed, "seed of every random number generator", config::at_least(0));
    v("device", device, "auto (CUDA when present, else CPU), cpu, cuda or cuda:N");
    v("threads", threads, "intra-op CPU threads; 0 = one per core", config::at_least(0));
  }
  void check(config::Checker& c) const;
};

// "auto" | "cpu" | "cuda" | "cuda:N" -> a device that exists here; nc::Error otherwise.
c10::Device pick_device(const std::string& spec);

// Applies `threads` (0 = one per available core) to LibTorch and OpenBLAS.
void apply_threads(int threads);

// Cores this process may run on (its CPU affinity).
int available_cores();

}  // namespace nc
