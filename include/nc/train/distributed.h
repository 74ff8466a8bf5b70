// Data parallelism on torch's own c10d: ProcessGroupNCCL on CUDA, ProcessGroupGloo on CPU,
// rendezvous through a TCPStore. Reads torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK,
// MASTER_ADDR, MASTER_PORT) or SLURM's (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID) as they are.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "nc/train/train_options.h"

namespace nc::train {

struct DistEnv {
  int rank = 0, world = 1, local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string source = "none";  // "torchrun", "slurm" or "none"

  // From the environment; a malformed variable is an nc::Error naming it.
  static DistEnv from_environment();
};

class Distributed {
 public:
  // world == 1 with backend auto: no process group, every collective is a no-op.
  static std::unique_ptr<Distributed> init(const DistEnv& env, const DistOptions& options,
                                           const c10::Device& device);
  virtual ~Distributed() = default;

  int rank() const { return env_.rank; }
  int world() const { return env_.world; }
  // Whether collectives go through a process group (world > 1, or a backend named for one rank).
  virtual bool active() const { return false; }

  // Averages tensors (gradients) across ranks in place, flattened into buckets of about
  // `bucket_bytes` per call.
  virtual void allreduce_mean(const std::vector<at::Tensor>& tensors, int64_t bucket_bytes = 25 << 20) {}
  virtual void broadcast(const std::vector<at::Tensor>& tensors, int root = 0) {}
  // The mean (or max) of one number over ranks.
  virtual double mean(double value) { return value; }
  virtual double max(double value) { return value; }
  virtual void barrier() {}

 protected:
  explicit Distributed(DistEnv env) : env_(std::move(env)) {}
  DistEnv env_;
};

// The device this rank uses: cuda:LOCAL_RANK when the run's device is CUDA, else the device.
c10::Device rank_device(const c10::Device& configured, const DistEnv& env);

}  // namespace nc::train
