// What a training run reads: the `data` config section (no library dependency).
#pragma once

#include <string>

#include "nc/core/config.h"

namespace nc::data {

struct DataOptions {
  std::string train;           // a .ncshard file or a folder with shards.json
  std::string val;             // held-out clips; empty: every val_every-th clip of `train`
  int val_every = 10;          // 0: no held-out clips
  int frames = 9;              // frames per training sample: 1 + 4k
  std::string frame_sampling = "spread";  // spread: uniformly over the clip; window: a random run
  int frame_stride = 1;        // window: frames between picked frames
  int crop_height = 0, crop_width = 0;  // a random crop of the (letterboxed) frames; 0: none
  int height = 0, width = 0;   // letterbox frames to this size; 0: as stored
  std::string caption = "regular";
  int batch_size = 1;          // samples per step and rank
  int workers = 2;             // loader threads
  int prefetch = 4;            // batches prepared ahead
  bool shuffle = true;

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("train", train, "training clips: a .ncshard file or a folder with shards.json; several joined with commas");
    v("val", val, "held-out clips; empty: every val_every-th clip of train is held out");
    v("val_every", val_every, "hold out every N-th training clip when val is empty; 0: none", at_least(0));
    v("frames", frames, "frames per sample (1 + 4k for the VAE)", at_least(1));
    v("frame_sampling", frame_sampling,
      "spread: first to last frame of each clip, evenly; window: consecutive frames (frame_stride apart) "
      "from a random start, drawn per sample",
      one_of({"spread", "window"}));
    v("frame_stride", frame_stride, "window sampling: frames between two picked frames", at_least(1));
    v("crop_height", crop_height, "train on random crops this high (the busiest of 4 draws); 0: whole frames",
      at_least(0));
    v("crop_width", crop_width, "crop width; set with crop_height", at_least(0));
    v("height", height, "letterbox frames to this height; 0: as stored", at_least(0));
    v("width", width, "letterbox frames to this width; 0: as stored", at_least(0));
    v("caption", caption, "caption tier fed to the text encoder",
      one_of({"regular", "detailed", "semantic", "random"}));
    v("batch_size", batch_size, "samples per step on each rank", at_least(1));
    v("workers", workers, "loader threads", at_least(1));
    v("prefetch", prefetch, "batches prepared ahead of the step", at_least(1));
    v("shuffle", shuffle, "visit clips in a new seeded order every epoch");
  }
  void check(config::Checker& c) const {
    c.require((height == 0) == (width == 0), "height", "set both data.height and data.width, or neither");
    c.require((crop_height == 0) == (crop_width == 0), "crop_height",
              "set both data.crop_height and data.crop_width, or neither");
  }
};

}  // namespace nc::data
