#include "nc/core/config.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <regex>
#include <sstream>

#ifdef NC_WITH_YAML
#include <yaml-cpp/yaml.h>
#endif

#include "nc/core/file_util.h"
#include "nc/core/strings.h"

namespace nc::config {
namespace {

// ---- scalar resolution (YAML 1.2 core schema) -------------------------------------------------

const std::regex kIntRe(R"([-+]?[0-9]+)");
const std::regex kFloatRe(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");

Json resolve_plain_scalar(const std::string& s, const std::string& where) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (std::regex_match(s, kIntRe)) {
    try {
      return static_cast<int64_t>(std::stoll(s));
    } catch (const std::out_of_range&) {
      throw Error("integer " + s + " is out of range", where);
    }
  }
  if (std::regex_match(s, kFloatRe)) return std::stod(s);
  if (s == ".inf" || s == "+.inf" || s == ".Inf") return std::numeric_limits<double>::infinity();
  if (s == "-.inf" || s == "-.Inf") return -std::numeric_limits<double>::infinity();
  if (s == ".nan" || s == ".NaN") return std::numeric_limits<double>::quiet_NaN();
  return s;
}

#ifdef NC_WITH_YAML
Json yaml_to_json(const YAML::Node& node, const std::string& path, Document& doc) {
  const std::string where = at_line(doc.name, node.Mark().line + 1);
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      // Quoted and block scalars carry the "!" tag: they are strings whatever they look like.
      if (node.Tag() == "!") return node.Scalar();
      return resolve_plain_scalar(node.Scalar(), where);
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (size_t i = 0; i < node.size(); ++i)
        out.push_back(yaml_to_json(node[i], path + "[" + std::to_string(i) + "]", doc));
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) throw Error("map keys must be plain names", where);
        const std::string key = kv.first.Scalar();
        const std::string child = path.empty() ? key : path + "." + key;
        if (out.contains(key))
          throw Error("duplicate key '" + child + "'", at_line(doc.name, kv.first.Mark().line + 1));
        doc.origins[child] = Origin{doc.name, kv.first.Mark().line + 1};
        out[key] = yaml_to_json(kv.second, child, doc);
      }
      return out;
    }
  }
  return nullptr;
}
#endif

void record_origins(const Json& value, const std::string& path, const Origin& origin,
                    Document& doc) {
  if (!value.is_object()) return;
  for (auto it = value.begin(); it != value.end(); ++it) {
    const std::string child = path.empty() ? it.key() : path + "." + it.key();
    doc.origins[child] = origin;
    record_origins(it.value(), child, origin, doc);
  }
}

Json parse_json_text(const std::string& text, const std::string& name) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    long line = 1 + static_cast<long>(std::count(
                        text.begin(), text.begin() + std::min(e.byte, text.size()), '\n'));
    std::string msg = e.what();
    auto colon = msg.find("] ");
    if (colon != std::string::npos) msg = msg.substr(colon + 2);
    throw Error("invalid JSON: " + msg, at_line(name, line));
  }
}

// Parses an override's value: YAML flow syntax when available, else JSON, else a string.
Json parse_override_value(const std::string& text, const std::string& where) {
  if (text.empty()) return std::string();
#ifdef NC_WITH_YAML
  Document tmp;
  tmp.name = where;
  try {
    return yaml_to_json(YAML::Load(text), "", tmp);
  } catch (const YAML::Exception&) {
    return text;
  }
#else
  try {
    return Json::parse(text);
  } catch (const Json::exception&) {
    return resolve_plain_scalar(text, where);
  }
#endif
}

