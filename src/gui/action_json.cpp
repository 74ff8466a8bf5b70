#include "nc/gui/action_json.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <map>
#include <set>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/strings.h"
#include "nc/gui/keys.h"

namespace nc::gui {
namespace {

using Json = nlohmann::json;

const std::set<std::string>& known_actions() {
  static const std::set<std::string> k = {
      "left_click", "right_click",     "middle_click", "double_click", "triple_click", "left_click_drag",
      "left_mouse_down", "left_mouse_up", "mouse_move", "scroll",     "type",         "key",
      "key_chord",  "hold_key",        "wait",         "screenshot",   "cursor_position"};
  return k;
}

// PAPER.md §1.3 item 7: the dataloader's mouse aliases.
std::string canonical_action(const std::string& name) {
  std::string k = trim(name);
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  static const std::map<std::string, std::string> aliases = {
      {"lclick", "left_click"},        {"left", "left_click"},         {"button1", "left_click"},
      {"left_button", "left_click"},   {"rclick", "right_click"},      {"right", "right_click"},
      {"button3", "right_click"},      {"right_button", "right_click"}, {"mclick", "middle_click"},
      {"middle", "middle_click"},      {"button2", "middle_click"},    {"wheel_click", "middle_click"},
      {"dblclick", "double_click"},    {"double_left_click", "double_click"},
      {"doubleclick", "double_click"}, {"tripleclick", "triple_click"}, {"triple_left_click", "triple_click"},
  };
  auto it = aliases.find(k);
  return it == aliases.end() ? k : it->second;
}

std::string describe(const Json& v) {
  std::string s = v.dump();
  return s.size() > 40 ? s.substr(0, 40) + "..." : s;
}

double number_field(const Json& o, const char* key, const std::string& where, bool required) {
  if (!o.contains(key) || o[key].is_null()) {
    if (required) throw Error(std::string("missing '") + key + "'", where);
    return NAN;
  }
  const Json& v = o[key];
  if (!v.is_number()) throw Error(std::string("'") + key + "' is not a number: " + describe(v), where);
  const double d = v.get<double>();
  if (!std::isfinite(d)) throw Error(std::string("'") + key + "' is not finite", where);
  return d;
}

std::string string_field(const Json& o, const char* key, const std::string& where) {
  if (!o.contains(key) || o[key].is_null()) return {};
  if (!o[key].is_string()) throw Error(std::string("'") + key + "' is not a string: " + describe(o[key]), where);
  return o[key].get<std::string>();
}

bool bool_field(const Json& o, const char* key, const std::string& where, bool fallback) {
  if (!o.contains(key) || o[key].is_null()) return fallback;
  const Json& v = o[key];
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer() && (v.get<int64_t>() == 0 || v.get<int64_t>() == 1)) return v.get<int64_t>() == 1;
  throw Error(std::string("'") + key + "' is not true or false: " + describe(v), where);
}

ActionRecord parse_record(const Json& a, const std::string& where, bool tool_calls) {
  if (!a.is_object()) throw Error("action is not an object: " + describe(a), where);
  ActionRecord r;
  r.where = where;
  if (!a.contains("action") || !a["action"].is_string()) throw Error("missing 'action' name", where);
  r.action = canonical_action(a["action"].get<std::string>());
  if (a.contains("frame_index") && !a["frame_index"].is_null()) {
    const Json& fi = a["frame_index"];
    if (!fi.is_number_integer() || fi.get<int64_t>() < 0)
      throw Error("'frame_index' is not a non-negative integer: " + describe(fi), where);
    r.frame_index = static_cast<long>(fi.get<int64_t>());
  }
  r.timestamp = number_field(a, "timestamp", where, r.frame_index < 0);
  if (std::isfinite(r.timestamp) && r.timestamp < 0) throw Error("negative timestamp", where);
  if (a.contains("coordinate") && !a["coordinate"].is_null()) {
    const Json& c = a["coordinate"];
    if (!c.is_array() || c.size() != 2 || !c[0].is_number() || !c[1].is_number())
      throw Error("'coordinate' is not [x, y]: " + describe(c), where);
    r.x = c[0].get<double>();
    r.y = c[1].get<double>();
  } else {
    r.x = number_field(a, "x", where, false);
    r.y = number_field(a, "y", where, false);
    if (std::isnan(r.x) != std::isnan(r.y)) throw Error("only one of x and y is given", where);
  }
  r.text = string_field(a, "text", where);
  r.key = string_field(a, "key", where);
  if (r.action == "key_chord" && r.text.empty()) r.text = string_field(a, "combo", where);
  std::string dir = string_field(a, "scroll_direction", where);
  if (dir.empty()) dir = string_field(a, "direction", where);
  double amount = number_field(a, "scroll_amount", where, false);
  if (std::isnan(amount)) amount = number_field(a, "amount", where, false);
  r.duration = number_field(a, "duration", where, false);
  r.success = bool_field(a, "success", where, true);
  r.error = string_field(a, "error", where);

  if (ends_with(r.action, "_success") || ends_with(r.action, "_failed")) return r;
  if (!known_actions().count(r.action)) {
    std::vector<std::string> names(known_actions().begin(), known_actions().end());
    throw Error("unknown action '" + r.action + "'", where, "known: " + join(names, ", "));
  }
  if (r.action == "scroll") {
    r.scroll_direction = scroll_from_name(dir);
    if (r.scroll_direction == Scroll::kNone)
      throw Error("scroll direction '" + dir + "' is not up, down, left or right", where);
    if (std::isnan(amount)) amount = 1;
    if (amount < 0 || amount != std::floor(amount) || amount > 1e6)
      throw Error("scroll amount is not a non-negative integer", where);
    r.scroll_amount = static_cast<int>(amount);
  }
  if (r.action == "type" && r.text.empty()) throw Error("'type' action without text", where);
  if (r.action == "key" || r.action == "key_chord" || r.action == "hold_key") {
    if (r.text.empty() && (r.action != "key" || !tool_calls || r.key.empty()))
      throw Error("'" + r.action + "' action without a key", where);
    if (r.text.empty()) std::swap(r.text, r.key);
    for (const std::string& part : split(r.text, ' '))
      if (!trim(part).empty()) parse_chord(part, where);  // throws on a malformed chord
  }
  if (r.action == "hold_key" && (std::isnan(r.duration) || r.duration < 0))
    throw Error("'hold_key' action without a non-negative duration", where);
  return r;
}

std::vector<std::pair<std::string, std::string>> json_pairs(const Json& keys, const std::string& where) {
  std::vector<std::pair<std::string, std::string>> out;
  if (keys.is_null()) return out;
  if (!keys.is_array()) throw Error("'keys' is not a list of [event, key] pairs", where);
  for (const Json& p : keys) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_string() || !(p[1].is_string() || p[1].is_number()))
      throw Error("key event is not an [event, key] pair: " + describe(p), where);
    out.emplace_back(p[0].get<std::string>(), p[1].is_string() ? p[1].get<std::string>() : p[1].dump());
  }
  return out;
}

