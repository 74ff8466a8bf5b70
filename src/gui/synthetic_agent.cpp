#include "nc/gui/synthetic_agent.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/strings.h"
#include "nc/gui/keys.h"

namespace nc::gui {
namespace {

using Json = nlohmann::json;

class Random {
 public:
  explicit Random(uint64_t seed) : gen_(seed) {}
  double uniform() { return std::uniform_real_distribution<double>(0, 1)(gen_); }
  // An integer in [lo, hi], both included.
  int integer(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen_); }
  double normal(double sigma) { return sigma > 0 ? std::normal_distribution<double>(0, sigma)(gen_) : 0; }
  std::mt19937_64& gen() { return gen_; }

 private:
  std::mt19937_64 gen_;
};

// PAPER.md §1.3 generate_control_points: 30% of the points on (or at) a screen edge.
std::vector<std::pair<double, double>> control_points(Random& rng, int count, int w, int h, double edge_prob) {
  std::vector<std::pair<double, double>> pts;
  for (int i = 0; i < count; ++i) {
    int x, y;
    if (rng.uniform() < edge_prob) {
      if (rng.uniform() < 0.5) {  // top or bottom edge
        x = rng.integer(0, w - 1);
        y = rng.uniform() < 0.5 ? (rng.uniform() < 0.5 ? 0 : h - 1) : rng.integer(0, h - 1);
      } else {  // left or right edge
        x = rng.uniform() < 0.5 ? (rng.uniform() < 0.5 ? 0 : w - 1) : rng.integer(0, w - 1);
        y = rng.integer(0, h - 1);
      }
    } else {
      x = rng.integer(0, w - 1);
      y = rng.integer(0, h - 1);
    }
    pts.emplace_back(x, y);
  }
  return pts;
}

void check_point(double x, double y, int w, int h, const std::string& where) {
  check(x >= 0 && y >= 0 && x <= w - 1 && y <= h - 1,
        "(" + std::to_string(x) + ", " + std::to_string(y) + ") is off the " + std::to_string(w) + "x" +
            std::to_string(h) + " screen",
        where);
}

}  // namespace

AgentSpec parse_agent(const std::string& text) {
  AgentSpec spec;
  if (text == "slow") return spec;
  if (text == "fast") {
    spec.kind = AgentKind::kFast;
    return spec;
  }
  if (starts_with(text, "script:") && text.size() > 7) {
    spec.kind = AgentKind::kScript;
    spec.script = text.substr(7);
    return spec;
  }
  throw Error("unknown agent '" + text + "'", "--agent", "use slow, fast or script:FILE");
}

const std::vector<std::string>& agent_special_keys() {
  // PAPER.md §1.3 / the paper's XDOTOOL_KEYS (its '\t' and ' ' are Tab and space here).
  static const std::vector<std::string> keys = {
      "Return", "Tab", "space", "BackSpace", "Delete", "Escape", "Insert", "Home", "End", "Prior", "Next",
      "Up", "Down", "Left", "Right", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12",
      "Control_L", "Control_R", "Alt_L", "Alt_R", "Shift_L", "Shift_R", "Caps_Lock", "Num_Lock", "Scroll_Lock",
      "Print", "Pause", "Break", "KP_0", "KP_1", "KP_2", "KP_3", "KP_4", "KP_5", "KP_6", "KP_7", "KP_8", "KP_9",
      "KP_Decimal", "KP_Divide", "KP_Multiply", "KP_Subtract", "KP_Add", "XF86AudioLowerVolume",
      "XF86AudioRaiseVolume", "XF86AudioMute", "XF86AudioPlay", "XF86AudioNext", "XF86AudioPrev", "XF86AudioStop",
      "Menu", "Clear", "Help", "Select", "Separator", "Execute", "Mode_switch", "XF86Sleep", "Super_L", "Super_R"};
  return keys;
}

const std::string& agent_typed_chars() {
  static const std::string chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  return chars;
}

