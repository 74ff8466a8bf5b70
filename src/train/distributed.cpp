#include "nc/train/distributed.h"

#include <chrono>
#include <cstdlib>

#include <ATen/ops/cat.h>
#include <ATen/ops/scalar_tensor.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if defined(NC_CUDA) && __has_include(<torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#define NC_HAS_NCCL 1
#endif

#include "nc/core/error.h"
#include "nc/core/log.h"
#include "nc/core/torch_compat.h"

namespace nc::train {
namespace {

#if NC_C10D_BACKEND_BASE_IS_PROCESS_GROUP
using Group = c10d::ProcessGroup;
#else
using Group = c10d::Backend;
#endif

int env_int(const char* name, int fallback, bool* found = nullptr) {
  const char* v = std::getenv(name);
  if (found) *found = v && *v;
  if (!v || !*v) return fallback;
  char* end = nullptr;
  long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < 0 || x > 1000000)
    throw Error(std::string("environment variable ") + name + "='" + v + "' is not a valid number", name);
  return static_cast<int>(x);
}

class ProcessGroupDistributed : public Distributed {
 public:
  ProcessGroupDistributed(DistEnv env, c10::intrusive_ptr<Group> group, std::chrono::milliseconds timeout)
      : Distributed(std::move(env)), group_(std::move(group)), timeout_(timeout) {}

  bool active() const override { return true; }

  void allreduce_mean(const std::vector<at::Tensor>& tensors, int64_t bucket_bytes) override {
    // Flatten into buckets of one dtype and device: few large collectives instead of many small ones.
    size_t i = 0;
    while (i < tensors.size()) {
      std::vector<at::Tensor> bucket;
      int64_t bytes = 0;
      const auto type = tensors[i].scalar_type();
      while (i < tensors.size() && tensors[i].scalar_type() == type &&
             (bucket.empty() || bytes + tensors[i].numel() * tensors[i].element_size() <= bucket_bytes)) {
        bytes += tensors[i].numel() * tensors[i].element_size();
        bucket.push_back(tensors[i++]);
      }
      std::vector<at::Tensor> flat_views;
      for (const auto& t : bucket) flat_views.push_back(t.reshape({-1}));
      std::vector<at::Tensor> flat = {at::cat(flat_views)};
      run(group_->allreduce(flat), "allreduce");
      flat[0].div_(world());
      int64_t offset = 0;
      for (auto& t : bucket) {
        t.copy_(flat[0].narrow(0, offset, t.numel()).view_as(t));
        offset += t.numel();
      }
    }
  }

  void broadcast(const std::vector<at::Tensor>& tensors, int root) override {
    for (const auto& t : tensors) {
      std::vector<at::Tensor> one = {t};
      c10d::BroadcastOptions o;
      o.rootRank = root;
      run(group_->broadcast(one, o), "broadcast");
    }
  }

  double mean(double value) override { return reduce(value, c10d::ReduceOp::SUM) / world(); }
  double max(double value) override { return reduce(value, c10d::ReduceOp::MAX); }

  void barrier() override { run(group_->barrier(), "barrier"); }

 private:
  double reduce(double value, c10d::ReduceOp::RedOpType op) {
    std::vector<at::Tensor> t = {at::scalar_tensor(value, at::TensorOptions().dtype(at::kDouble))};
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp(op);
    run(group_->allreduce(t, o), "allreduce");
    return t[0].item<double>();
  }

  void run(const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
    try {
      work->wait(timeout_);
    } catch (const std::exception& e) {
      std::string msg = e.what();
      throw Error(std::string(what) + " failed on rank " + std::to_string(rank()) + ": " + msg.substr(0, msg.find('\n')),
                  "distributed", "another rank died or hangs; its log says why");
    }
  }

  c10::intrusive_ptr<Group> group_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

DistEnv DistEnv::from_environment() {
  DistEnv e;
  bool torchrun = false, slurm = false;
  e.world = env_int("WORLD_SIZE", 1, &torchrun);
  if (torchrun) {
    e.source = "torchrun";
    e.rank = env_int("RANK", 0);
    e.local_rank = env_int("LOCAL_RANK", e.rank);
  } else {
    e.world = env_int("SLURM_NTASKS", 1, &slurm);
    if (slurm) {
      e.source = "slurm";
      e.rank = env_int("SLURM_PROCID", 0);
      e.local_rank = env_int("SLURM_LOCALID", 0);
    }
  }
  if (const char* a = std::getenv("MASTER_ADDR"); a && *a) e.master_addr = a;
  e.master_port = env_int("MASTER_PORT", 29500);
  if (e.world < 1 || e.rank >= e.world)
    throw Error("rank " + std::to_string(e.rank) + " is not below the world size " + std::to_string(e.world),
                e.source == "slurm" ? "SLURM_PROCID" : "RANK");
  return e;
}

std::unique_ptr<Distributed> Distributed::init(const DistEnv& env, const DistOptions& options,
                                               const c10::Device& device) {
  // One rank needs no process group, unless a backend is named: then it is built (a check of
  // the backend itself, e.g. NCCL at world size 1 in scripts/device_check.sh).
  if (env.world <= 1 && options.backend == "auto") return std::unique_ptr<Distributed>(new Distributed(env));
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(options.timeout_s * 1000));
  c10d::TCPStoreOptions so;
  so.port = static_cast<uint16_t>(env.master_port);
  so.isServer = env.rank == 0;
  so.numWorkers = env.world;
  so.timeout = timeout;
  c10::intrusive_ptr<c10d::Store> store;
  try {
    store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
  } catch (const std::exception& e) {
    std::string msg = e.what();
    throw Error("rendezvous at " + env.master_addr + ":" + std::to_string(env.master_port) + " failed: " +
                    msg.substr(0, msg.find('\n')),
                "MASTER_ADDR/MASTER_PORT", "is rank 0 up, and the port free?");
  }
  std::string backend = options.backend;
  if (backend == "auto") backend = device.is_cuda() ? "nccl" : "gloo";
  c10::intrusive_ptr<Group> group;
  if (backend == "gloo") {
    auto o = c10d::ProcessGroupGloo::Options::create(timeout);
    const char* iface = std::getenv("GLOO_SOCKET_IFNAME");
    o->devices.push_back(iface && *iface ? c10d::ProcessGroupGloo::createDeviceForInterface(iface)
                         : env.master_addr == "127.0.0.1" || env.master_addr == "localhost"
                             ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                             : c10d::ProcessGroupGloo::createDefaultDevice());
    group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.world, o);
  } else {
#ifdef NC_HAS_NCCL
    auto o = c10d::ProcessGroupNCCL::Options::create();
    o->timeout = timeout;
    group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, env.rank, env.world, o);
#else
    throw Error("NCCL is not in this build", "train.dist.backend", "use gloo, or a CUDA LibTorch");
#endif
  }
  log::info("rank {}/{} joined ({} via {}, {}:{})", env.rank, env.world, backend, env.source, env.master_addr,
            env.master_port);
  return std::make_unique<ProcessGroupDistributed>(env, group, timeout);
}

c10::Device rank_device(const c10::Device& configured, const DistEnv& env) {
  if (configured.is_cuda() && env.world > 1) return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(env.local_rank));
  return configured;
}

}  // namespace nc::train
