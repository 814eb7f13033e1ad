#include "json_schema.hpp"

#include <cmath>
#include <regex>
#include <set>
#include <stdexcept>

namespace edgevfm::detail {

using Json = nlohmann::ordered_json;

namespace {
const std::set<std::string> kKeywords = {
    "type", "const", "enum", "required", "properties", "additionalProperties", "minProperties", "items", "minItems",
    "maxItems", "minimum", "exclusiveMinimum", "minLength", "pattern", "$ref", "anyOf", "oneOf", "not", "if", "then",
    "else",
    // annotations: no effect on validation
    "$schema", "$id", "$defs", "title", "description", "default", "examples", "$comment"};

// Subschemas by keyword shape: one schema, a list of schemas, or a map name -> schema.
const std::set<std::string> kOne = {"additionalProperties", "items", "not", "if", "then", "else"};
const std::set<std::string> kList = {"anyOf", "oneOf"};
const std::set<std::string> kMap = {"properties", "$defs"};

void check_keywords(const Json& s, const std::string& at) {
  if (s.is_boolean()) return;
  if (!s.is_object()) throw std::invalid_argument("schema at " + at + " is neither an object nor a boolean");
  for (const auto& [k, v] : s.items()) {
    if (!kKeywords.count(k)) throw std::invalid_argument("schema keyword '" + k + "' at " + at + " is not supported");
    if (kOne.count(k)) check_keywords(v, at + "/" + k);
    if (kList.count(k)) {
      for (std::size_t i = 0; i < v.size(); ++i) check_keywords(v[i], at + "/" + k + "/" + std::to_string(i));
    }
    if (kMap.count(k)) {
      for (const auto& [name, sub] : v.items()) check_keywords(sub, at + "/" + k + "/" + name);
    }
  }
}

bool is_type(const Json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  if (t == "number") return v.is_number();
  if (t == "integer") {
    if (v.is_number_integer()) return true;
    return v.is_number_float() && std::trunc(v.get<double>()) == v.get<double>();
  }
  return false;
}

// An alternative of anyOf/oneOf that a constant property rules out ({"op": {"const": "resize"}} for
// {"op": "pad"}): its errors would only restate that, so the value's own alternative is reported.
bool ruled_out(const Json& alt, const Json& v) {
  if (!alt.is_object() || !v.is_object() || !alt.contains("properties")) return false;
  for (const auto& [k, p] : alt["properties"].items()) {
    if (p.is_object() && p.contains("const") && v.contains(k) && v[k] != p["const"]) return true;
  }
  return false;
}

std::string child(const std::string& at, const std::string& key) { return at.empty() ? key : at + "." + key; }
std::string where(const std::string& at) { return at.empty() ? "the manifest" : "field " + at; }
std::string shorten(const Json& v) {
  std::string s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}
}  // namespace

JsonSchema::JsonSchema(Json schema) : root_(std::move(schema)) { check_keywords(root_, "#"); }

const Json& JsonSchema::resolve(const std::string& ref) const {
  if (ref.rfind("#/", 0) != 0) throw std::invalid_argument("schema $ref '" + ref + "' is not local");
  return root_.at(Json::json_pointer(ref.substr(1)));
}

std::string JsonSchema::first_error(const Json& doc) const { return check(root_, doc, ""); }

std::string JsonSchema::check(const Json& s, const Json& v, const std::string& at) const {
  if (s.is_boolean()) return s.get<bool>() ? "" : where(at) + " is not allowed";
  if (s.contains("$ref")) {
    if (auto e = check(resolve(s["$ref"].get<std::string>()), v, at); !e.empty()) return e;
  }
  if (s.contains("type")) {
    const Json& t = s["type"];
    bool ok = false;
    for (const auto& one : t.is_array() ? t : Json::array({t})) ok = ok || is_type(v, one.get<std::string>());
    if (!ok) return where(at) + " has the wrong type (" + v.type_name() + "; the schema wants " + (t.is_array() ? t.dump() : t.get<std::string>()) + ")";
  }
  if (s.contains("const") && v != s["const"]) return where(at) + " must be " + s["const"].dump() + ", got " + shorten(v);
  if (s.contains("enum")) {
    bool found = false;
    for (const auto& e : s["enum"]) found = found || v == e;
    if (!found) return where(at) + " must be one of " + s["enum"].dump() + ", got " + shorten(v);
  }
  if (v.is_object()) {
    if (s.contains("required")) {
      for (const auto& r : s["required"]) {
        if (!v.contains(r.get<std::string>())) return "missing field " + child(at, r.get<std::string>());
      }
    }
    if (s.contains("minProperties") && v.size() < s["minProperties"].get<std::size_t>()) {
      return where(at) + " needs at least " + s["minProperties"].dump() + " entries";
    }
    const Json* props = s.contains("properties") ? &s["properties"] : nullptr;
    for (const auto& [k, sub] : v.items()) {
      if (props != nullptr && props->contains(k)) {
        if (auto e = check((*props)[k], sub, child(at, k)); !e.empty()) return e;
      } else if (s.contains("additionalProperties")) {
        if (auto e = check(s["additionalProperties"], sub, child(at, k)); !e.empty()) return e;
      }
    }
  }
  if (v.is_array()) {
    if (s.contains("minItems") && v.size() < s["minItems"].get<std::size_t>()) {
      return where(at) + " needs at least " + s["minItems"].dump() + " items, got " + std::to_string(v.size());
    }
    if (s.contains("maxItems") && v.size() > s["maxItems"].get<std::size_t>()) {
      return where(at) + " takes at most " + s["maxItems"].dump() + " items, got " + std::to_string(v.size());
    }
    if (s.contains("items")) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (auto e = check(s["items"], v[i], at + "[" + std::to_string(i) + "]"); !e.empty()) return e;
      }
    }
  }
  if (v.is_number()) {
    const double x = v.get<double>();
    if (s.contains("minimum") && x < s["minimum"].get<double>()) return where(at) + " must be >= " + s["minimum"].dump() + ", got " + v.dump();
    if (s.contains("exclusiveMinimum") && x <= s["exclusiveMinimum"].get<double>()) {
      return where(at) + " must be > " + s["exclusiveMinimum"].dump() + ", got " + v.dump();
    }
  }
  if (v.is_string()) {
    const auto& text = v.get_ref<const std::string&>();
    if (s.contains("minLength") && text.size() < s["minLength"].get<std::size_t>()) {
      return where(at) + " must have at least " + s["minLength"].dump() + " character(s)";
    }
    if (s.contains("pattern") && !std::regex_search(text, std::regex(s["pattern"].get<std::string>()))) {
      return where(at) + " = " + shorten(v) + " does not match " + s["pattern"].get<std::string>();
    }
  }
  for (const char* kw : {"anyOf", "oneOf"}) {
    if (!s.contains(kw)) continue;
    int matches = 0;
    std::string first;
    for (const auto& alt : s[kw]) {
      const auto e = check(alt, v, at);
      matches += e.empty() ? 1 : 0;
      if (first.empty() && !ruled_out(alt, v)) first = e;
    }
    if (matches == 0) return first.empty() ? where(at) + " = " + shorten(v) + " matches none of the schema's alternatives" : first;
    if (matches > 1 && std::string(kw) == "oneOf") return where(at) + " matches more than one of the schema's alternatives";
  }
  if (s.contains("not") && check(s["not"], v, at).empty()) return where(at) + " has a form the schema excludes";
  if (s.contains("if")) {
    const bool cond = check(s["if"], v, at).empty();
    const char* branch = cond ? "then" : "else";
    if (s.contains(branch)) {
      if (auto e = check(s[branch], v, at); !e.empty()) return e;
    }
  }
  return "";
}

}  // namespace edgevfm::detail
