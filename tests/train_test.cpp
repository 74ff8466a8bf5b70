// train: the optimiser, schedule, checkpoints, the data loader, and whole training runs (loss
// drops, exact resume after SIGKILL, 2 Gloo ranks = 1 rank with twice the batch, clear errors).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "nc/config.h"
#include "nc/core/file_util.h"
#include "nc/core/safetensors.h"
#include "nc/data/dataset.h"
#include "nc/data/shard.h"
#include "nc/train/adamw.h"
#include "nc/train/checkpoint.h"
#include "nc/train/trainer.h"
#include "nc/video/video_reader.h"
#include "test_util.h"

namespace nc::train {
namespace {

// Clips of a white square moving right on a dark background: learnable in a few steps.
void write_square_shards(const std::string& dir, int clips, int frames = 9, int size = 32) {
  data::ShardSetWriter w(dir, 4);
  for (int c = 0; c < clips; ++c) {
    data::Clip clip;
    clip.id = "sq_" + std::to_string(c);
    const int y0 = 4 + (c * 5) % (size - 12);
    for (int k = 0; k < frames; ++k) {
      Image img(size, size, 20, 20, 40);
      const int x0 = (k * 2 + c) % (size - 8);
      for (int y = y0; y < y0 + 8; ++y)
        for (int x = x0; x < x0 + 8; ++x) {
          uint8_t* p = img.pixel(x, y);
          p[0] = p[1] = p[2] = 230;
        }
      clip.frames.push_back(img);
    }
    clip.captions = {"a square", "a white square moves right", "a white 8x8 square moves right by 2 px per frame"};
    w.add(clip);
  }
  w.finish();
}

std::vector<std::string> tiny_overrides(const std::string& data, const std::string& stage) {
  return {"data.train=" + data, "data.frames=9", "data.batch_size=2", "data.workers=1", "data.val_every=4",
          "train.stage=" + stage, "train.log_every=1", "train.optim.lr=0.002", "train.schedule.type=constant",
          "train.ckpt_every=1000", "run.threads=1", "model.flow.text_dropout=0.1", "model.flow.image_dropout=0.1"};
}

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<std::string> cli_args(const std::vector<std::string>& head, const std::vector<std::string>& sets) {
  std::vector<std::string> out = head;
  for (const auto& s : sets) {
    out.push_back("--set");
    out.push_back(s);
  }
  return out;
}

TEST(Optim, AdamWMatchesTheClosedForm) {
  at::Tensor p = at::ones({1}).set_requires_grad(true);
  OptimOptions o;
  o.lr = 0.1;
  o.weight_decay = 0.01;
  AdamW opt({{"p", p}}, o);
  double expected = 1.0, m = 0, v = 0;
  for (int step = 1; step <= 3; ++step) {
    p.mutable_grad() = at::full({1}, 0.5);
    opt.step(0.1);
    // PyTorch's AdamW: decay, moments, bias corrections, update.
    expected *= 1 - 0.1 * 0.01;
    m = 0.9 * m + 0.1 * 0.5;
    v = 0.999 * v + 0.001 * 0.25;
    const double mhat = m / (1 - std::pow(0.9, step)), denom = std::sqrt(v) / std::sqrt(1 - std::pow(0.999, step)) + 1e-8;
    expected -= 0.1 * mhat / denom;
    EXPECT_NEAR(p.item<double>(), expected, 1e-6) << step;
  }
  EXPECT_EQ(opt.steps(), 3);
}

TEST(Optim, ScheduleAndClipping) {
  ScheduleOptions s;
  s.warmup_steps = 10;
  EXPECT_DOUBLE_EQ(learning_rate(s, 1.0, 0, 110), 0.1);
  EXPECT_DOUBLE_EQ(learning_rate(s, 1.0, 9, 110), 1.0);
  EXPECT_NEAR(learning_rate(s, 1.0, 60, 110), 0.5, 1e-12);   // half-way down the cosine
  EXPECT_NEAR(learning_rate(s, 1.0, 110, 110), 0.0, 1e-12);
  s.type = "constant";
  EXPECT_DOUBLE_EQ(learning_rate(s, 1.0, 60, 110), 1.0);

  at::Tensor a = at::zeros({2}).set_requires_grad(true);
  a.mutable_grad() = at::tensor({3.0, 4.0});
  EXPECT_NEAR(clip_grad_norm({{"a", a}}, 1.0), 5.0, 1e-6);
  EXPECT_NEAR(a.grad().norm().item<double>(), 1.0, 1e-4);
}

TEST(Checkpoints, IncompleteAndCorruptOnesAreNeverPicked) {
  test::TempDir dir;
  auto content = [](int64_t step) {
    CheckpointContent c;
    c.step = step;
    c.model = {{"w", at::full({3}, static_cast<double>(step))}};
    c.optimizer = {{"adamw.step", at::scalar_tensor(step, at::kLong)}};
    c.config_yaml = "run:\n  seed: 0\n";
    return c;
  };
  for (int64_t s : {10, 20, 30, 40}) save_checkpoint(dir.path(), content(s), /*keep_last=*/3);
  EXPECT_FALSE(file_exists(dir.file("checkpoints/step-00000010")));  // pruned
  EXPECT_EQ(*latest_checkpoint(dir.path()), dir.file("checkpoints/step-00000040"));

  // A half-written newest checkpoint (truncated weights) and a folder without state.json.
  const std::string model = dir.file("checkpoints/step-00000040/model.safetensors");
  const std::string bytes = read_file(model);
  write_file_atomic(model, bytes.substr(0, bytes.size() / 2));
  make_dirs(dir.file("checkpoints/step-00000050"));
  EXPECT_EQ(*latest_checkpoint(dir.path()), dir.file("checkpoints/step-00000030"));
  std::string why;
  EXPECT_FALSE(checkpoint_complete(dir.file("checkpoints/step-00000040"), &why));
  EXPECT_NE(why.find("truncated"), std::string::npos) << why;
  EXPECT_FALSE(latest_checkpoint(dir.file("nothing-here")));
}

TEST(Loader, DeterministicShardedAndResumable) {
  test::TempDir dir;
  write_square_shards(dir.file("d"), 12, 5, 16);
  auto set = std::make_shared<data::ShardDataset>(dir.file("d"));
  data::LoaderOptions o;
  o.batch_size = 2;
  o.frames = 5;
  o.seed = 7;
  o.workers = 2;
  data::Loader one(set, o);
  o.batch_size = 1;
  o.world = 2;
  o.rank = 0;
  data::Loader r0(set, o);
  o.rank = 1;
  data::Loader r1(set, o);
  for (int step = 0; step < 10; ++step) {  // crosses an epoch boundary (6 batches per epoch)
    data::Batch a = one.next(), b0 = r0.next(), b1 = r1.next();
    EXPECT_EQ(std::set<std::string>(a.ids.begin(), a.ids.end()), (std::set<std::string>{b0.ids[0], b1.ids[0]}));
    EXPECT_EQ(std::set<uint64_t>(a.seeds.begin(), a.seeds.end()), (std::set<uint64_t>{b0.seeds[0], b1.seeds[0]}));
    EXPECT_EQ(a.video.sizes(), (std::vector<int64_t>{2, 3, 5, 16, 16}));
  }
  // A loader started at another's state continues its stream exactly.
  data::LoaderState st = r0.state();
  o.rank = 0;
  data::Loader resumed(set, o, st);
  for (int i = 0; i < 3; ++i) {
    data::Batch x = r0.next(), y = resumed.next();
    EXPECT_EQ(x.ids, y.ids);
    EXPECT_TRUE(at::equal(x.video, y.video));
  }
  o.world = 100;
  EXPECT_THROW(data::Loader(set, o), Error);
}

TEST(Loader, LetterboxesAndSelectsFrames) {
  at::Tensor frames = at::zeros({3, 4, 8, 3}, at::kByte);
  frames.select(0, 2).fill_(255);
  at::Tensor v = data::prepare_video(frames, 5, 8, 8);  // 3 frames -> 5 (last repeated); 4x8 -> 8x8 letterboxed
  EXPECT_EQ(v.sizes(), (std::vector<int64_t>{3, 5, 8, 8}));
  EXPECT_NEAR(v[0][4][4][4].item<float>(), 1.0f, 1e-5);   // frame 2 (white), repeated
  EXPECT_NEAR(v[0][4][0][4].item<float>(), -1.0f, 1e-5);  // the letterbox bar
}

TEST(Loader, SeveralShardSetsJoinedWithCommas) {
  test::TempDir dir;
  write_square_shards(dir.file("a"), 3);
  write_square_shards(dir.file("b"), 5);
  EXPECT_EQ(data::ShardDataset(dir.file("a") + "," + dir.file("b")).size(), 8u);
  EXPECT_THROW(data::ShardDataset(dir.file("a") + "," + dir.file("missing")), Error);

  // Clips of two sizes in one batch: an error that says how to letterbox them.
  write_square_shards(dir.file("big"), 3, 9, 40);
  data::LoaderOptions o;
  o.batch_size = 6;
  o.shuffle = false;
  data::Loader mixed(std::make_shared<data::ShardDataset>(dir.file("a") + "," + dir.file("big")), o);
  try {
    mixed.next();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("differ in size (32x32 and 40x40)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("data.width"), std::string::npos) << e.what();
  }
}

TEST(Loader, WindowSamplingAndBusiestCrop) {
  using data::sample_frame_indices;
  EXPECT_EQ(sample_frame_indices(9, 3, false, 1, 5), (std::vector<int64_t>{0, 4, 8}));
  std::set<int64_t> starts;
  for (uint64_t seed = 0; seed < 64; ++seed) {
    const auto idx = sample_frame_indices(10, 3, true, 2, seed);  // spans 5 frames: starts 0..5
    ASSERT_EQ(idx.size(), 3u);
    EXPECT_EQ(idx[1] - idx[0], 2);
    EXPECT_EQ(idx[2] - idx[1], 2);
    EXPECT_LE(idx[2], 9);
    starts.insert(idx[0]);
  }
  EXPECT_EQ(starts.size(), 6u);  // every start is drawn
  EXPECT_EQ(sample_frame_indices(3, 5, true, 1, 7), (std::vector<int64_t>{0, 1, 2, 2, 2}));

  // Row 0 is flat, row 1 varies: the crop takes row 1 unless all 4 draws missed it.
  at::Tensor video = at::zeros({3, 2, 2, 2});
  video.select(2, 1).select(2, 1).fill_(1.0f);
  int busy = 0;
  for (uint64_t seed = 0; seed < 32; ++seed) {
    at::Tensor crop = data::busiest_crop(video, 1, 2, seed);
    ASSERT_EQ(crop.sizes(), (std::vector<int64_t>{3, 2, 1, 2}));
    busy += crop.sum().item<float>() > 0;
  }
  EXPECT_GE(busy, 28);  // 1/16 of the seeds may miss it
  EXPECT_THROW(data::busiest_crop(video, 3, 2, 0), Error);
}

TEST(Trainer, VaeAndDitLossesDrop) {
  test::TempDir dir;
  write_square_shards(dir.file("d"), 16);
  for (const char* stage : {"vae", "dit"}) {
    auto sets = with(tiny_overrides(dir.file("d"), stage), {"train.steps=40"});
    if (std::string(stage) == "dit") sets.push_back("train.dit.first_frame=slice");
    Config c = config::load<Config>(test::source_path("configs/tiny.yaml"), sets);
    TrainerOptions o;
    o.run_dir = dir.file(std::string("run-") + stage);
    TrainSummary s = Trainer(c, o).run();
    EXPECT_EQ(s.last_step, 40);
    EXPECT_LT(s.last_loss, 0.7 * s.first_loss) << stage << ": " << s.first_loss << " -> " << s.last_loss;
    EXPECT_GE(s.val_loss, 0) << stage;
    EXPECT_TRUE(checkpoint_complete(s.checkpoint)) << stage;
    EXPECT_TRUE(file_exists(o.run_dir + "/metrics.jsonl"));
    EXPECT_TRUE(file_exists(o.run_dir + "/config.yaml"));
  }
}

// The DiT's head starts at zero, so its first loss is the mean square of the target itself.
// Latents scaled to ~0 make the x0 target ~0 and the velocity target (noise - x0) ~N(0, 1):
// a stage that trained on the wrong target would show ~1 where ~0 is due.
TEST(Trainer, DitStageTrainsOnTheConfiguredPredictionTarget) {
  test::TempDir dir;
  write_square_shards(dir.file("d"), 4);
  for (const char* prediction : {"x0", "velocity"}) {
    auto sets = with(tiny_overrides(dir.file("d"), "dit"),
                     {"train.steps=1", "data.val_every=0", "model.vae.latent_std=[1e6,1e6,1e6,1e6]",
                      std::string("model.flow.prediction=") + prediction});
    Config c = config::load<Config>(test::source_path("configs/tiny.yaml"), sets);
    TrainerOptions o;
    o.run_dir = dir.file(std::string("run-") + prediction);
    const TrainSummary s = Trainer(c, o).run();
    if (std::string(prediction) == "x0") {
      EXPECT_LT(s.first_loss, 1e-6);
    } else {
      EXPECT_GT(s.first_loss, 0.8);
      EXPECT_LT(s.first_loss, 1.2);
    }
  }
}

// Diffusion forcing: a causal DiT with a noise level per latent frame learns the square too.
TEST(Trainer, CausalDitLearnsWithPerFrameNoise) {
  test::TempDir dir;
  write_square_shards(dir.file("d"), 16);
  auto sets = with(tiny_overrides(dir.file("d"), "dit"), {"train.steps=40", "train.dit.first_frame=slice",
                                                          "model.dit.causal=true", "model.flow.frame_noise=per_frame"});
  Config c = config::load<Config>(test::source_path("configs/tiny.yaml"), sets);
  TrainerOptions o;
  o.run_dir = dir.file("run");
  const TrainSummary s = Trainer(c, o).run();
  EXPECT_LT(s.last_loss, 0.7 * s.first_loss) << s.first_loss << " -> " << s.last_loss;
}

// Self-rollout: on about half the steps the causal DiT generates the context itself and learns
// frame k in [1, F - 1] after it (3 latent frames here: k is 1 or 2); the loss still drops.
TEST(Trainer, SelfRolloutLearnsAfterItsOwnContext) {
  test::TempDir dir;
  write_square_shards(dir.file("d"), 16);
  auto sets = with(tiny_overrides(dir.file("d"), "dit"),
                   {"train.steps=40", "train.dit.first_frame=slice", "model.dit.causal=true",
                    "model.flow.frame_noise=per_frame", "train.dit.self_rollout=0.5", "rollout.context_noise=0.1"});
  Config c = config::load<Config>(test::source_path("configs/tiny.yaml"), sets);
  TrainerOptions o;
  o.run_dir = dir.file("run");
  const TrainSummary s = Trainer(c, o).run();
  EXPECT_LT(s.last_loss, 0.7 * s.first_loss) << s.first_loss << " -> " << s.last_loss;
  std::set<int> frames;  // the frame each step learned: 0 for a plain diffusion-forcing step
  std::istringstream lines(read_file(dir.file("run/metrics.jsonl")));
  for (std::string line; std::getline(lines, line);) {
    const auto record = nlohmann::json::parse(line);
    if (record.contains("self_rollout_frame")) frames.insert(static_cast<int>(record["self_rollout_frame"].get<double>()));
  }
  EXPECT_EQ(frames, (std::set<int>{0, 1, 2}));

  c.model.dit.causal = false;
  c.model.flow.frame_noise = "shared";
  o.run_dir = dir.file("clip");
  try {
    Trainer(c, o).run();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("train.dit.self_rollout"), std::string::npos) << e.what();
  }
}

// Few-step distillation: a one-step student learns to land where the teacher's 4-step sampler
// lands from the same noise.
TEST(Trainer, OneStepStudentLearnsTheTeachersSamples) {
  test::TempDir dir;
  write_square_shards(dir.file("d"), 8);
  const std::string cfg = test::source_path("configs/tiny.yaml");
  Config teacher = config::load<Config>(
      cfg, with(tiny_overrides(dir.file("d"), "dit"), {"train.steps=30", "train.dit.first_frame=slice"}));
  TrainerOptions o;
  o.run_dir = dir.file("teacher");
  Trainer(teacher, o).run();
  Config student = config::load<Config>(
      cfg, with(tiny_overrides(dir.file("d"), "dit"),
                {"train.steps=30", "train.dit.first_frame=slice", "model.dit.weights=" + dir.file("teacher"),
                 "train.dit.teacher=" + dir.file("teacher"), "train.dit.teacher_steps=4", "model.flow.text_dropout=0",
                 "model.flow.image_dropout=0"}));
  o.run_dir = dir.file("student");
  const TrainSummary s = Trainer(student, o).run();
  EXPECT_LT(s.last_loss, 0.7 * s.first_loss) << s.first_loss << " -> " << s.last_loss;

  student.train.dit.teacher = dir.file("missing");
  o.run_dir = dir.file("student2");
  try {
    Trainer(student, o).run();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir.file("missing")), std::string::npos) << e.what();
  }
}

