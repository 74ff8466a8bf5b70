// What `nc eval` writes beside its JSON: a markdown summary (overall table, arithmetic probe,
// per-clip table), and the two files written atomically into an output folder.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace nc::eval {

// The markdown of an eval.json document (evaluate.h).
std::string eval_markdown(const nlohmann::ordered_json& doc);

// Writes `dir/eval.json` and `dir/eval.md`.
void write_eval(const std::string& dir, const nlohmann::ordered_json& doc);

}  // namespace nc::eval