std::vector<std::pair<double, double>> bezier_curve(const std::vector<std::pair<double, double>>& control, int n) {
  check(!control.empty() && n >= 1, "a Bezier curve needs control points and samples", "bezier_curve");
  std::vector<std::pair<double, double>> out;
  std::vector<std::pair<double, double>> work(control.size());
  for (int i = 0; i < n; ++i) {
    const double t = n == 1 ? 0 : static_cast<double>(i) / (n - 1);
    work = control;
    for (size_t level = work.size() - 1; level > 0; --level)
      for (size_t j = 0; j < level; ++j) {
        work[j].first = (1 - t) * work[j].first + t * work[j + 1].first;
        work[j].second = (1 - t) * work[j].second + t * work[j + 1].second;
      }
    out.push_back(work[0]);
  }
  return out;
}

GuiTrace random_plan(AgentKind kind, int frames, int width, int height, double fps, const AgentOptions& o,
                     uint64_t seed) {
  check(frames >= 1, "a plan needs at least one frame", "random_plan");
  Random rng(seed);
  GuiTrace plan;
  plan.fps = fps;
  plan.screen_width = width;
  plan.screen_height = height;
  plan.frames.resize(static_cast<size_t>(frames));
  std::vector<std::pair<int, int>> path(static_cast<size_t>(frames));
  if (kind == AgentKind::kSlow) {
    auto control = control_points(rng, o.control_points + rng.integer(0, o.extra_control_points), width, height,
                                  o.boundary_point_prob);
    if (rng.uniform() < o.boundary_endpoints_prob) {
      control.insert(control.begin(), {rng.uniform() < 0.5 ? 0.0 : width - 1.0, double(rng.integer(0, height - 1))});
      control.push_back({rng.uniform() < 0.5 ? 0.0 : width - 1.0, double(rng.integer(0, height - 1))});
    }
    const auto curve = bezier_curve(control, frames);
    for (int k = 0; k < frames; ++k) {
      const double x = std::clamp(curve[static_cast<size_t>(k)].first + rng.normal(o.path_noise), 0.0, width - 1.0);
      const double y = std::clamp(curve[static_cast<size_t>(k)].second + rng.normal(o.path_noise), 0.0, height - 1.0);
      path[static_cast<size_t>(k)] = {static_cast<int>(x), static_cast<int>(y)};  // astype(int) truncates
    }
  } else {
    for (auto& p : path) p = {rng.integer(0, width - 1), rng.integer(0, height - 1)};
  }

  // Left clicks at distinct frames; some are double clicks.
  const int max_clicks = static_cast<int>(o.click_rate * frames);
  const int clicks = max_clicks > 0 ? rng.integer(0, max_clicks - 1) : 0;
  std::vector<int> order(static_cast<size_t>(frames));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng.gen());
  std::vector<int> click_frames(order.begin(), order.begin() + std::min(clicks, frames));
  std::sort(click_frames.begin(), click_frames.end());
  std::vector<bool> left(static_cast<size_t>(frames), false);
  for (int idx : click_frames) {
    if (rng.uniform() < o.double_click_prob && idx < frames - 8) {
      left[static_cast<size_t>(idx)] = true;
      const int gap = rng.integer(1, o.double_click_max_gap);
      const auto origin = path[static_cast<size_t>(idx)];
      for (int j = 1; j <= gap && idx + j < frames; ++j) {
        const double x = std::clamp(origin.first + rng.normal(1), 0.0, width - 1.0);
        const double y = std::clamp(origin.second + rng.normal(1), 0.0, height - 1.0);
        path[static_cast<size_t>(idx + j)] = {static_cast<int>(x), static_cast<int>(y)};
      }
      if (idx + gap < frames) left[static_cast<size_t>(idx + gap)] = true;
    } else {
      left[static_cast<size_t>(idx)] = true;
    }
  }

  // Right clicks, keys (held keys released with probability key_release_prob per frame), scrolls.
  const double key_prob = rng.uniform() * o.max_key_event_prob;
  const auto& special = agent_special_keys();
  const std::string& chars = agent_typed_chars();
  std::set<std::string> active;
  for (int k = 0; k < frames; ++k) {
    GuiFrame& f = plan.frames[static_cast<size_t>(k)];
    f.x = path[static_cast<size_t>(k)].first;
    f.y = path[static_cast<size_t>(k)].second;
    if (left[static_cast<size_t>(k)]) f.events.push_back(GuiEvent::click(kLeftButton));
    if (rng.uniform() < o.right_click_prob) f.events.push_back(GuiEvent::click(kRightButton));
    std::set<std::string> released;
    for (auto it = active.begin(); it != active.end();) {
      if (rng.uniform() < o.key_release_prob) {
        f.events.push_back(GuiEvent::key_up(*it));
        released.insert(*it);
        it = active.erase(it);
      } else {
        ++it;
      }
    }
    if (rng.uniform() < key_prob) {
      for (;;) {
        std::string key = rng.uniform() < o.special_key_prob
                              ? special[static_cast<size_t>(rng.integer(0, static_cast<int>(special.size()) - 1))]
                              : std::string(1, chars[static_cast<size_t>(rng.integer(0, static_cast<int>(chars.size()) - 1))]);
        // The paper skips keys held or ever released (its up_keys never empties); we skip keys
        // held or released in this frame, so a key can be pressed again later.
        if (!active.count(key) && !released.count(key)) {
          f.events.push_back(GuiEvent::key_down(key));
          active.insert(key);
        }
        if (rng.uniform() < 0.8) break;
      }
    }
    if (rng.uniform() < o.scroll_prob) {
      const double r = rng.uniform();
      const Scroll dir = r < 0.4 ? Scroll::kUp : r < 0.8 ? Scroll::kDown : r < 0.9 ? Scroll::kLeft : Scroll::kRight;
      f.events.push_back(GuiEvent::scroll(dir, rng.integer(1, o.max_scroll_amount)));
    }
  }
  // Keys still held at the end are released by the recorder, not logged.
  return plan;
}