// Causal distillation: the one-step student learns the frame after the clip's true context as
// the causal teacher's 4-step sampler makes it (frame 1 or 2 of 3 latent frames).
TEST(Trainer, CausalStudentLearnsTheTeachersNextFrames) {
  test::TempDir dir;
  write_square_shards(dir.file("d"), 8);
  const std::string cfg = test::source_path("configs/tiny.yaml");
  const std::vector<std::string> causal = {"train.dit.first_frame=slice", "model.dit.causal=true",
                                           "model.flow.frame_noise=per_frame", "rollout.context_noise=0.1"};
  Config teacher = config::load<Config>(cfg, with(with(tiny_overrides(dir.file("d"), "dit"), causal), {"train.steps=30"}));
  TrainerOptions o;
  o.run_dir = dir.file("teacher");
  Trainer(teacher, o).run();
  Config student = config::load<Config>(
      cfg, with(with(tiny_overrides(dir.file("d"), "dit"), causal),
                {"train.steps=30", "model.dit.weights=" + dir.file("teacher"), "train.dit.teacher=" + dir.file("teacher"),
                 "train.dit.teacher_steps=4", "model.flow.text_dropout=0", "model.flow.image_dropout=0"}));
  o.run_dir = dir.file("student");
  const TrainSummary s = Trainer(student, o).run();
  EXPECT_LT(s.last_loss, 0.7 * s.first_loss) << s.first_loss << " -> " << s.last_loss;
  std::set<int> frames;
  std::istringstream lines(read_file(dir.file("student/metrics.jsonl")));
  for (std::string line; std::getline(lines, line);) {
    const auto record = nlohmann::json::parse(line);
    if (record.contains("distil_frame")) frames.insert(static_cast<int>(record["distil_frame"].get<double>()));
  }
  EXPECT_EQ(frames, (std::set<int>{1, 2}));
}

