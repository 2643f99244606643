// numpy's array printing, reimplemented from its documented behaviour: every element of one
// array is formatted with a common width (floats: the shortest digits that identify the value,
// at most 8 after the point, decimal points aligned; scientific notation when the magnitudes
// span more than 1e3 or leave [1e-4, 1e8)); rows wrap at 75 columns; nested axes are separated by
// newlines (blank lines between blocks of rank >= 3).
#include "ArrayPrinter.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <functional>

namespace einjit::cli {

namespace {

constexpr int kPrecision = 8;
constexpr std::size_t kLineWidth = 75;
constexpr std::int64_t kSummaryThreshold = 1000;
constexpr std::int64_t kEdgeItems = 3;

// The elements of a view, in C order, widened to one of three kinds.
struct Values {
  enum class Kind { Int, Real, Complex } kind = Kind::Real;
  /// The precision "shortest digits" are counted at: f64, f32 (also for c64), bf16 or f16.
  DType digits = DType::f64;
  std::vector<std::int64_t> ints;
  std::vector<double> reals;
  std::vector<double> imags;
};

template <class T>
void appendValue(Values& values, const T& value) {
  if constexpr (std::is_integral_v<T>) {
    values.ints.push_back(value);
  } else if constexpr (std::is_floating_point_v<T>) {
    values.reals.push_back(static_cast<double>(value));
  } else if constexpr (std::is_same_v<T, bfloat16> || std::is_same_v<T, float16>) {
    values.reals.push_back(static_cast<double>(static_cast<float>(value)));
  } else {
    values.reals.push_back(static_cast<double>(value.real()));
    values.imags.push_back(static_cast<double>(value.imag()));
  }
}

Values readValues(const TensorView& view) {
  Values values;
  values.kind = isInteger(view.dtype())   ? Values::Kind::Int
                : isComplex(view.dtype()) ? Values::Kind::Complex
                                          : Values::Kind::Real;
  values.digits = view.dtype() == DType::c64    ? DType::f32
                  : view.dtype() == DType::c128 ? DType::f64
                                                : view.dtype();
  std::int64_t count = view.elements();
  const Shape& shape = view.shape();
  visitDType(view.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* base = static_cast<const T*>(view.data());
    std::vector<std::int64_t> index(shape.size(), 0);
    for (std::int64_t n = 0; n < count; ++n) {
      std::int64_t offset = 0;
      for (std::size_t d = 0; d < shape.size(); ++d)
        offset += index[d] * view.strides()[d];
      appendValue(values, base[offset]);
      for (std::size_t d = shape.size(); d-- > 0;) {
        if (++index[d] < shape[d])
          break;
        index[d] = 0;
      }
    }
  });
  return values;
}

// Whether `back` and `value` are the same number at precision `digits`.
bool samePrecisionValue(double back, double value, DType digits) {
  auto asFloat = [](double v) { return static_cast<float>(v); };
  switch (digits) {
  case DType::f32:
    return asFloat(back) == asFloat(value);
  case DType::bf16:
    return bfloat16(asFloat(back)).bits == bfloat16(asFloat(value)).bits;
  case DType::f16:
    return float16(asFloat(back)).bits == float16(asFloat(value)).bits;
  default:
    return back == value;
  }
}

// The shortest scientific text ("1.5e-05") that reads back to `value` at its precision.
std::string shortestScientific(double value, DType digits) {
  char buffer[48];
  for (int places = 0; places <= 17; ++places) {
    std::snprintf(buffer, sizeof buffer, "%.*e", places, value);
    double back = std::strtod(buffer, nullptr);
    if (samePrecisionValue(back, value, digits))
      break;
  }
  return buffer;
}

// Digits after the point in the shortest scientific mantissa, and its decimal exponent.
void shortestShape(double value, DType digits, int& mantissaFraction, int& exponent) {
  std::string text = shortestScientific(value, digits);
  std::size_t e = text.find('e');
  std::size_t point = text.find('.');
  mantissaFraction = point == std::string::npos || point > e ? 0 : static_cast<int>(e - point - 1);
  exponent = std::atoi(text.c_str() + e + 1);
}

std::string printfFixed(double value, int fraction) {
  char buffer[400];
  std::snprintf(buffer, sizeof buffer, "%.*f", fraction, value);
  return buffer;
}

// Formats the finite floats of one array (or the real or imaginary parts of a complex array)
// with a common layout, as numpy's FloatingFormat in its default 'maxprec' mode.
class FloatFormat {
public:
  FloatFormat(const std::vector<double>& values, DType digits, bool forceSign)
      : digits_(digits), forceSign_(forceSign) {
    std::vector<double> finite;
    for (double v : values)
      if (std::isfinite(v))
        finite.push_back(v);
    double maxAbs = 0, minAbs = 0;
    bool anyNonZero = false;
    for (double v : finite)
      if (v != 0) {
        maxAbs = anyNonZero ? std::max(maxAbs, std::fabs(v)) : std::fabs(v);
        minAbs = anyNonZero ? std::min(minAbs, std::fabs(v)) : std::fabs(v);
        anyNonZero = true;
      }
    scientific_ = anyNonZero && (maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs / minAbs > 1e3);
    if (scientific_) {
      for (double v : finite) {
        int fraction = 0, exponent = 0;
        shortestShape(v, digits_, fraction, exponent);
        precision_ = std::max(precision_, std::min(fraction, kPrecision));
      }
    }
    bool hasNonFinite = finite.size() != values.size();
    for (double v : finite) {
      auto [integer, rest] = split(v);
      padLeft_ = std::max(padLeft_, integer.size());
      padRight_ = std::max(padRight_, rest.size());
    }
    if (hasNonFinite) {
      bool negativeInf = forceSign_ || std::any_of(values.begin(), values.end(),
                                                   [](double v) { return std::isinf(v) && v < 0; });
      std::size_t offset = padRight_; // the fraction and its point
      std::size_t longest = std::max<std::size_t>(3, 3 + (negativeInf ? 1 : 0));
      if (longest > offset)
        padLeft_ = std::max(padLeft_, longest - offset);
    }
  }

