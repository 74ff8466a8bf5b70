// Deterministic captions from the trace itself, in the paper's three tiers (PAPER.md §1.1):
// semantic (what kind of work), regular (the commands and key outputs), detailed (the exact
// final text with its colours and formatting). A JSON sidecar can supply captions instead.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nc/data/clip.h"
#include "nc/data/term_trace.h"
#include "nc/term/theme.h"

namespace nc::data {

// Captions for trace frames [begin, end); `last` is the screen as the clip's last frame shows it.
Captions term_captions(const Trace& trace, int begin, int end, const term::Screen& last,
                       const term::Theme& theme, const std::string& prompt_regex);

// What a kind of command does, as a phrase ("lists files"); "" for commands we do not know.
std::string command_activity(const std::string& command);

// The nearest plain colour name for an RGB value ("green", "gray", ...).
std::string color_name(const term::Rgb& c);

// Captions from a sidecar JSON: {"<clip id>": {"caption": ..., "caption_detailed": ...,
// "caption_semantic": ...}, "*": {...}}; "*" applies to clips without an entry. Returns false
// when the sidecar has neither. Missing tiers keep their values in `captions`.
bool sidecar_captions(const nlohmann::json& sidecar, const std::string& clip_id, Captions& captions);

}  // namespace nc::data
