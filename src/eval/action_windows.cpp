#include "nc/eval/action_windows.h"

#include <algorithm>
#include <cmath>

#include <ATen/ops/ne.h>

#include "nc/core/error.h"

namespace nc::eval {

std::vector<int> action_frames(const std::vector<double>& times, double fps, int total) {
  std::vector<int> out;
  if (total <= 0) return out;
  for (double tau : times) {
    const double f = std::round(tau * fps);  // PAPER.md App. B.3: round(tau * fps), no -1
    out.push_back(static_cast<int>(std::clamp(f, 0.0, static_cast<double>(total - 1))));
  }
  return out;
}

std::vector<int> action_window_frames(const std::vector<int>& actions, int total, int offset, int length) {
  std::vector<int> out;
  for (int f : actions)
    for (int j = f + offset; j < f + offset + length; ++j)
      if (j >= 0 && j < total) out.push_back(j);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<double> action_times(const std::map<std::string, at::Tensor>& tensors,
                                 const std::vector<data::ClipEvent>& events, double clip_fps,
                                 const std::string& tensor, const std::string& event_types) {
  std::vector<double> times;
  auto it = tensor.empty() ? tensors.end() : tensors.find(tensor);
  if (it != tensors.end() && it->second.defined() && it->second.dim() >= 1) {
    check(clip_fps > 0, "clip without a frame rate", "eval::action_times");
    at::Tensor active = at::ne(it->second.reshape({it->second.size(0), -1}), 0).any(1).contiguous();
    const bool* a = active.data_ptr<bool>();
    for (int64_t k = 0; k < active.size(0); ++k)
      if (a[k]) times.push_back(static_cast<double>(k) / clip_fps);
    return times;
  }
  for (const auto& e : events)
    if (event_types.find(e.type) != std::string::npos) times.push_back(e.time);
  std::sort(times.begin(), times.end());
  return times;
}

}  // namespace nc::eval
