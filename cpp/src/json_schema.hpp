// A JSON Schema (draft 2020-12) validator for the keywords the published manifest schema uses:
// type, const, enum, required, properties, additionalProperties, minProperties, items, minItems,
// maxItems, minimum, exclusiveMinimum, minLength, pattern, $ref (local "#/..."), anyOf, oneOf, not,
// if/then/else and boolean schemas. A keyword outside that set is refused when the schema is loaded,
// so a newer schema cannot be half-checked silently.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace edgevfm::detail {

class JsonSchema {
 public:
  explicit JsonSchema(nlohmann::ordered_json schema);  // throws std::invalid_argument on unknown keywords
  // The first violation as "field.path: what is wrong" (field "" is the document), or "" when it conforms.
  std::string first_error(const nlohmann::ordered_json& doc) const;

 private:
  std::string check(const nlohmann::ordered_json& s, const nlohmann::ordered_json& v, const std::string& at) const;
  const nlohmann::ordered_json& resolve(const std::string& ref) const;
  nlohmann::ordered_json root_;
};

}  // namespace edgevfm::detail