std::vector<int> int_list(const Json& o, const char* key, const std::string& where) {
  std::vector<int> out;
  if (!o.contains(key) || o[key].is_null()) return out;
  if (!o[key].is_array()) throw Error(std::string("'") + key + "' is not a list of buttons", where);
  for (const Json& b : o[key]) {
    if (!b.is_number_integer() || b.get<int64_t>() < 1 || b.get<int64_t>() > 3)
      throw Error(std::string("'") + key + "' holds a button other than 1, 2, 3: " + describe(b), where);
    out.push_back(static_cast<int>(b.get<int64_t>()));
  }
  return out;
}

void read_meta_frames(const Json& frames, ActionLog& log) {
  if (!frames.is_array()) throw Error("'frames' is not a list", log.path);
  for (size_t i = 0; i < frames.size(); ++i) {
    const Json& f = frames[i];
    const std::string where = log.path + ": frames[" + std::to_string(i) + "]";
    if (!f.is_object()) throw Error("frame is not an object", where);
    if (f.contains("index") && !f["index"].is_null()) {
      if (!f["index"].is_number_integer() || f["index"].get<int64_t>() != static_cast<int64_t>(i))
        throw Error("frame index " + describe(f["index"]) + " is not its position " + std::to_string(i), where,
                    "frames must be listed in order, one per video frame");
    }
    CsvRow row;
    row.line = static_cast<long>(i);
    row.timestamp = number_field(f, "timestamp", where, true);
    row.time_text = string_field(f, "time_formatted", where);
    row.x = number_field(f, "x", where, false);
    row.y = number_field(f, "y", where, false);
    if (std::isnan(row.x) != std::isnan(row.y)) throw Error("only one of x and y is given", where);
    row.left_click = bool_field(f, "left_click", where, false);
    row.right_click = bool_field(f, "right_click", where, false);
    row.events = key_events_from_pairs(json_pairs(f.contains("keys") ? f["keys"] : Json(), where), where);
    log.middle_click.push_back(bool_field(f, "middle_click", where, false));
    log.buttons_down.push_back(int_list(f, "buttons_down", where));
    log.buttons_up.push_back(int_list(f, "buttons_up", where));
    log.frames.push_back(std::move(row));
  }
}

}  // namespace

