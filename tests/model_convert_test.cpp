// Wan2.1 checkpoint import (nc convert) on synthetic checkpoints: tiny shapes from
// configs/tiny.yaml, Wan2.1's exact tensor names (checked against the committed name lists),
// single files and sharded indexes, bf16 and f32, and a broken one. Also the DiT step
// benchmark's FLOP count and step.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "nc/config.h"
#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/safetensors.h"
#include "nc/infer/rollout.h"
#include "nc/model/build.h"
#include "nc/model/checkpoint_dir.h"
#include "nc/model/convert.h"
#include "nc/model/dit.h"
#include "nc/model/vae.h"
#include "nc/model/weights.h"
#include "nc/text/t5.h"
#include "nc/text/t5_names.h"
#include "nc/train/dit_bench.h"
#include "test_util.h"

namespace nc::model {
namespace {

Config tiny_config() { return config::load<Config>(test::source_path("configs/tiny.yaml"), {}); }

// Names from a tests/data/wan21_*_tensors.txt list, keeping blocks.N only for N < max_block.
std::set<std::string> wan_names(const std::string& list, int max_block) {
  std::ifstream in(test::source_path(list));
  EXPECT_TRUE(in) << list;
  std::set<std::string> names;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const std::string name = line.substr(0, line.find(' '));
    if (name.rfind("blocks.", 0) == 0 && std::stoi(name.substr(7)) >= max_block) continue;
    names.insert(name);
  }
  return names;
}

std::set<std::string> names_of(const safetensors::NamedTensors& tensors) {
  std::set<std::string> out;
  for (const auto& [name, t] : tensors) out.insert(name);
  return out;
}

// Wan-named tensors of `module`'s shapes, with random values of a sensible scale (weights
// ~ 1/sqrt(fan_in), vectors around 1), as a checkpoint of `dtype`.
safetensors::NamedTensors synthetic(const torch::nn::Module& module, at::ScalarType dtype, uint64_t seed) {
  at::manual_seed(static_cast<int64_t>(seed));
  safetensors::NamedTensors out;
  for (const auto& [name, t] : named_weights(module)) {
    at::Tensor v = at::randn(t.sizes(), at::kFloat);
    if (t.dim() >= 2) v = v / std::sqrt(static_cast<double>(t.numel() / t.size(0)));
    else v = 1 + 0.1 * v;
    out.emplace_back(name, v.to(dtype));
  }
  return out;
}

// Writes `tensors` as `shards` files plus a Hugging Face index in `dir`; returns the index.
std::string write_sharded(const std::string& dir, const std::string& stem, const safetensors::NamedTensors& tensors,
                          int shards) {
  nlohmann::json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
  for (int s = 0; s < shards; ++s) {
    safetensors::NamedTensors part;
    for (size_t i = s; i < tensors.size(); i += shards) part.push_back(tensors[i]);
    const std::string file = stem + "-0000" + std::to_string(s + 1) + "-of-0000" + std::to_string(shards) + ".safetensors";
    safetensors::save(dir + "/" + file, part);
    for (const auto& [name, t] : part) index["weight_map"][name] = file;
  }
  const std::string path = dir + "/" + stem + ".safetensors.index.json";
  test::write_text(path, index.dump(2));
  return path;
}

at::Tensor dit_inputs_forward(Dit& dit, uint64_t seed) {
  at::manual_seed(static_cast<int64_t>(seed));
  const DitOptions& o = dit->options();
  const at::Tensor x = at::randn({1, o.out_dim, 2, 4, 4});
  const at::Tensor y = at::randn({1, o.in_dim - o.out_dim, 2, 4, 4});
  const at::Tensor context = at::randn({1, 5, o.text_dim});
  at::NoGradGuard no_grad;
  dit->eval();
  return dit->forward(x, at::tensor({500.0f}), context, {}, y);
}

TEST(WanConvert, SyntheticCheckpointsCarryWanNames) {
  const Config c = tiny_config();
  const auto meta = at::TensorOptions().device(at::kMeta);
  ASSERT_EQ(c.model.dit.num_layers, 2);
  ASSERT_FALSE(c.model.dit.has_image_tokens());  // tiny: i2v without CLIP tokens = Wan's t2v names
  EXPECT_EQ(names_of(named_weights(*Dit(c.model.dit, meta))), wan_names("tests/data/wan21_dit_1.3b_t2v_tensors.txt", 2));
  EXPECT_EQ(names_of(named_weights(*Vae(c.model.vae, at::kMeta))), wan_names("tests/data/wan21_vae_tensors.txt", 0));
  ASSERT_EQ(c.model.text.num_layers, 2);
  EXPECT_EQ(names_of(named_weights(*text::T5Encoder(c.model.text, meta))),
            wan_names("tests/data/wan21_umt5_xxl_tensors.txt", 2));
}

TEST(WanConvert, ShardedBf16DitConvertsAndGivesTheSameOutputs) {
  test::TempDir dir;
  const Config c = tiny_config();
  Dit shape_source(c.model.dit);
  const auto tensors = synthetic(*shape_source, at::kBFloat16, 1);
  const std::string index = write_sharded(dir.path(), "diffusion_pytorch_model", tensors, 3);

  const TensorSource source = TensorSource::open(index);
  EXPECT_EQ(source.shards(), 3u);
  EXPECT_EQ(source.names().size(), tensors.size());

  ConvertOptions o;
  o.dit = index;
  o.out = dir.file("ckpt");
  const ConvertPlan plan = plan_convert(c, o);
  ASSERT_EQ(plan.reports.size(), 1u);
  const ImportReport& r = plan.reports[0];
  EXPECT_TRUE(r.ok()) << r.text();
  EXPECT_EQ(r.loaded.size(), tensors.size());
  EXPECT_EQ(r.shards, 3u);
  EXPECT_EQ(r.source_dtypes, (std::map<std::string, int64_t>{{"BF16", static_cast<int64_t>(tensors.size())}}));
  EXPECT_EQ(write_convert(plan), o.out);

  std::string why;
  EXPECT_TRUE(checkpoint_complete(o.out, &why)) << why;
  EXPECT_EQ(resolve_weights(o.out), o.out + "/model.safetensors");
  const auto written = safetensors::File::open(o.out + "/model.safetensors");
  for (const auto& info : written.tensors()) EXPECT_EQ(info.dtype, safetensors::DType::F32) << info.name;
  EXPECT_TRUE(at::equal(written.view("blocks.1.ffn.0.weight"),
                        source.view("blocks.1.ffn.0.weight").to(at::kFloat)));

  // The reference: the same bf16 tensors loaded straight into a module.
  test::TempDir single;
  safetensors::save(single.file("dit.safetensors"), tensors);
  Dit reference(c.model.dit);
  load_weights(*reference, single.file("dit.safetensors"));
  DitOptions from_ckpt = c.model.dit;
  from_ckpt.weights = o.out;
  Dit converted = build_dit(from_ckpt, at::kCPU);
  const at::Tensor expected = dit_inputs_forward(reference, 7);
  EXPECT_GT(expected.abs().max().item<double>(), 0.01);
  EXPECT_TRUE(at::equal(dit_inputs_forward(converted, 7), expected));

  // The written config points model.dit.weights at the checkpoint.
  const Config written_config = config::load<Config>(o.out + "/config.yaml", {});
  EXPECT_EQ(written_config.model.dit.weights, std::filesystem::absolute(o.out).lexically_normal().string());
}

TEST(WanConvert, AllPartsRollOutLikeTheSourceWeights) {
  test::TempDir dir;
  Config c = tiny_config();
  c.rollout.steps = 2;
  c.rollout.cfg = 1.0;
  const auto dit = synthetic(*Dit(c.model.dit), at::kFloat, 2);
  const auto vae = synthetic(*Vae(c.model.vae), at::kFloat, 3);
  safetensors::NamedTensors t5;  // Hugging Face names: translated on import
  for (const auto& [name, t] : synthetic(*text::T5Encoder(c.model.text), at::kHalf, 4))
    t5.emplace_back(text::t5_name_to_hf(name, c.model.text.shared_pos), t);
  safetensors::save(dir.file("dit.safetensors"), dit);
  safetensors::save(dir.file("vae.safetensors"), vae);
  safetensors::save(dir.file("t5.safetensors"), t5);

  ConvertOptions o;
  o.dit = dir.file("dit.safetensors");
  o.vae = dir.file("vae.safetensors");
  o.t5 = dir.file("t5.safetensors");
  o.out = dir.file("ckpt");
  const ConvertPlan plan = plan_convert(c, o);
  ASSERT_EQ(plan.reports.size(), 3u);
  for (const auto& r : plan.reports) EXPECT_TRUE(r.ok()) << r.text();
  EXPECT_EQ(plan.reports[2].naming, "hugging face");
  write_convert(plan);
  const auto state = read_checkpoint_state(o.out);
  EXPECT_EQ(state["files"], nlohmann::json({"model.safetensors", "vae.safetensors", "t5.safetensors"}));
  EXPECT_FALSE(state["converted"]["partial"].get<bool>());

  // The checkpoint as `nc rollout --ckpt` reads it, against the source files used directly.
  Config from_ckpt = config::load<Config>(o.out + "/config.yaml", {});
  from_ckpt.rollout = c.rollout;
  Config direct = c;
  direct.model.vae.weights = o.vae;
  direct.model.text.weights = o.t5;
  infer::RolloutEngine a(from_ckpt, o.out, at::kCPU);
  infer::RolloutEngine b(direct, o.dit, at::kCPU);
  at::manual_seed(5);
  const at::Tensor frame = at::rand({3, 16, 16}) * 2 - 1;
  const at::Tensor va = a.generate_chunk(frame, "ls -la", 5, 11, c.rollout);
  const at::Tensor vb = b.generate_chunk(frame, "ls -la", 5, 11, c.rollout);
  EXPECT_EQ(va.sizes(), (std::vector<int64_t>{3, 5, 16, 16}));
  EXPECT_TRUE(at::equal(va, vb));
  // The untrained baseline differs: the weights really arrived.
  infer::RolloutEngine untrained(c, "", at::kCPU, /*untrained=*/true);
  EXPECT_FALSE(at::equal(untrained.generate_chunk(frame, "ls -la", 5, 11, c.rollout), va));
}

TEST(WanConvert, MissingAndMisshapedAreBothReported) {
  test::TempDir dir;
  const Config c = tiny_config();
  safetensors::NamedTensors broken;
  for (auto& [name, t] : synthetic(*Dit(c.model.dit), at::kFloat, 5)) {
    if (name == "blocks.1.ffn.2.bias") continue;                                   // missing
    broken.emplace_back(name, name == "blocks.0.ffn.0.weight" ? t.t().contiguous() : t);  // mis-shaped
  }
  broken.emplace_back("blocks.0.self_attn.extra.weight", at::ones({2}));  // unexpected
  safetensors::save(dir.file("dit.safetensors"), broken);

  ConvertOptions o;
  o.dit = dir.file("dit.safetensors");
  o.out = dir.file("ckpt");
  const ConvertPlan plan = plan_convert(c, o);
  const ImportReport& r = plan.reports.at(0);
  EXPECT_FALSE(plan.ok());
  EXPECT_EQ(r.missing, std::vector<std::string>{"blocks.1.ffn.2.bias"});
  EXPECT_EQ(r.unexpected, std::vector<std::string>{"blocks.0.self_attn.extra.weight"});
  ASSERT_EQ(r.mismatched.size(), 1u);
  EXPECT_EQ(r.mismatched[0].name, "blocks.0.ffn.0.weight");
  EXPECT_EQ(r.mismatched[0].file_shape, (std::vector<int64_t>{64, 128}));
  EXPECT_EQ(r.mismatched[0].model_shape, (std::vector<int64_t>{128, 64}));
  const std::string text = r.text();
  EXPECT_NE(text.find("missing blocks.1.ffn.2.bias"), std::string::npos) << text;
  EXPECT_NE(text.find("mis-shaped blocks.0.ffn.0.weight: file [64, 128], model [128, 64]"), std::string::npos) << text;

  // Refused, with the report on disk and no checkpoint.
  try {
    write_convert(plan);
    ADD_FAILURE() << "a broken checkpoint converted without --allow-partial";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("1 missing, 1 unexpected, 1 mis-shaped"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(file_exists(o.out + "/state.json"));
  const auto report = nlohmann::json::parse(read_file(o.out + "/convert_report.json"));
  EXPECT_EQ(report["parts"][0]["missing"], nlohmann::json({"blocks.1.ffn.2.bias"}));
  EXPECT_EQ(report["parts"][0]["mismatched"][0]["name"], "blocks.0.ffn.0.weight");

  // Allowed: written, marked partial, and loadable (the two keep the model's initialisation).
  o.allow_partial = true;
  write_convert(plan_convert(c, o));
  EXPECT_TRUE(read_checkpoint_state(o.out)["converted"]["partial"].get<bool>());
  Dit loaded(c.model.dit);
  const LoadReport loaded_report = load_weights(*loaded, resolve_weights(o.out));
  EXPECT_TRUE(loaded_report.missing.empty());
  EXPECT_TRUE(at::equal(loaded->blocks[1]->ffn_in->weight, safetensors::File::open(o.dit).view("blocks.1.ffn.0.weight")));
  EXPECT_EQ(loaded->blocks[0]->ffn_in->weight.sizes(), (std::vector<int64_t>{128, 64}));
}

TEST(WanConvert, BadInputsAreOneLineErrorsNamingTheOptionOrFile) {
  test::TempDir dir;
  const Config c = tiny_config();
  const auto tensors = synthetic(*Vae(c.model.vae), at::kFloat, 6);
  safetensors::save(dir.file("vae.safetensors"), tensors);
  auto error_of = [&](ConvertOptions o) -> std::string {
    try {
      write_convert(plan_convert(c, o));
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
      return e.what();
    }
    return "no error";
  };
  ConvertOptions o;
  o.vae = dir.file("vae.safetensors");
  o.out = dir.file("out");
  ConvertOptions bad = o;
  bad.from = "hunyuan";
  EXPECT_NE(error_of(bad).find("--from"), std::string::npos);
  bad = o;
  bad.dtype = "f64";
  EXPECT_NE(error_of(bad).find("--dtype"), std::string::npos);
  bad = o;
  bad.vae.clear();
  EXPECT_NE(error_of(bad).find("nothing to convert"), std::string::npos);
  bad = o;
  bad.vae = dir.file("absent.safetensors");
  EXPECT_NE(error_of(bad).find("absent.safetensors"), std::string::npos);

  // Indexes: a shard that is not there, and a tensor its shard does not hold.
  const std::string index = write_sharded(dir.path(), "vae", tensors, 2);
  auto doc = nlohmann::json::parse(read_file(index));
  doc["weight_map"]["encoder.conv1.weight"] = "nowhere.safetensors";
  test::write_text(dir.file("missing_shard.safetensors.index.json"), doc.dump());
  bad = o;
  bad.vae = dir.file("missing_shard.safetensors.index.json");
  EXPECT_NE(error_of(bad).find("shard nowhere.safetensors (of encoder.conv1.weight) not found"), std::string::npos);
  doc = nlohmann::json::parse(read_file(index));
  const std::string first = doc["weight_map"]["encoder.conv1.weight"];
  doc["weight_map"]["encoder.conv1.bias"] = first;  // listed in shard 1, stored in shard 2
  test::write_text(dir.file("wrong_shard.safetensors.index.json"), doc.dump());
  bad.vae = dir.file("wrong_shard.safetensors.index.json");
  EXPECT_NE(error_of(bad).find("puts encoder.conv1.bias in " + first + ", which does not hold it"), std::string::npos);

  // A finished checkpoint is never overwritten.
  EXPECT_EQ(error_of(o), "no error");
  EXPECT_NE(error_of(o).find("already holds a checkpoint"), std::string::npos);
}

TEST(WanConvert, CliConvertsAndRefusesABrokenCheckpoint) {
  test::TempDir dir;
  const Config c = tiny_config();
  auto tensors = synthetic(*Dit(c.model.dit), at::kBFloat16, 8);
  safetensors::save(dir.file("dit.safetensors"), tensors);
  const std::string config = test::source_path("configs/tiny.yaml");
  auto ok = test::run_nc({"convert", "--config", config, "--from", "wan2.1", "--dit", dir.file("dit.safetensors"),
                          "--out", dir.file("ckpt"), "--dtype", "bf16"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("dit: " + std::to_string(tensors.size()) + " tensors"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("converted: " + dir.file("ckpt")), std::string::npos) << ok.out;
  EXPECT_EQ(safetensors::File::open(dir.file("ckpt/model.safetensors")).info("head.head.weight").dtype,
            safetensors::DType::BF16);

  tensors.pop_back();
  safetensors::save(dir.file("short.safetensors"), tensors);
  auto bad = test::run_nc({"convert", "--config", config, "--dit", dir.file("short.safetensors"), "--out",
                           dir.file("bad")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("1 missing"), std::string::npos) << bad.out;
  EXPECT_NE(bad.err.find("1 missing, 0 unexpected, 0 mis-shaped tensors"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("--allow-partial"), std::string::npos) << bad.err;
}

// ---- the DiT step benchmark ---------------------------------------------------------------------

TEST(DitBench, FlopCountMatchesAHandCount) {
  const DitOptions o = DitOptions::tiny("t2v");  // d 32, F 64, f 32, text 32 x 8 tokens, 2 layers, 16 -> 16 ch
  train::DitStepShape s;
  s.batch = 1;
  s.frames = 1;
  s.height = 4;
  s.width = 4;  // patch (1, 2, 2): L = 4 tokens, P = 4
  // patch 2*4*64*32 = 16384; time 2*(32*32 + 32*32 + 6*32*32) = 16384; text 2*8*(32*32 + 32*32) = 32768;
  // block: 8*4*32^2 + 4*16*32 + 4*4*32^2 + 4*8*32^2 + 4*4*8*32 + 4*4*32*64 = 120832 (x2 layers);
  // head 2*4*32*64 = 16384.
  const train::DitFlops f = train::dit_flops(o, s);
  EXPECT_DOUBLE_EQ(f.forward, 323584);
  // 2 x forward - (patch 16384 + time_embedding.0 2*32*32 + text_embedding.0 2*8*32*32)
  EXPECT_DOUBLE_EQ(f.backward, 2 * 323584 - (16384 + 2048 + 16384));
  // Twice the tokens: the constant part (time 16384, text 32768, cross k/v 2 x 4*8*32^2 = 65536)
  // stays, the linear part (204800) doubles, self-attention (2 x 4*4^2*32 = 4096) quadruples.
  train::DitStepShape twice = s;
  twice.width = 8;
  EXPECT_DOUBLE_EQ(train::dit_flops(o, twice).forward, 114688 + 2 * 204800 + 4 * 4096);
}

TEST(DitBench, StepTrainsAndReportsEveryStep) {
  DitOptions o = tiny_config().model.dit;
  train::DitStepShape s;
  s.batch = 2;
  s.frames = 2;
  s.height = 4;
  s.width = 4;
  train::OptimOptions optim;
  optim.lr = 1e-3;
  const auto r = train::bench_dit_step(o, s, optim, 1, 4, at::kCPU, 3);
  EXPECT_EQ(r.step_seconds.size(), 4u);
  EXPECT_EQ(r.tokens, 2 * 2 * 2);
  EXPECT_GT(r.median_seconds, 0);
  EXPECT_LE(r.best_seconds, r.median_seconds);
  EXPECT_EQ(r.parameters, Dit(o)->parameter_count());
  EXPECT_TRUE(std::isfinite(r.first_loss));
  EXPECT_LT(r.last_loss, r.first_loss);  // AdamW fits the fixed batch
  EXPECT_DOUBLE_EQ(r.flops.forward, train::dit_flops(o, s).forward);
}

}  // namespace
}  // namespace nc::model
