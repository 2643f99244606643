#include "support/Json.h"

#include "support/Format.h"

#include <cstdio>

namespace einjit::support {

std::string jsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned char>(c));
        out += buffer;
      } else {
        out += c;
      }
    }
  }
  return out + "\"";
}

std::string jsonInts(const std::vector<std::int64_t>& values) {
  std::vector<std::string> parts;
  for (std::int64_t v : values)
    parts.push_back(std::to_string(v));
  return "[" + join(parts, ", ") + "]";
}

std::string jsonStrings(const std::vector<std::string>& values) {
  std::vector<std::string> parts;
  for (const std::string& v : values)
    parts.push_back(jsonString(v));
  return "[" + join(parts, ", ") + "]";
}

} // namespace einjit::support
