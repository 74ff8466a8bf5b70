// Private to the gui module: the Python literals the paper's logs hold (`repr()` of lists,
// tuples and sets of strings, as pandas and csv.writer write them). Strings (single or double
// quotes, r/u prefixes, Python escapes), numbers, None/True/False, lists, tuples, sets and
// `set()`; nothing is evaluated.
#pragma once

#include <string>
#include <vector>

namespace nc::gui::py {

struct Value {
  enum Kind { kStr, kNum, kSeq, kNone, kBool } kind = kNone;
  std::string text;           // kStr: the decoded string (UTF-8); kNum/kBool: as written
  std::vector<Value> items;   // kSeq: list, tuple or set items in written order
  std::string text_repr() const;  // for messages
};

// Parses one literal; throws nc::Error (what_failed only) describing the first problem.
Value parse(const std::string& text);

// repr() of a str: single quotes unless it holds ' and no ", escapes as Python writes them.
std::string repr_string(const std::string& s);

}  // namespace nc::gui::py