TEST(Trainer, KilledRunResumesBitExact) {
  test::TempDir dir;
  write_square_shards(dir.file("d"), 8);
  const auto sets = with(tiny_overrides(dir.file("d"), "vae"), {"train.steps=8", "train.ckpt_every=2", "train.ema_decay=0.9"});
  const std::string cfg = test::source_path("configs/tiny.yaml");

  // Uninterrupted.
  auto full = test::run_nc(cli_args({"train", "--config", cfg, "--run-dir", dir.file("full")}, sets));
  ASSERT_EQ(full.exit_code, 0) << full.err;

  // Killed with SIGKILL once step 4 is checkpointed, then resumed.
  const std::string run = dir.file("killed");
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<std::string> args = cli_args({"train", "--config", cfg, "--run-dir", run}, sets);
    std::vector<char*> argv;
    std::string bin = test::nc_binary();
    argv.push_back(bin.data());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!file_exists(run + "/checkpoints/step-00000004/state.json") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(file_exists(run + "/checkpoints/step-00000004/state.json"));
  auto resumed = test::run_nc(cli_args({"train", "--config", cfg, "--run-dir", run, "--resume"}, sets));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;

  for (const char* file : {"model.safetensors", "ema.safetensors", "optimizer.safetensors"}) {
    auto a = safetensors::File::open(dir.file(std::string("full/checkpoints/step-00000008/") + file));
    auto b = safetensors::File::open(run + "/checkpoints/step-00000008/" + file);
    ASSERT_EQ(a.tensors().size(), b.tensors().size());
    for (const auto& t : a.tensors()) {
      if (t.name == "rng.cpu") continue;
      EXPECT_TRUE(at::equal(a.load(t.name), b.load(t.name))) << file << " " << t.name;
    }
  }
}