Document load_file_rec(const std::string& path, std::vector<std::string>& chain) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string canon = fs::weakly_canonical(path, ec).string();
  if (std::find(chain.begin(), chain.end(), canon) != chain.end())
    throw Error("config files include each other in a cycle", path, "check their 'base' keys");
  if (!file_exists(path)) throw Error("config file not found", path, "check the path");
  chain.push_back(canon);

  const bool yaml = ends_with(path, ".yaml") || ends_with(path, ".yml");
  if (!yaml && !ends_with(path, ".json"))
    throw Error("unknown config file type", path, "use a .yaml, .yml or .json file");
  Document doc = parse_text(read_file(path), path, yaml);

  if (doc.root.contains("base")) {
    const Json base = doc.root["base"];
    if (!base.is_string())
      throw Error("'base' must be a file name", doc.where("base"));
    Document merged = load_file_rec(resolve_path(dir_of(path), base.get<std::string>()), chain);
    doc.root.erase("base");
    doc.origins.erase("base");
    merge(merged, doc);
    merged.name = path;
    doc = std::move(merged);
  }
  chain.pop_back();
  return doc;
}

std::string yaml_quote_if_needed(const std::string& s) {
  static const std::regex kSafe(R"([A-Za-z_/][A-Za-z0-9_./+-]*( [A-Za-z0-9_./+-]+)*)");
  bool plain = std::regex_match(s, kSafe) && resolve_plain_scalar(s, "").is_string();
  return plain ? s : Json(s).dump();
}

std::string yaml_scalar(const Json& v) {
  if (v.is_string()) return yaml_quote_if_needed(v.get<std::string>());
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isnan(d)) return ".nan";
    if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
    std::string s = v.dump();
    // Keep floats recognisable as floats when read back ("1" would become an int).
    if (s.find_first_of(".eE") == std::string::npos) s += ".0";
    return s;
  }
  if (v.is_null()) return "null";
  return v.dump();
}

bool is_flat_array(const Json& v) {
  if (!v.is_array()) return false;
  for (const auto& e : v)
    if (e.is_object() || e.is_array()) return false;
  return true;
}

void emit_yaml(const Json& v, int indent, std::ostringstream& out) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      const Json& child = it.value();
      out << pad << yaml_quote_if_needed(it.key()) << ":";
      if (child.is_object() && !child.empty()) {
        out << "\n";
        emit_yaml(child, indent + 2, out);
      } else if (child.is_array() && !is_flat_array(child)) {
        out << "\n";
        emit_yaml(child, indent + 2, out);
      } else {
        out << " ";
        emit_yaml(child, 0, out);
      }
    }
  } else if (v.is_array() && !is_flat_array(v)) {
    for (const auto& e : v) {
      out << pad << "-\n";
      emit_yaml(e, indent + 2, out);
    }
  } else if (v.is_array()) {
    out << "[";
    for (size_t i = 0; i < v.size(); ++i) out << (i ? ", " : "") << yaml_scalar(v[i]);
    out << "]\n";
  } else if (v.is_object()) {
    out << "{}\n";
  } else {
    out << pad << yaml_scalar(v) << "\n";
  }
}

std::string format_number(double d) {
  std::ostringstream s;
  s << d;
  return s.str();
}

}  // namespace

// ---- Document ----------------------------------------------------------------------------------

std::string Document::where(const std::string& path) const {
  std::string p = path;
  while (true) {
    auto it = origins.find(p);
    if (it != origins.end()) return it->second.describe();
    auto dot = p.rfind('.');
    if (dot == std::string::npos) return name;
    p = p.substr(0, dot);
  }
}

Document parse_text(const std::string& text, const std::string& name, bool yaml) {
  Document doc;
  doc.name = name;
  if (yaml) {
#ifdef NC_WITH_YAML
    try {
      YAML::Node node = YAML::Load(text);
      doc.root = node.IsNull() ? Json::object() : yaml_to_json(node, "", doc);
    } catch (const YAML::ParserException& e) {
      throw Error("invalid YAML: " + e.msg, at_line(name, e.mark.line + 1));
    }
#else
    throw Error("this build of nc reads JSON configs only", name,
                "rebuild with -DNC_WITH_YAML=ON or convert with 'nc config show --json'");
#endif
  } else {
    doc.root = parse_json_text(text, name);
    record_origins(doc.root, "", Origin{name, 0}, doc);
  }
  if (!doc.root.is_object())
    throw Error("the top level of a config must be a map of sections", name);
  return doc;
}