const char* action_log_kind_name(ActionLogKind kind) {
  switch (kind) {
    case ActionLogKind::kSynthetic: return "synthetic actions";
    case ActionLogKind::kToolCalls: return "tool calls";
    case ActionLogKind::kMeta: return "meta actions";
  }
  return "?";
}

ActionLog parse_action_json(const std::string& text, const std::string& name) {
  ActionLog log;
  log.path = name;
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::exception& e) {
    throw Error(std::string("invalid JSON: ") + e.what(), name);
  }
  if (!doc.is_object()) throw Error("an action log is a JSON object with 'actions'", name);
  if (doc.contains("metadata") && !doc["metadata"].is_null()) {
    if (!doc["metadata"].is_object()) throw Error("'metadata' is not an object", name);
    log.metadata = doc["metadata"];
    if (log.metadata.contains("fps") && !log.metadata["fps"].is_null()) {
      if (!log.metadata["fps"].is_number() || log.metadata["fps"].get<double>() <= 0)
        throw Error("metadata.fps is not a positive number", name);
      log.fps = log.metadata["fps"].get<double>();
    }
  }
  const bool has_frames = doc.contains("frames") && !doc["frames"].is_null();
  const Json actions = doc.contains("actions") && !doc["actions"].is_null() ? doc["actions"] : Json();
  if (!has_frames && actions.is_null())
    throw Error("missing 'actions'", name, "not a synthetic, computer-use or meta action log (PAPER.md §1.3)");
  if (!actions.is_null() && !actions.is_array()) throw Error("'actions' is not a list", name);
  bool tool = log.metadata.value("recording_type", "") == "tool_execution";
  if (!actions.is_null())
    for (const Json& a : actions)
      if (a.is_object() && a.contains("tool_name")) tool = true;
  log.kind = has_frames ? ActionLogKind::kMeta : tool ? ActionLogKind::kToolCalls : ActionLogKind::kSynthetic;
  if (has_frames) read_meta_frames(doc["frames"], log);

  if (actions.is_null()) return log;
  for (size_t i = 0; i < actions.size(); ++i) {
    const std::string where = name + ": actions[" + std::to_string(i) + "]";
    ActionRecord r = parse_record(actions[i], where, log.kind == ActionLogKind::kToolCalls);
    const bool ok = ends_with(r.action, "_success"), failed = ends_with(r.action, "_failed");
    if (ok || failed) {
      // Every tool call is followed by `<action>_success` or `<action>_failed` (PAPER.md §1.3 item 4).
      const std::string base = r.action.substr(0, r.action.size() - (ok ? 8 : 7));
      auto it = std::find_if(log.actions.rbegin(), log.actions.rend(), [&](const ActionRecord& p) {
        return !p.confirmed && canonical_action(base) == p.action;
      });
      if (it == log.actions.rend()) {
        log.warnings.push_back(where + ": '" + r.action + "' follows no '" + base + "' call (ignored)");
        continue;
      }
      it->confirmed = true;
      if (failed) {
        it->success = false;
        it->error = r.error;
      }
      continue;
    }
    log.actions.push_back(std::move(r));
  }
  for (const auto& a : log.actions) {
    if (!a.success) ++log.failed;
    if (log.kind == ActionLogKind::kToolCalls && !a.confirmed) ++log.unconfirmed;
  }
  if (log.failed > 0)
    log.warnings.push_back(name + ": " + std::to_string(log.failed) + " failed tool call(s) dropped");
  if (log.unconfirmed > 0)
    log.warnings.push_back(name + ": " + std::to_string(log.unconfirmed) +
                           " tool call(s) without a _success/_failed record (kept)");
  return log;
}

