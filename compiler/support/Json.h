// JSON text for the objects einjit prints (`explain --json`, `bench --json`, `target --json`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace einjit::support {

/// `text` as a JSON string literal, quotes and escapes included.
std::string jsonString(const std::string& text);
/// [2, 3, 4].
std::string jsonInts(const std::vector<std::int64_t>& values);
/// ["a", "b"].
std::string jsonStrings(const std::vector<std::string>& values);

} // namespace einjit::support
