// Private helpers for reading manifest JSON with field-path error messages.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "edgevfm/errors.hpp"

namespace edgevfm::detail {

using Json = nlohmann::ordered_json;

inline const Json& field(const Json& obj, const std::string& key, const std::string& where) {
  if (!obj.is_object()) throw BundleError("manifest field " + where + " must be an object");
  auto it = obj.find(key);
  if (it == obj.end()) throw BundleError("manifest is missing field " + (where.empty() ? key : where + "." + key));
  return *it;
}

template <typename T>
T get(const Json& obj, const std::string& key, const std::string& where) {
  const Json& v = field(obj, key, where);
  try {
    return v.get<T>();
  } catch (const nlohmann::json::exception&) {
    throw BundleError("manifest field " + (where.empty() ? key : where + "." + key) + " has the wrong type (" +
                      std::string(v.type_name()) + ")");
  }
}

template <typename T>
T get_or(const Json& obj, const std::string& key, const std::string& where, T fallback) {
  if (!obj.is_object() || !obj.contains(key)) return fallback;
  return get<T>(obj, key, where);
}

}  // namespace edgevfm::detail