ActionLog read_action_json(const std::string& path) { return parse_action_json(read_file(path), path); }

nlohmann::ordered_json meta_action_json(const GuiTrace& trace, const std::vector<double>& timestamps,
                                        const std::string& source_path, double double_click_window,
                                        bool applies_to_next_frame) {
  using OJson = nlohmann::ordered_json;
  check(timestamps.size() == trace.frames.size(), "one timestamp per frame is needed", "meta_action_json");
  OJson frames = OJson::array(), actions = OJson::array();
  std::deque<double> left_times;
  uint8_t held = 0;
  std::map<std::string, uint8_t> held_keys;  // modifier keys down -> their bit
  for (size_t i = 0; i < trace.frames.size(); ++i) {
    const GuiFrame& f = trace.frames[i];
    const double t = timestamps[i];
    const OJson x = f.has_cursor() ? OJson(static_cast<int>(std::lround(f.x))) : OJson();
    const OJson y = f.has_cursor() ? OJson(static_cast<int>(std::lround(f.y))) : OJson();
    OJson frame = {{"index", i},           {"timestamp", t},      {"time_formatted", format_time(t)},
                   {"x", x},               {"y", y},              {"left_click", false},
                   {"right_click", false}, {"double_click", false}, {"triple_click", false},
                   {"middle_click", false}, {"keys", OJson::array()}, {"buttons_down", OJson::array()},
                   {"buttons_up", OJson::array()}};
    auto add = [&](OJson a) {
      a["timestamp"] = t;
      a["frame_index"] = i;
      actions.push_back(std::move(a));
    };
    auto coordinate = [&] { return OJson::array({x, y}); };
    auto key_action = [&](const std::string& key) {
      // PAPER.md §1.3 item 6: modifiers held make a key_chord beside the key itself.
      const int idx = key_index(key);
      const char c = key_char(idx);
      if (c != 0) add({{"action", "type"}, {"text", std::string(1, c)}});
      else add({{"action", "key"}, {"text", key}});
      if (held != 0) add({{"action", "key_chord"}, {"combo", chord_text(held, key)}});
    };
    for (const GuiEvent& e : f.events) {
      switch (e.kind) {
        case EventKind::kClick: {
          const char* name = e.button == kLeftButton ? "left_click" : e.button == kRightButton ? "right_click"
                                                                                              : "middle_click";
          frame[e.button == kLeftButton ? "left_click" : e.button == kRightButton ? "right_click" : "middle_click"] =
              true;
          add({{"action", name}, {"coordinate", coordinate()}});
          if (e.button != kLeftButton) break;
          int count = e.count;
          if (count == 1) {
            left_times.push_back(t);
            while (left_times.size() > 4) left_times.pop_front();
            count = 1;
            for (auto it = left_times.rbegin() + 1; it != left_times.rend() && t - *it <= double_click_window; ++it)
              ++count;
          }
          if (count == 2 || count == 3) {
            const char* multi = count == 2 ? "double_click" : "triple_click";
            frame[multi] = true;
            add({{"action", multi}, {"coordinate", coordinate()}});
          }
          break;
        }
        case EventKind::kPress:
        case EventKind::kRelease: {
          const bool down = e.kind == EventKind::kPress;
          frame[down ? "buttons_down" : "buttons_up"].push_back(e.button);
          if (e.button == kLeftButton)
            add({{"action", down ? "left_mouse_down" : "left_mouse_up"}, {"coordinate", coordinate()}});
          break;
        }
        case EventKind::kScroll:
          frame["keys"].push_back({"scroll", std::string(scroll_name(e.direction)) + ":" + std::to_string(e.amount)});
          add({{"action", "scroll"},
               {"coordinate", coordinate()},
               {"scroll_direction", scroll_name(e.direction)},
               {"scroll_amount", e.amount}});
          break;
        case EventKind::kKeyDown:
        case EventKind::kKeyUp: {
          const bool down = e.kind == EventKind::kKeyDown;
          frame["keys"].push_back({down ? "keydown" : "keyup", e.key});
          const uint8_t mod = key_modifier(key_index(e.key));
          if (mod != 0) {
            if (down) held_keys[e.key] = mod;
            else held_keys.erase(e.key);
            held = 0;
            for (const auto& [k, m] : held_keys) held |= m;
          } else if (down) {
            key_action(e.key);
          }
          break;
        }
        case EventKind::kText:
          for (char c : e.text) {
            const std::string k = canonical_key(std::string(1, c));
            frame["keys"].push_back({"keydown", k.empty() ? std::string(1, c) : k});
            frame["keys"].push_back({"keyup", k.empty() ? std::string(1, c) : k});
          }
          add({{"action", "type"}, {"text", e.text}});
          break;
        case EventKind::kChord:
          for (const std::string& part : split(e.text, ' ')) {
            if (trim(part).empty()) continue;
            const Chord ch = parse_chord(part, "chord");
            for (const auto& [bit, name] : {std::pair{kCtrl, "Control_L"}, std::pair{kShift, "Shift_L"},
                                            std::pair{kAlt, "Alt_L"}, std::pair{kMeta, "Super_L"}})
              if (ch.modifiers & bit) frame["keys"].push_back({"keydown", name});
            if (!ch.key_name.empty()) {
              frame["keys"].push_back({"keydown", ch.key_name});
              frame["keys"].push_back({"keyup", ch.key_name});
            }
            for (const auto& [bit, name] : {std::pair{kMeta, "Super_L"}, std::pair{kAlt, "Alt_L"},
                                            std::pair{kShift, "Shift_L"}, std::pair{kCtrl, "Control_L"}})
              if (ch.modifiers & bit) frame["keys"].push_back({"keyup", name});
            if (ch.modifiers != 0) add({{"action", "key_chord"}, {"combo", chord_text(ch.modifiers, ch.key_name)}});
            else add({{"action", "key"}, {"text", ch.key_name}});
          }
          break;
      }
    }
    frames.push_back(std::move(frame));
  }
  OJson meta = {{"source", "nc_record"},
                {"source_path", source_path},
                {"fps", trace.fps},
                {"frame_count", trace.frames.size()},
                {"action_frame_applies_to_next_frame", applies_to_next_frame},
                {"csv_columns", {"Timestamp", "Timestamp_formated", "X", "Y", "Left Click", "Right Click", "Key Events"}},
                {"double_click_window_s", double_click_window},
                {"screen", {{"width", trace.screen_width}, {"height", trace.screen_height}}}};
  return {{"metadata", meta}, {"frames", frames}, {"actions", actions}};
}

}  // namespace nc::gui