  std::string operator()(double value) const {
    if (!std::isfinite(value)) {
      std::string text = std::isnan(value) ? "nan" : (value < 0 ? "-inf" : "inf");
      if (forceSign_ && text[0] != '-')
        text = "+" + text;
      std::size_t width = padLeft_ + padRight_;
      return std::string(width > text.size() ? width - text.size() : 0, ' ') + text;
    }
    auto [integer, rest] = split(value);
    return std::string(padLeft_ - integer.size(), ' ') + integer + rest +
           std::string(padRight_ - rest.size(), ' ');
  }

private:
  // The text of a value cut into the part before the point and the rest (point included).
  std::pair<std::string, std::string> split(double value) const {
    std::string text = scientific_ ? scientificText(value) : positionalText(value);
    if (forceSign_ && text[0] != '-')
      text = "+" + text;
    std::size_t point = text.find('.');
    return {text.substr(0, point), text.substr(point)};
  }

  std::string positionalText(double value) const {
    int fraction = 0, exponent = 0;
    shortestShape(value, digits_, fraction, exponent);
    int needed = std::clamp(fraction - exponent, 0, kPrecision);
    std::string text = printfFixed(value, needed);
    if (text.find('.') == std::string::npos)
      return text + ".";
    while (text.back() == '0')
      text.pop_back();
    return text;
  }

  std::string scientificText(double value) const {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*e", precision_, value);
    std::string text = buffer;
    if (precision_ == 0)
      text.insert(text.find('e'), ".");
    return text;
  }

  DType digits_;
  bool forceSign_;
  bool scientific_ = false;
  int precision_ = 0;
  std::size_t padLeft_ = 0;
  std::size_t padRight_ = 0;
};

// Python's repr of a float, as numpy prints a 0-d array of floats.
std::string scalarFloat(double value, DType digits) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value < 0 ? "-inf" : "inf";
  int fraction = 0, exponent = 0;
  shortestShape(value, digits, fraction, exponent);
  if (value == 0 || (std::fabs(value) >= 1e-4 && std::fabs(value) < 1e16)) {
    std::string text = printfFixed(value, std::max(fraction - exponent, 0));
    return text.find('.') == std::string::npos ? text + ".0" : text;
  }
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*e", fraction, value);
  return buffer;
}

std::string scalarComplex(double real, double imag, DType digits) {
  auto part = [&](double v) {
    std::string text = scalarFloat(v, digits);
    if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0)
      text.resize(text.size() - 2);
    return text;
  };
  std::string imaginary = part(imag);
  if (real == 0 && !std::signbit(real))
    return imaginary + "j";
  if (imaginary[0] != '-')
    imaginary = "+" + imaginary;
  return "(" + part(real) + imaginary + "j)";
}

// Whether the element at a C-order flat index is shown when the array is summarised.
bool isDisplayed(std::int64_t flat, const Shape& shape, bool summarise) {
  if (!summarise)
    return true;
  for (std::size_t d = shape.size(); d-- > 0;) {
    std::int64_t i = flat % shape[d];
    flat /= shape[d];
    if (shape[d] > 2 * kEdgeItems && i >= kEdgeItems && i < shape[d] - kEdgeItems)
      return false;
  }
  return true;
}

