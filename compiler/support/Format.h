// Small text helpers shared by printers and messages.
#pragma once

#include <string>
#include <vector>

namespace einjit::support {

/// The shortest decimal text that reads back to exactly `value` ("1e-07", "0.5", "3").
std::string shortestDouble(double value);
/// Items joined by `separator`.
std::string join(const std::vector<std::string>& items, const std::string& separator);

} // namespace einjit::support
