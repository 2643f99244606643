// A Python literal as written in a call (`axes=[[1], [0]]`, `transpose_b=True`, `None`), the
// value front ends receive for keyword arguments so that they can make the library's own type
// checks and print the value back as Python would.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace einjit::frontend {

struct PyValue {
  enum class Kind { None, Bool, Int, Float, String, List, Tuple, Ellipsis };

  Kind kind = Kind::None;
  bool boolean = false;
  std::int64_t integer = 0;
  double real = 0;
  std::string text;           ///< String
  std::vector<PyValue> items; ///< List, Tuple

  static PyValue none() { return {}; }
  static PyValue ellipsis();
  static PyValue fromBool(bool value);
  static PyValue fromInt(std::int64_t value);
  static PyValue fromFloat(double value);
  static PyValue fromString(std::string value);
  static PyValue list(std::vector<PyValue> items);
  static PyValue tuple(std::vector<PyValue> items);
  /// A list of ints, e.g. ints({1, 2}) is [1, 2].
  static PyValue ints(const std::vector<std::int64_t>& values);

  bool isNone() const { return kind == Kind::None; }
  /// An int (Python bools are ints too, but front ends that refuse bools check kind).
  bool isInt() const { return kind == Kind::Int; }
  bool isSequence() const { return kind == Kind::List || kind == Kind::Tuple; }
  /// True when this is a list or tuple whose items are all ints.
  bool isIntSequence() const;

  /// Python's repr: None, True, 3, 1e-07, 'ij', [1, 2], (1, 2), (1,), Ellipsis.
  std::string repr() const;
  bool operator==(const PyValue&) const = default;
};

} // namespace einjit::frontend