TEST(Trainer, TwoGlooRanksMatchOneRankWithTwiceTheBatch) {
  test::TempDir dir;
  write_square_shards(dir.file("d"), 8);
  const std::string cfg = test::source_path("configs/tiny.yaml");
  auto base = with(tiny_overrides(dir.file("d"), "dit"),
                   {"train.steps=3", "train.dit.first_frame=slice", "data.val_every=0", "train.clip_grad_norm=0"});
  auto one = test::run_nc(cli_args({"train", "--config", cfg, "--run-dir", dir.file("one")}, with(base, {"data.batch_size=2"})));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  auto two = test::run_nc(cli_args({"launch", "-n", "2", "--", "train", "--config", cfg, "--run-dir", dir.file("two")},
                                   with(base, {"data.batch_size=1"})));
  ASSERT_EQ(two.exit_code, 0) << two.err;
  auto a = safetensors::File::open(dir.file("one/checkpoints/step-00000003/model.safetensors"));
  auto b = safetensors::File::open(dir.file("two/checkpoints/step-00000003/model.safetensors"));
  double worst = 0;
  for (const auto& t : a.tensors())
    worst = std::max(worst, (a.load(t.name) - b.load(t.name)).abs().max().item<double>());
  EXPECT_LT(worst, 1e-5);
}

