// A clip: the unit every stage exchanges. A fixed number of RGB frames at a fixed fps, what
// conditions them (captions, events, per-frame tensors such as actions) and what evaluates
// them (per-frame text buffers), plus the paper's per-clip record fields (PAPER.md §1.1).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include "nc/core/image.h"

namespace nc::data {

// An input or output event, `time` in seconds from the clip's first frame.
struct ClipEvent {
  double time = 0;
  char type = 'o';  // 'o' output, 'i' input, 'r' resize, 'm' marker, 'k' key (tapes)
  std::string data;
  bool operator==(const ClipEvent& o) const { return time == o.time && type == o.type && data == o.data; }
};

// The three caption tiers of PAPER.md §1.1: semantic (what kind of work), regular (commands
// and key outputs), detailed (exact text with colours and formatting).
struct Captions {
  std::string semantic, regular, detailed;
  bool operator==(const Captions& o) const {
    return semantic == o.semantic && regular == o.regular && detailed == o.detailed;
  }
};

struct Clip {
  std::string id;
  double fps = 15;
  std::vector<Image> frames;                   // all the same size
  std::vector<std::vector<std::string>> text;  // per frame: the screen's lines (may be empty)
  std::vector<ClipEvent> events;
  Captions captions;
  // The rest of the record: "data_info", "meta" ("videogen" statistics), "metadata" (source),
  // "source" (tool), "source_frames", ... written at the record's top level.
  nlohmann::json info = nlohmann::json::object();
  // Per-frame numeric data (actions, cursor positions, masks): first dimension = frames.
  std::map<std::string, at::Tensor> tensors;
};

}  // namespace nc::data