class ArrayFormatter {
public:
  ArrayFormatter(const Values& values, const Shape& shape)
      : values_(values), shape_(shape), strides_(rowMajorStrides(shape)) {
    summarise_ = elementCount(shape) > kSummaryThreshold;
    std::vector<double> reals, imags;
    std::int64_t count = elementCount(shape);
    for (std::int64_t i = 0; i < count; ++i) {
      if (!isDisplayed(i, shape, summarise_))
        continue;
      if (values.kind == Values::Kind::Int) {
        intWidth_ = std::max(intWidth_, std::to_string(values.ints[i]).size());
      } else {
        reals.push_back(values.reals[i]);
        if (values.kind == Values::Kind::Complex)
          imags.push_back(values.imags[i]);
      }
    }
    realFormat_.emplace(reals, values.digits, false);
    imagFormat_.emplace(imags, values.digits, true);
  }

  std::string format() const { return recurse(0, 0, " ", kLineWidth); }

private:
  std::string element(std::int64_t flat) const {
    if (values_.kind == Values::Kind::Int) {
      std::string text = std::to_string(values_.ints[flat]);
      return std::string(intWidth_ - text.size(), ' ') + text;
    }
    std::string real = (*realFormat_)(values_.reals[flat]);
    if (values_.kind == Values::Kind::Real)
      return real;
    std::string imag = (*imagFormat_)(values_.imags[flat]);
    std::size_t used = imag.find_last_not_of(' ') + 1;
    return real + imag.substr(0, used) + "j" + std::string(imag.size() - used, ' ');
  }

  static void extendLine(std::string& text, std::string& line, const std::string& word,
                         std::size_t width, const std::string& prefix) {
    bool wrap = line.size() + word.size() > width && line.size() > prefix.size();
    if (wrap) {
      text += line.substr(0, line.find_last_not_of(' ') + 1) + "\n";
      line = prefix;
    }
    line += word;
  }

  // numpy's _formatArray: `indent` is the hanging indent, `width` the room left on a line.
  std::string recurse(std::size_t axis, std::int64_t offset, const std::string& indent,
                      std::size_t width) const {
    std::int64_t length = shape_[axis];
    bool summary = summarise_ && length > 2 * kEdgeItems;
    std::vector<std::int64_t> shown;
    for (std::int64_t i = 0; i < length; ++i)
      if (!summary || i < kEdgeItems || i >= length - kEdgeItems)
        shown.push_back(i);
    std::string nextIndent = indent + " ";
    std::size_t nextWidth = width - 1;
    std::string text;
    std::size_t axesLeft = shape_.size() - axis;
    if (axesLeft == 1) {
      std::size_t elementWidth = width - 1;
      std::string line = indent;
      for (std::size_t n = 0; n < shown.size(); ++n) {
        if (summary && n == static_cast<std::size_t>(kEdgeItems)) {
          extendLine(text, line, "...", elementWidth, indent);
          line += " ";
        }
        extendLine(text, line, element(offset + shown[n] * strides_[axis]), elementWidth, indent);
        if (n + 1 < shown.size())
          line += " ";
      }
      text += line;
    } else {
      std::string separator(axesLeft - 1, '\n');
      for (std::size_t n = 0; n < shown.size(); ++n) {
        if (summary && n == static_cast<std::size_t>(kEdgeItems))
          text += indent + "..." + separator;
        text +=
            indent + recurse(axis + 1, offset + shown[n] * strides_[axis], nextIndent, nextWidth);
        if (n + 1 < shown.size())
          text += separator;
      }
    }
    return "[" + text.substr(indent.size()) + "]";
  }

  const Values& values_;
  const Shape& shape_;
  Strides strides_;
  bool summarise_ = false;
  std::size_t intWidth_ = 0;
  std::optional<FloatFormat> realFormat_;
  std::optional<FloatFormat> imagFormat_;
};

} // namespace

std::string formatLikeNumpy(const TensorView& view) {
  Values values = readValues(view);
  if (view.rank() == 0) {
    switch (values.kind) {
    case Values::Kind::Int:
      return std::to_string(values.ints.at(0));
    case Values::Kind::Real:
      return scalarFloat(values.reals.at(0), values.digits);
    case Values::Kind::Complex:
      return scalarComplex(values.reals.at(0), values.imags.at(0), values.digits);
    }
  }
  if (view.elements() == 0)
    return "[]";
  return ArrayFormatter(values, view.shape()).format();
}

} // namespace einjit::cli
