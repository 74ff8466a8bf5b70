// Configs: plain structs with defaults, filled from YAML or JSON files and `--set a.b.c=value`
// overrides. Every option is declared once, in its struct's `visit` method:
//
//   struct OptimConfig {
//     double lr = 5e-5;
//     std::string schedule = "cosine";
//     template <class V> void visit(V& v) {
//       v("lr", lr, "peak learning rate", positive());
//       v("schedule", schedule, "learning-rate schedule", one_of({"cosine", "constant"}));
//     }
//   };
//
// The same declaration reads a document (unknown key, wrong type or out-of-range value is an
// nc::Error naming the key and the file:line it came from), writes the resolved config, and
// lists the keys with their types, defaults and help (`nc config keys`). A struct may also
// define `void check(nc::config::Checker& c) const` for rules that tie several keys together.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "nc/core/error.h"

namespace nc::config {

using Json = nlohmann::ordered_json;

// Where a value came from: a file and line, or a command-line override.
struct Origin {
  std::string file;  // "configs/tiny.yaml" or "--set"
  long line = 0;     // 1-based; 0 when unknown
  std::string describe() const { return at_line(file, line); }
};

// A config document: the merged values plus the origin of every key path ("train.optim.lr").
struct Document {
  Json root = Json::object();
  std::map<std::string, Origin> origins;
  std::string name = "<defaults>";  // the file the document was loaded from, for messages

  // The origin of `path`, or of its nearest ancestor that has one.
  std::string where(const std::string& path) const;
};

// Loads a .yaml/.yml/.json file. A top-level `base: other.yaml` key (relative to the file)
// loads that file first and merges this one over it.
Document load_file(const std::string& path);

// Parses text (`yaml` = true for YAML, else JSON); `name` is used in messages.
Document parse_text(const std::string& text, const std::string& name, bool yaml);

// Merges `over` into `into`: objects merge key by key, everything else is replaced.
void merge(Document& into, const Document& over);

// Applies "a.b.c=value"; the value is parsed as a YAML (or JSON) scalar, list or map, so
// `--set model.dims=[1,2]` and `--set run.name=tiny` both do what they say.
void apply_override(Document& doc, const std::string& assignment);

// Renders a JSON value as YAML (block style, keys in order).
std::string to_yaml(const Json& value);

// ---------------------------------------------------------------------------------------------
// Checks attached to a field.

struct Check {
  std::optional<double> min, max;
  bool min_exclusive = false;
  std::vector<std::string> choices;

  std::string describe() const;  // "> 0", "in [0, 1]", "one of a|b"
  // Returns an empty string when `value` passes, else what is wrong.
  std::string violation(double value) const;
  std::string violation(const std::string& value) const;
};

inline Check any() { return {}; }
inline Check at_least(double lo) { return Check{lo, std::nullopt, false, {}}; }
inline Check positive() { return Check{0.0, std::nullopt, true, {}}; }
inline Check between(double lo, double hi) { return Check{lo, hi, false, {}}; }
inline Check one_of(std::vector<std::string> choices) {
  return Check{std::nullopt, std::nullopt, false, std::move(choices)};
}

// ---------------------------------------------------------------------------------------------
// Type traits used by the visitors.

template <class T, class = void>
struct is_section : std::false_type {};
struct ProbeVisitor {
  template <class F, class... R>
  void operator()(const char*, F&, const char*, R&&...) {}
};
template <class T>
struct is_section<T, std::void_t<decltype(std::declval<T&>().visit(std::declval<ProbeVisitor&>()))>>
    : std::true_type {};

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};

class Checker;
template <class T, class = void>
struct has_check : std::false_type {};
template <class T>
struct has_check<T, std::void_t<decltype(std::declval<const T&>().check(std::declval<Checker&>()))>>
    : std::true_type {};

// Human names of types for messages and listings.
template <class T>
std::string type_name() {
  if constexpr (std::is_same_v<T, bool>) return "bool";
  else if constexpr (std::is_integral_v<T>) return "int";
  else if constexpr (std::is_floating_point_v<T>) return "float";
  else if constexpr (std::is_same_v<T, std::string>) return "string";
  else if constexpr (is_vector<T>::value) return "list of " + type_name<typename T::value_type>();
  else return "section";
}

// Converts one JSON value to T or throws nc::Error at `where`. Declared for the supported
// scalar and list types.
template <class T>
T from_json(const Json& value, const std::string& where);

// ---------------------------------------------------------------------------------------------
// Cross-field checks: `c.require(cond, "key", "message")` names the key and its origin.

class Checker {
 public:
  Checker(const Document* doc, std::string prefix) : doc_(doc), prefix_(std::move(prefix)) {}
  void require(bool cond, const std::string& key, const std::string& message) const;

