#include "ConformanceData.h"

#include "einjit/error.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace einjit::conformance {
namespace {

class LineReader {
public:
  LineReader(std::string fileName, std::istream& in) : fileName_(std::move(fileName)), in_(in) {}

  bool next(std::string& line) {
    while (std::getline(in_, line)) {
      ++number_;
      if (!line.empty() && line.back() == '\r')
        line.pop_back();
      if (!line.empty() && line[0] != '#')
        return true;
    }
    return false;
  }
  std::string where() const { return fileName_ + ":" + std::to_string(number_); }
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorKind::Io, "conformance data " + where() + ": " + what);
  }

private:
  std::string fileName_;
  std::istream& in_;
  int number_ = 0;
};

/// Splits "keyword rest of line" at the first space.
std::pair<std::string, std::string> splitKeyword(const std::string& line) {
  std::size_t space = line.find(' ');
  if (space == std::string::npos)
    return {line, ""};
  return {line.substr(0, space), line.substr(space + 1)};
}

double parseReal(const std::string& text, const LineReader& reader) {
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE)
    reader.fail("bad number '" + text + "'");
  return value;
}

Shape parseShape(const std::string& text, const LineReader& reader) {
  Shape shape;
  if (text == "scalar")
    return shape;
  std::stringstream pieces(text);
  std::string extent;
  while (std::getline(pieces, extent, 'x')) {
    double value = parseReal(extent, reader);
    if (value < 0 || value != static_cast<double>(static_cast<std::int64_t>(value)))
      reader.fail("bad extent '" + extent + "' in shape '" + text + "'");
    shape.push_back(static_cast<std::int64_t>(value));
  }
  if (shape.empty())
    reader.fail("empty shape");
  return shape;
}

/// "[name] dtype shape v0 v1 …", complex values as "re,im".
RecordedArray parseArray(const std::string& text, bool named, const LineReader& reader) {
  std::stringstream tokens(text);
  RecordedArray array;
  std::string dtypeText, shapeText;
  if (named && !(tokens >> array.name))
    reader.fail("missing operand name");
  if (!(tokens >> dtypeText >> shapeText))
    reader.fail("missing dtype or shape");
  std::optional<DType> dtype = parseDType(dtypeText);
  if (!dtype)
    reader.fail("unknown dtype '" + dtypeText + "'");
  array.dtype = *dtype;
  array.shape = parseShape(shapeText, reader);
  std::string value;
  while (tokens >> value) {
    std::size_t comma = value.find(',');
    if (comma == std::string::npos)
      array.values.emplace_back(parseReal(value, reader), 0.0);
    else
      array.values.emplace_back(parseReal(value.substr(0, comma), reader),
                                parseReal(value.substr(comma + 1), reader));
  }
  if (static_cast<std::int64_t>(array.values.size()) != elementCount(array.shape))
    reader.fail(std::to_string(array.values.size()) + " values for shape " + shapeText);
  return array;
}

/// The recorded values, or their absolute values when `magnitudes` is set.
Tensor fill(const RecordedArray& array, bool magnitudes) {
  Tensor tensor(array.dtype, array.shape);
  visitDType(array.dtype, [&](auto zero) {
    using T = decltype(zero);
    T* data = tensor.as<T>();
    for (std::size_t i = 0; i < array.values.size(); ++i) {
      std::complex<double> value = array.values[i];
      if (magnitudes)
        value = std::abs(value);
      if constexpr (std::is_arithmetic_v<T>)
        data[i] = static_cast<T>(value.real());
      else if constexpr (std::is_same_v<T, bfloat16> || std::is_same_v<T, float16>)
        data[i] = T(static_cast<float>(value.real()));
      else
        data[i] = T(static_cast<typename T::value_type>(value.real()),
                    static_cast<typename T::value_type>(value.imag()));
    }
  });
  return tensor;
}

} // namespace

std::vector<ConformanceCase> readConformanceFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in)
    throw Error(ErrorKind::Io, "cannot open conformance data " + path.string());
  LineReader reader(path.filename().string(), in);
  std::vector<ConformanceCase> cases;
  std::optional<ConformanceCase> current;
  std::string line;
  while (reader.next(line)) {
    auto [keyword, rest] = splitKeyword(line);
    if (keyword == "case") {
      if (current)
        reader.fail("case " + current->id + " lacks 'end'");
      current.emplace();
      current->id = rest;
      current->where = reader.where();
      continue;
    }
    if (!current)
      reader.fail("'" + keyword + "' outside a case");
    if (keyword == "library") {
      current->library = rest;
    } else if (keyword == "call") {
      current->call = rest;
    } else if (keyword == "input") {
      current->inputs.push_back(parseArray(rest, true, reader));
    } else if (keyword == "output") {
      current->output = parseArray(rest, false, reader);
    } else if (keyword == "error") {
      current->error = rest;
    } else if (keyword == "end") {
      if (current->call.empty() || (!current->output) == current->error.empty())
        reader.fail("case " + current->id + " needs a call and exactly one of output/error");
      cases.push_back(std::move(*current));
      current.reset();
    } else {
      reader.fail("unknown keyword '" + keyword + "'");
    }
  }
  if (current)
    reader.fail("case " + current->id + " lacks 'end'");
  return cases;
}

std::vector<ConformanceCase> readConformanceDirectory(const std::filesystem::path& directory) {
  auto problem = [](std::string id, std::string what) {
    ConformanceCase failed;
    failed.id = std::move(id);
    failed.loadProblem = std::move(what);
    return std::vector<ConformanceCase>{failed};
  };
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error))
    if (entry.path().extension() == ".txt")
      files.push_back(entry.path());
  if (error || files.empty())
    return problem("no_data", "no conformance data (*.txt) in " + directory.string());
  std::sort(files.begin(), files.end());
  std::vector<ConformanceCase> all;
  for (const auto& file : files) {
    try {
      std::vector<ConformanceCase> cases = readConformanceFile(file);
      all.insert(all.end(), cases.begin(), cases.end());
    } catch (const Error& failure) {
      std::string id = "unreadable_" + file.stem().string();
      std::vector<ConformanceCase> failed = problem(id, failure.what());
      all.insert(all.end(), failed.begin(), failed.end());
    }
  }
  return all;
}

std::vector<Deviation> readDeviations(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in)
    throw Error(ErrorKind::Io, "cannot open the deviations list " + path.string());
  LineReader reader(path.filename().string(), in);
  std::vector<Deviation> deviations;
  std::string line;
  while (reader.next(line)) {
    auto [id, rest] = splitKeyword(line);
    std::size_t start = rest.find_first_not_of(' ');
    if (start == std::string::npos)
      reader.fail("case " + id + " is listed without a reason");
    for (const Deviation& listed : deviations)
      if (listed.id == id)
        reader.fail("case " + id + " is listed twice (first at " + listed.where + ")");
    deviations.push_back({id, rest.substr(start), reader.where()});
  }
  return deviations;
}

Tensor tensorOf(const RecordedArray& array) {
  return fill(array, false);
}

Tensor magnitudeTensorOf(const RecordedArray& array) {
  return fill(array, true);
}

} // namespace einjit::conformance