TEST(Trainer, ClearErrors) {
  test::TempDir dir;
  const std::string cfg = test::source_path("configs/tiny.yaml");
  auto r = test::run_nc({"train", "--config", cfg, "--run-dir", dir.file("r"), "--set", "data.train=" + dir.file("none")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no such shard file or directory"), std::string::npos) << r.err;

  data::ShardSetWriter empty(dir.file("empty"), 4);
  empty.finish();
  r = test::run_nc({"train", "--config", cfg, "--run-dir", dir.file("r"), "--set", "data.train=" + dir.file("empty")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no clips"), std::string::npos) << r.err;

  write_square_shards(dir.file("d"), 8);
  auto sets = with(tiny_overrides(dir.file("d"), "vae"), {"train.steps=2"});
  ASSERT_EQ(test::run_nc(cli_args({"train", "--config", cfg, "--run-dir", dir.file("r")}, sets)).exit_code, 0);
  r = test::run_nc(cli_args({"train", "--config", cfg, "--run-dir", dir.file("r"), "--resume"},
                            with(sets, {"train.steps=4", "model.vae.base_dim=16"})));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("model.vae.base_dim: 8 in the checkpoint, 16 now"), std::string::npos) << r.err;

  r = test::run_nc(cli_args({"train", "--config", cfg, "--run-dir", dir.file("nan")},
                            with(sets, {"train.optim.lr=1e30", "train.steps=20", "train.clip_grad_norm=0"})));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.err.find("NaN at step") != std::string::npos || r.err.find("not finite at step") != std::string::npos ||
              r.err.find("infinite at step") != std::string::npos)
      << r.err;
}

// The researcher's path end to end through the binary: train the VAE, train the DiT on it, roll
// out the held-out clips (trained and untrained), evaluate both, write the report.
TEST(CliPipeline, TrainRolloutEvalReport) {
  test::TempDir dir;
  const std::string cfg = test::source_path("configs/tiny.yaml");
  write_square_shards(dir.file("d"), 12);
  auto vae = with(tiny_overrides(dir.file("d"), "vae"), {"train.steps=2"});
  ASSERT_EQ(test::run_nc(cli_args({"train", "--config", cfg, "--run-dir", dir.file("vae")}, vae)).exit_code, 0);
  auto dit = with(tiny_overrides(dir.file("d"), "dit"), {"train.steps=2", "model.vae.weights=" + dir.file("vae")});
  auto r = test::run_nc(cli_args({"train", "--config", cfg, "--run-dir", dir.file("demo/dit")}, dit));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  data::DataOptions d;
  d.train = dir.file("d");
  d.val_every = 4;
  const auto held_out = data::split_dataset(d).second;
  ASSERT_TRUE(held_out);
  for (const char* kind : {"trained", "untrained"}) {
    std::vector<std::string> args = {"rollout", "--ckpt", dir.file("demo/dit"), "--from-shards", dir.file("d"),
                                     "--held-out", "--steps", "2", "--out", dir.file(std::string("demo/") + kind)};
    if (std::string(kind) == "untrained") args.push_back("--untrained");
    r = test::run_nc(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto summary = nlohmann::json::parse(read_file(dir.file(std::string("demo/") + kind + "/rollout.json")));
    EXPECT_EQ(summary.at("clips").get<size_t>(), held_out->size());
    for (size_t i = 0; i < held_out->size(); ++i)
      EXPECT_TRUE(file_exists(dir.file(std::string("demo/") + kind + "/" + held_out->id(i) + ".mp4")));
    r = test::run_nc({"eval", "--pred", dir.file(std::string("demo/") + kind), "--ref", dir.file("d"), "--metrics",
                      "psnr,ssim", "--out", dir.file(std::string("demo/eval-") + kind)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto ev = nlohmann::json::parse(read_file(dir.file(std::string("demo/eval-") + kind + "/eval.json")));
    const double psnr = ev.at("overall").at("psnr").get<double>();
    EXPECT_GT(psnr, 0.0);
    EXPECT_LT(psnr, 100.0);  // generated frames are not the references
  }
  // The persistence baseline: every frame is the clip's first frame (and no model runs).
  r = test::run_nc({"rollout", "--ckpt", dir.file("demo/dit"), "--from-shards", dir.file("d"), "--held-out",
                    "--copy-first", "--out", dir.file("copy")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  {
    const data::Sample s = held_out->get(0);
    video::VideoReader reader(dir.file("copy/" + s.id + ".mp4"));
    const at::Tensor first = s.frames[0].to(at::kFloat);  // [H, W, 3] uint8
    int frames = 0;
    for (Image img; reader.read(img); ++frames) {
      const at::Tensor decoded = at::from_blob(img.rgb.data(), {img.height, img.width, 3}, at::kByte).to(at::kFloat);
      EXPECT_LT((decoded - first).abs().mean().item<double>(), 4.0) << "frame " << frames;
    }
    EXPECT_EQ(frames, s.frames.size(0));
  }
  r = test::run_nc({"rollout", "--ckpt", dir.file("demo/dit"), "--first-frame", "x.png", "--prompt", "p",
                    "--copy-first", "--out", dir.file("copy.mp4")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--copy-first"), std::string::npos) << r.err;

  r = test::run_nc({"report", dir.file("demo")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = read_file(dir.file("demo/report.html"));
  EXPECT_NE(html.find("eval-trained"), std::string::npos);
  EXPECT_NE(html.find("<video"), std::string::npos);

  r = test::run_nc({"rollout", "--ckpt", dir.file("demo/dit"), "--from-shards", dir.file("d"), "--held-out",
                    "--set", "data.val_every=0", "--out", dir.file("none")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no clip of these shards is held out"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nc::train
