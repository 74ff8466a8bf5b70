#include "nc/data/tape_clip.h"

#include <cmath>

#include "nc/core/error.h"
#include "nc/data/term_clips.h"
#include "nc/term/font.h"
#include "nc/term/renderer.h"

namespace nc::data {
namespace {

// VHS 0.10's defaults for what a tape does not Set.
constexpr double kVhsFontSize = 22, kVhsLineHeight = 1.0, kVhsLetterSpacing = 1.0;
constexpr int kVhsWidth = 1200, kVhsHeight = 600, kVhsPadding = 60, kVhsMargin = 0, kVhsBorderRadius = 0;

int scaled(int v, double s) { return static_cast<int>(std::lround(v * s)); }
int even(int v) { return std::max(2, v + (v & 1)); }

}  // namespace

TapeLook tape_look(const term::Tape& tape, const term::RenderOptions& base, const TapeOptions& tapes,
                   const ClipOptions& clips) {
  const term::TapeSettings& s = tape.settings;
  TapeLook look;
  term::RenderOptions full = base;
  look.font_family = s.font_family.value_or(tapes.font_family);
  const term::FontFiles files = term::find_font_family(look.font_family);
  if (!files.regular.empty()) {
    full.font = files.regular;
    full.font_bold = files.bold;
    full.font_italic = files.italic;
    full.font_bold_italic = files.bold_italic;
  }
  full.font_size = s.font_size.value_or(kVhsFontSize);
  full.line_height = s.line_height.value_or(kVhsLineHeight);
  full.letter_spacing = s.letter_spacing.value_or(kVhsLetterSpacing);
  full.padding = s.padding.value_or(kVhsPadding);
  full.margin = s.margin.value_or(kVhsMargin);
  full.border_radius = s.border_radius.value_or(kVhsBorderRadius);
  if (s.theme) full.theme = (*s.theme)[0] == '{' ? *s.theme : term::vhs_theme_name(*s.theme);
  const int width = s.width.value_or(kVhsWidth), height = s.height.value_or(kVhsHeight);
  full.width = full.height = 0;
  try {
    // VHS fills the margin with the theme's background unless MarginFill says otherwise.
    if (s.margin_fill) {
      term::parse_rgb(*s.margin_fill, "MarginFill");
      full.margin_fill = *s.margin_fill;
    } else {
      const term::Rgb bg = term::Theme::load(full.theme).background;
      char hex[8];
      std::snprintf(hex, sizeof hex, "#%02x%02x%02x", bg.r, bg.g, bg.b);
      full.margin_fill = hex;
    }
    term::Renderer renderer(full);
    std::tie(look.cols, look.rows) = renderer.fit_terminal(width, height);
  } catch (const Error& e) {
    throw e.within(tape.name);
  }
  look.cols = std::min(look.cols, 1000);
  look.rows = std::min(look.rows, 500);

  const double k = tapes.scale;
  look.render = full;
  look.render.font_size = full.font_size * k;
  look.render.letter_spacing = full.letter_spacing * k;
  look.render.padding = scaled(full.padding, k);
  look.render.margin = scaled(full.margin, k);
  look.render.border_radius = scaled(full.border_radius, k);
  look.width = even(scaled(width, k));
  look.height = even(scaled(height, k));
  look.render.width = look.width;
  look.render.height = look.height;
  look.fps = s.framerate.value_or(clips.fps);
  look.speed = s.playback_speed.value_or(clips.speed);
  return look;
}

term::TapeRunOptions tape_run_options(const TapeLook& look, const TapeOptions& t) {
  term::TapeRunOptions o;
  o.sandbox_root = t.sandbox_root;
  o.path = t.path;
  o.fixtures = t.fixtures;
  o.keep_sandbox = t.keep_sandbox;
  o.timeout = t.timeout;
  o.startup_timeout = t.startup_timeout;
  o.response_window = t.response_window;
  o.limit_cpu_seconds = static_cast<uint64_t>(t.limit_cpu_seconds);
  o.limit_memory_bytes = static_cast<uint64_t>(t.limit_memory_mb) << 20;
  o.limit_file_bytes = static_cast<uint64_t>(t.limit_file_mb) << 20;
  o.limit_processes = static_cast<uint64_t>(t.limit_processes);
  o.max_output_bytes = static_cast<size_t>(t.max_output_mb) << 20;
  o.cols = look.cols;
  o.rows = look.rows;
  return o;
}

std::optional<Clip> tape_clip(const term::Tape& tape, const term::TapeRecording& rec, const TapeLook& look,
                              const ClipOptions& clips, PlanReport* report) {
  TermSource source;
  source.id = tape.id();
  source.tool = "vhs";
  source.whole = true;
  source.window_width = look.width;
  source.window_height = look.height;
  term::CastHeader& h = source.cast.header;
  h.width = rec.cols;
  h.height = rec.rows;
  for (const char* key : {"SHELL", "TERM"}) {
    auto it = rec.env.find(key);
    if (it != rec.env.end()) h.env[key] = it->second;
  }
  // Output and markers, with each key press (by name) just before what it caused.
  size_t ki = 0;
  for (const auto& e : rec.events) {
    for (; ki < rec.keys.size() && rec.keys[ki].time <= e.time; ++ki)
      source.cast.events.push_back({rec.keys[ki].time, 'k', rec.keys[ki].name});
    source.cast.events.push_back(e);
  }
  for (; ki < rec.keys.size(); ++ki) source.cast.events.push_back({rec.keys[ki].time, 'k', rec.keys[ki].name});

  nlohmann::json meta = tape.metadata;
  meta["tape_file"] = tape.name;
  meta["outputs"] = tape.outputs;
  meta["requires"] = tape.requires;
  nlohmann::json screenshots = nlohmann::json::array();
  for (const auto& e : rec.events)
    if (e.type == 'm' && e.data.rfind("screenshot ", 0) == 0)
      screenshots.push_back({{"path", e.data.substr(11)}, {"time", e.time}});
  if (!screenshots.empty()) meta["screenshots"] = screenshots;
  meta["run"] = {{"duration", rec.duration},
                 {"wall_seconds", rec.wall_seconds},
                 {"startup_seconds", rec.startup_seconds},
                 {"max_lateness", rec.max_lateness},
                 {"shell_exited", rec.shell_exited},
                 {"busy_at_end", rec.busy_at_end},
                 {"leftover_processes", rec.leftover_processes},
                 {"keystrokes", rec.keys.size()}};
  source.metadata = std::move(meta);

  ClipOptions o = clips;
  o.fps = look.fps;
  o.speed = look.speed;
  o.idle_time_limit = 0;  // a tape's pauses are its own

  std::optional<Clip> out;
  PlanReport r = render_term_clips(source, o, look.render, [&](Clip&& clip) { out = std::move(clip); });
  if (report) *report = r;
  if (!out) return out;

  Clip& clip = *out;
  const std::string instruction = tape.metadata.value("instruction", std::string());
  if (!instruction.empty()) clip.captions.regular = instruction;
  clip.info["caption_scripted"] = term::scripted_caption(tape);
  nlohmann::json& info = clip.info["data_info"];
  info["caption_type"] = tape.metadata.value("caption_type", std::string(instruction.empty() ? "trace" : "instruction"));
  info["font_family"] = look.font_family;
  info["font"] = look.render.font;
  info["line_height"] = look.render.line_height;
  info["letter_spacing"] = look.render.letter_spacing;
  info["padding"] = look.render.padding;
  info["margin"] = look.render.margin;
  info["margin_fill"] = look.render.margin_fill;
  info["border_radius"] = look.render.border_radius;
  info["tape_font_size"] = tape.settings.font_size.value_or(kVhsFontSize);
  info["scale"] = look.render.font_size / tape.settings.font_size.value_or(kVhsFontSize);
  return out;
}

}  // namespace nc::data
