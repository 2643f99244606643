// Reads the conformance data (tests/conformance/README.md): calls recorded from numpy, torch,
// TensorFlow, tf-keras and Keras 3 with their inputs and what the library returned or raised.
#pragma once

#include "einjit/tensor.h"

#include <complex>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace einjit::conformance {

/// An input or output array as recorded: C-order values, complex parts kept, ints exact.
struct RecordedArray {
  std::string name; ///< the operand identifier in the call; empty for the output
  DType dtype = DType::f64;
  Shape shape;
  std::vector<std::complex<double>> values;
};

/// One recorded call.
struct ConformanceCase {
  std::string id;      ///< "numpy_0042": library prefix and number, unique across files
  std::string where;   ///< "numpy.txt:123", the line of the `case` record
  std::string library; ///< library name and version
  std::string call;    ///< the call text as the einjit CLI reads it
  std::vector<RecordedArray> inputs; ///< in the order of the call's operands
  std::optional<RecordedArray> output;
  std::string error; ///< "ValueError: …" when the library refused the call
  /// Set instead of everything else when a data file could not be read, so that the problem
  /// shows up as a failing test rather than as a missing one.
  std::string loadProblem;
};

/// Prints the case id: GoogleTest shows a failing parameter with it instead of its bytes.
void PrintTo(const ConformanceCase& recorded, std::ostream* out);

/// Parses one data file. Throws Error(Io) naming the file and line of anything malformed.
std::vector<ConformanceCase> readConformanceFile(const std::filesystem::path& path);

/// Every `*.txt` file of `directory`, in name order. Never throws: a file that cannot be read
/// becomes one case carrying `loadProblem`, and so does an empty or missing directory.
std::vector<ConformanceCase> readConformanceDirectory(const std::filesystem::path& directory);

/// A recorded case that einjit deliberately refuses although the library computed it.
struct Deviation {
  std::string id;     ///< the case id
  std::string reason; ///< why einjit differs, one line
  std::string where;  ///< "deviations.txt:7"
};

/// Parses the deviations list: `CASE_ID  reason` per line, `#` comments. Throws Error(Io)
/// naming the line of an entry without a reason or of an id listed twice.
std::vector<Deviation> readDeviations(const std::filesystem::path& path);

/// A C-order tensor holding the recorded values.
Tensor tensorOf(const RecordedArray& array);
/// The same shape and dtype holding |value| of each element: the reference evaluated on these
/// bounds the rounding error of any order of summation.
Tensor magnitudeTensorOf(const RecordedArray& array);

} // namespace einjit::conformance