Document load_file(const std::string& path) {
  std::vector<std::string> chain;
  return load_file_rec(path, chain);
}

void merge(Document& into, const Document& over) {
  std::function<void(Json&, const Json&)> rec = [&](Json& a, const Json& b) {
    for (auto it = b.begin(); it != b.end(); ++it) {
      if (it.value().is_object() && a.contains(it.key()) && a[it.key()].is_object())
        rec(a[it.key()], it.value());
      else
        a[it.key()] = it.value();
    }
  };
  rec(into.root, over.root);
  for (const auto& [path, origin] : over.origins) into.origins[path] = origin;
}

void apply_override(Document& doc, const std::string& assignment) {
  const std::string where = "--set " + assignment;
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw Error("expected KEY=VALUE", where, "for example --set train.optim.lr=1e-4");
  const std::string key = trim(assignment.substr(0, eq));
  const std::vector<std::string> parts = split(key, '.');
  for (const auto& p : parts)
    if (p.empty()) throw Error("empty component in key '" + key + "'", where);

  Json* node = &doc.root;
  std::string path;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    path = path.empty() ? parts[i] : path + "." + parts[i];
    Json& child = (*node)[parts[i]];
    if (child.is_null()) child = Json::object();
    if (!child.is_object())
      throw Error("cannot set a key inside '" + path + "', which is " +
                      Reader::describe_json(child),
                  where);
    node = &child;
  }
  (*node)[parts.back()] = parse_override_value(assignment.substr(eq + 1), where);
  doc.origins[key] = Origin{where, 0};
  record_origins((*node)[parts.back()], key, Origin{where, 0}, doc);
}

std::string to_yaml(const Json& value) {
  std::ostringstream out;
  emit_yaml(value, 0, out);
  return out.str();
}

void write_yaml(const std::string& path, const Json& value) {
  write_file_atomic(path, to_yaml(value));
}

// ---- checks ------------------------------------------------------------------------------------

std::string Check::describe() const {
  if (!choices.empty()) return "one of " + join(choices, "|");
  if (min && max) return "in [" + format_number(*min) + ", " + format_number(*max) + "]";
  if (min) return (min_exclusive ? "> " : ">= ") + format_number(*min);
  if (max) return "<= " + format_number(*max);
  return "";
}

std::string Check::violation(double value) const {
  bool bad = std::isnan(value) || (min && (min_exclusive ? value <= *min : value < *min)) ||
             (max && value > *max);
  return bad ? "value " + format_number(value) + " is out of range (must be " + describe() + ")"
             : "";
}

std::string Check::violation(const std::string& value) const {
  if (choices.empty() || std::find(choices.begin(), choices.end(), value) != choices.end())
    return "";
  std::string hint = closest_match(value, choices);
  return "unknown value '" + value + "' (must be " + describe() + ")" +
         (hint.empty() ? "" : "; did you mean '" + hint + "'?");
}

void Checker::require(bool cond, const std::string& key, const std::string& message) const {
  if (cond) return;
  const std::string path = prefix_ + key;
  throw Error(message, (doc_ ? doc_->where(path) : std::string("<defaults>")) + ": " + path);
}

// ---- Reader ------------------------------------------------------------------------------------

std::string Reader::describe_json(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "nothing (null)";
    case Json::value_t::boolean: return "a bool (" + value.dump() + ")";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer (" + value.dump() + ")";
    case Json::value_t::number_float: return "a number (" + value.dump() + ")";
    case Json::value_t::string: return "a string (" + value.dump() + ")";
    case Json::value_t::array: return "a list";
    case Json::value_t::object: return "a section";
    default: return "an unsupported value";
  }
}