 private:
  const Document* doc_;
  std::string prefix_;
};

// ---------------------------------------------------------------------------------------------
// Reader: fills a struct from a document.

class Reader {
 public:
  Reader(const Document& doc, const Json& node, std::string prefix)
      : doc_(doc), node_(node), prefix_(std::move(prefix)) {}

  template <class T>
  void operator()(const char* key, T& field, const char* /*help*/, const Check& check = {}) {
    seen_.insert(key);
    const std::string path = prefix_ + key;
    const bool present = node_.is_object() && node_.contains(key);
    if constexpr (is_section<T>::value) {
      static const Json kEmpty = Json::object();
      const Json& sub = present ? node_.at(key) : kEmpty;
      if (!sub.is_object())
        throw Error("expected a section (a map of keys), got " + describe_json(sub),
                    where(path));
      Reader reader(doc_, sub, path + ".");
      field.visit(reader);
      reader.finish();
      if constexpr (has_check<T>::value) {
        Checker checker(&doc_, path + ".");
        field.check(checker);
      }
    } else {
      if (present) field = from_json<T>(node_.at(key), where(path));
      validate(field, check, path);
    }
  }

  // Throws on keys of this section that no field claimed.
  void finish() const;

  static std::string describe_json(const Json& value);

 private:
  std::string where(const std::string& path) const { return doc_.where(path) + ": " + path; }

  template <class T>
  void validate(const T& value, const Check& check, const std::string& path) const {
    std::string bad;
    if constexpr (std::is_same_v<T, bool>) {
      return;
    } else if constexpr (std::is_arithmetic_v<T>) {
      bad = check.violation(static_cast<double>(value));
    } else if constexpr (std::is_same_v<T, std::string>) {
      bad = check.violation(value);
    } else if constexpr (is_vector<T>::value) {
      for (const auto& item : value) {
        validate(item, check, path);
      }
      return;
    }
    if (!bad.empty()) throw Error(bad, where(path));
  }

  const Document& doc_;
  const Json& node_;
  std::string prefix_;
  std::set<std::string> seen_;
};

// Writer: a struct to JSON (the resolved config).
class Writer {
 public:
  explicit Writer(Json& out) : out_(out) {}
  template <class T>
  void operator()(const char* key, T& field, const char*, const Check& = {}) {
    if constexpr (is_section<T>::value) {
      Json sub = Json::object();
      Writer writer(sub);
      field.visit(writer);
      out_[key] = std::move(sub);
    } else {
      out_[key] = field;
    }
  }

 private:
  Json& out_;
};

// One row per leaf key: path, type, default, constraint, help.
struct KeyInfo {
  std::string path, type, value, constraint, help;
};
class Lister {
 public:
  Lister(std::vector<KeyInfo>& out, std::string prefix) : out_(out), prefix_(std::move(prefix)) {}
  template <class T>
  void operator()(const char* key, T& field, const char* help, const Check& check = {}) {
    if constexpr (is_section<T>::value) {
      Lister sub(out_, prefix_ + key + ".");
      field.visit(sub);
    } else {
      out_.push_back({prefix_ + key, type_name<T>(), Json(field).dump(), check.describe(), help});
    }
  }

 private:
  std::vector<KeyInfo>& out_;
  std::string prefix_;
};

// ---------------------------------------------------------------------------------------------
// Entry points.

template <class T>
T bind(const Document& doc) {
  T value;
  Reader reader(doc, doc.root, "");
  value.visit(reader);
  reader.finish();
  if constexpr (has_check<T>::value) {
    Checker checker(&doc, "");
    value.check(checker);
  }
  return value;
}

// Visitors take fields by non-const reference, so the writers below work on a copy.
template <class T>
Json to_json(T value) {
  Json out = Json::object();
  Writer writer(out);
  value.visit(writer);
  return out;
}

template <class T>
std::vector<KeyInfo> list_keys(T value = T{}) {
  std::vector<KeyInfo> out;
  Lister lister(out, "");
  value.visit(lister);
  return out;
}

// Loads `path` (may be empty: defaults only), applies the overrides, and binds to T.
template <class T>
T load(const std::string& path, const std::vector<std::string>& overrides, Document* doc_out = nullptr) {
  Document doc = path.empty() ? Document{} : load_file(path);
  for (const auto& assignment : overrides) apply_override(doc, assignment);
  T value = bind<T>(doc);
  if (doc_out) *doc_out = std::move(doc);
  return value;
}

// Writes `value` as YAML to `path` (the resolved config beside every output).
void write_yaml(const std::string& path, const Json& value);

}  // namespace nc::config