GuiTrace script_plan(const std::string& json_text, const std::string& name, int frames, int width, int height,
                     double fps) {
  Json doc;
  try {
    doc = Json::parse(json_text);
  } catch (const Json::exception& e) {
    throw Error(std::string("invalid JSON: ") + e.what(), name);
  }
  const Json actions = doc.is_array() ? doc : doc.is_object() && doc.contains("actions") ? doc["actions"] : Json();
  if (!actions.is_array()) throw Error("a script is a list of actions, or {\"actions\": [...]}", name);
  GuiTrace plan;
  plan.fps = fps;
  plan.screen_width = width;
  plan.screen_height = height;
  plan.frames.resize(static_cast<size_t>(frames));
  struct Key {
    int frame;
    double x, y;
    bool jump;
  };
  std::vector<Key> keyframes;
  for (size_t i = 0; i < actions.size(); ++i) {
    const Json& a = actions[i];
    const std::string where = name + ": actions[" + std::to_string(i) + "]";
    if (!a.is_object() || !a.contains("action") || !a["action"].is_string())
      throw Error("an action is an object with an 'action' name", where);
    const std::string act = a["action"].get<std::string>();
    long frame;
    if (a.contains("frame")) {
      if (!a["frame"].is_number_integer()) throw Error("'frame' is not an integer", where);
      frame = static_cast<long>(a["frame"].get<int64_t>());
    } else if (a.contains("time")) {
      if (!a["time"].is_number()) throw Error("'time' is not a number", where);
      frame = static_cast<long>(std::lround(a["time"].get<double>() * fps));
    } else {
      throw Error("an action needs a 'frame' or a 'time' (s)", where);
    }
    if (frame < 0 || frame >= frames)
      throw Error("action at frame " + std::to_string(frame) + ", but the recording has " + std::to_string(frames) +
                      " frames",
                  where, "record longer (--seconds) or move the action");
    GuiFrame& f = plan.frames[static_cast<size_t>(frame)];
    const bool has_xy = a.contains("x") || a.contains("y");
    if (has_xy) {
      if (!a.contains("x") || !a.contains("y") || !a["x"].is_number() || !a["y"].is_number())
        throw Error("'x' and 'y' must both be numbers", where);
      const double x = a["x"].get<double>(), y = a["y"].get<double>();
      check_point(x, y, width, height, where);
      keyframes.push_back({static_cast<int>(frame), x, y, a.value("jump", false)});
    }
    auto text = [&](const char* key) {
      if (!a.contains(key) || !a[key].is_string() || a[key].get<std::string>().empty())
        throw Error(std::string("'") + act + "' needs a non-empty '" + key + "'", where);
      return a[key].get<std::string>();
    };
    if (act == "mouse_move") {
      if (!has_xy) throw Error("'mouse_move' needs x and y", where);
    } else if (act == "left_click") f.events.push_back(GuiEvent::click(kLeftButton));
    else if (act == "right_click") f.events.push_back(GuiEvent::click(kRightButton));
    else if (act == "middle_click") f.events.push_back(GuiEvent::click(kMiddleButton));
    else if (act == "double_click") f.events.push_back(GuiEvent::click(kLeftButton, 2));
    else if (act == "triple_click") f.events.push_back(GuiEvent::click(kLeftButton, 3));
    else if (act == "left_mouse_down") f.events.push_back(GuiEvent::press(kLeftButton));
    else if (act == "left_mouse_up") f.events.push_back(GuiEvent::release(kLeftButton));
    else if (act == "scroll") {
      const Scroll dir = scroll_from_name(a.value("direction", a.value("scroll_direction", "")));
      if (dir == Scroll::kNone) throw Error("'scroll' needs a direction: up, down, left or right", where);
      const Json amount = a.contains("amount") ? a["amount"] : a.contains("scroll_amount") ? a["scroll_amount"] : Json(1);
      if (!amount.is_number_integer() || amount.get<int64_t>() < 1 || amount.get<int64_t>() > 100)
        throw Error("'amount' must be an integer in 1..100", where);
      f.events.push_back(GuiEvent::scroll(dir, static_cast<int>(amount.get<int64_t>())));
    } else if (act == "type") {
      const std::string s = text("text");
      for (char c : s)
        if (!((c >= 0x20 && c <= 0x7e) || c == '\n' || c == '\t'))
          throw Error("'type' text holds a character outside printable ASCII, \\n and \\t", where,
                      "the recorder types through the US keymap");
      for (size_t c = 0; c < s.size(); ++c) {
        const size_t at = static_cast<size_t>(frame) + c;
        if (at >= plan.frames.size())
          throw Error("typing '" + s + "' one character per frame runs past the recording's end", where);
        plan.frames[at].events.push_back(GuiEvent::typed(std::string(1, s[c])));
      }
    } else if (act == "key") {
      const std::string combo = text("text");
      for (const auto& part : split(combo, ' '))
        if (!trim(part).empty()) parse_chord(part, where);
      f.events.push_back(GuiEvent::chord(combo));
    } else if (act == "key_down" || act == "key_up") {
      const std::string k = text("key");
      const std::string canon = canonical_key(k);
      if (canon.empty()) throw Error("unknown key '" + k + "'", where, "use an X keysym name (Return, a, F5, ...)");
      f.events.push_back(act == "key_down" ? GuiEvent::key_down(canon) : GuiEvent::key_up(canon));
    } else if (act != "wait") {
      throw Error("unknown script action '" + act + "'", where,
                  "mouse_move, left_click, right_click, middle_click, double_click, triple_click, "
                  "left_mouse_down, left_mouse_up, scroll, type, key, key_down, key_up, wait");
    }
  }
  // Positions: keyframes, linear in between (a jump holds the previous one until its frame).
  std::stable_sort(keyframes.begin(), keyframes.end(), [](const Key& a, const Key& b) { return a.frame < b.frame; });
  Key first = keyframes.empty() ? Key{0, (width - 1) / 2.0, (height - 1) / 2.0, false} : keyframes.front();
  size_t next = 0;
  Key prev = first;
  for (int k = 0; k < frames; ++k) {
    while (next < keyframes.size() && keyframes[next].frame <= k) prev = keyframes[next++];
    double x = prev.x, y = prev.y;
    if (next < keyframes.size() && !keyframes[next].jump && k >= first.frame) {
      const Key& to = keyframes[next];
      const double u = static_cast<double>(k - prev.frame) / (to.frame - prev.frame);
      x = prev.x + u * (to.x - prev.x);
      y = prev.y + u * (to.y - prev.y);
    }
    plan.frames[static_cast<size_t>(k)].x = std::round(x);
    plan.frames[static_cast<size_t>(k)].y = std::round(y);
  }
  return plan;
}

GuiTrace plan_agent(const AgentSpec& spec, int frames, int width, int height, double fps, const AgentOptions& options,
                    uint64_t seed) {
  if (spec.kind == AgentKind::kScript)
    return script_plan(read_file(spec.script), spec.script, frames, width, height, fps);
  return random_plan(spec.kind, frames, width, height, fps, options, seed);
}

}  // namespace nc::gui