void Reader::finish() const {
  if (!node_.is_object()) return;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (seen_.count(it.key())) continue;
    std::vector<std::string> valid(seen_.begin(), seen_.end());
    const std::string path = prefix_ + it.key();
    std::string hint = closest_match(it.key(), valid);
    std::string section = prefix_.empty() ? "the top level" : "'" + prefix_.substr(0, prefix_.size() - 1) + "'";
    throw Error("unknown key", doc_.where(path) + ": " + path,
                (hint.empty() ? "" : "did you mean '" + prefix_ + hint + "'? ") + "valid keys in " +
                    section + ": " + join(valid, ", "));
  }
}

// ---- from_json ---------------------------------------------------------------------------------

template <>
bool from_json<bool>(const Json& v, const std::string& where) {
  if (!v.is_boolean()) throw Error("expected true or false, got " + Reader::describe_json(v), where);
  return v.get<bool>();
}

template <class Int>
static Int integer_from_json(const Json& v, const std::string& where) {
  double d;
  if (v.is_number_integer() || v.is_number_unsigned()) {
    if (v.is_number_unsigned()) {
      auto u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<Int>::max()))
        throw Error("integer " + v.dump() + " is too large", where);
      return static_cast<Int>(u);
    }
    auto i = v.get<int64_t>();
    if (i < static_cast<int64_t>(std::numeric_limits<Int>::min()) ||
        i > static_cast<int64_t>(std::numeric_limits<Int>::max()))
      throw Error("integer " + v.dump() + " is out of range", where);
    return static_cast<Int>(i);
  }
  // 1e3 is a fine way to write 1000 steps; 1.5 is not an integer.
  if (v.is_number_float() && std::isfinite(d = v.get<double>()) && std::floor(d) == d &&
      std::fabs(d) < 9e15) {
    return integer_from_json<Int>(Json(static_cast<int64_t>(d)), where);
  }
  throw Error("expected an integer, got " + Reader::describe_json(v), where);
}

template <>
int from_json<int>(const Json& v, const std::string& where) {
  return integer_from_json<int>(v, where);
}
template <>
int64_t from_json<int64_t>(const Json& v, const std::string& where) {
  return integer_from_json<int64_t>(v, where);
}

template <>
double from_json<double>(const Json& v, const std::string& where) {
  if (!v.is_number()) throw Error("expected a number, got " + Reader::describe_json(v), where);
  return v.get<double>();
}
template <>
float from_json<float>(const Json& v, const std::string& where) {
  return static_cast<float>(from_json<double>(v, where));
}

template <>
std::string from_json<std::string>(const Json& v, const std::string& where) {
  if (!v.is_string()) throw Error("expected a string, got " + Reader::describe_json(v), where);
  return v.get<std::string>();
}

template <class T>
static std::vector<T> list_from_json(const Json& v, const std::string& where) {
  if (!v.is_array()) throw Error("expected a list, got " + Reader::describe_json(v), where);
  std::vector<T> out;
  for (size_t i = 0; i < v.size(); ++i)
    out.push_back(from_json<T>(v[i], where + "[" + std::to_string(i) + "]"));
  return out;
}

template <>
std::vector<int> from_json<std::vector<int>>(const Json& v, const std::string& where) {
  return list_from_json<int>(v, where);
}
template <>
std::vector<int64_t> from_json<std::vector<int64_t>>(const Json& v, const std::string& where) {
  return list_from_json<int64_t>(v, where);
}
template <>
std::vector<double> from_json<std::vector<double>>(const Json& v, const std::string& where) {
  return list_from_json<double>(v, where);
}
template <>
std::vector<std::string> from_json<std::vector<std::string>>(const Json& v,
                                                             const std::string& where) {
  return list_from_json<std::string>(v, where);
}

}  // namespace nc::config
