// .npy files: round trips for every dtype, numpy's exact header layout, the header variants other
// writers produce, Fortran order, and one test per kind of bad file.
#include "einjit/npy.h"

#include "TestSupport.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sys/stat.h>
#include <thread>

namespace einjit {
namespace {

using test::arange;
using test::expectError;
using test::tensorOf;
using test::valuesOf;

/// A .npy image from a header dict and raw data, as another writer might produce it.
std::string npyImage(const std::string& dict, const std::string& data, int major = 1) {
  std::string header = dict + "\n";
  std::string image = "\x93NUMPY";
  image += static_cast<char>(major);
  image += '\0';
  std::size_t length = header.size();
  for (int i = 0; i < (major == 1 ? 2 : 4); ++i)
    image += static_cast<char>((length >> (8 * i)) & 0xff);
  return image + header + data;
}

template <class T>
std::string bytesOf(const std::vector<T>& values) {
  std::string bytes(values.size() * sizeof(T), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

std::string temporaryPath(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) / ("einjit_npy_test_" + name)).string();
}

TEST(Npy, RoundTripsEveryDTypeThroughMemoryAndFiles) {
  for (DType dtype : {DType::f32, DType::f64, DType::i32, DType::i64, DType::c64, DType::c128,
                      DType::bf16, DType::f16}) {
    SCOPED_TRACE(dtypeName(dtype));
    Tensor tensor = arange(dtype, {2, 3, 4}, -5);
    if (isComplex(dtype))
      visitDType(dtype, [&](auto zero) {
        using T = decltype(zero);
        if constexpr (requires { typename T::value_type; })
          tensor.as<T>()[7] = T(1.5, -2.25);
      });
    Tensor parsed = parseNpy(formatNpy(tensor.view()), "memory");
    EXPECT_EQ(parsed.dtype(), dtype);
    EXPECT_EQ(parsed.shape(), tensor.shape());
    EXPECT_EQ(parsed.order(), Tensor::Order::C);
    EXPECT_EQ(valuesOf(parsed.view()), valuesOf(tensor.view()));

    std::string path = temporaryPath(std::string(dtypeName(dtype)) + ".npy");
    writeNpy(path, tensor.view());
    Tensor read = readNpy(path);
    EXPECT_EQ(read.dtype(), dtype);
    EXPECT_EQ(valuesOf(read.view()), valuesOf(tensor.view()));
    std::filesystem::remove(path);
  }
}

// f16 is numpy's float16; bf16 is what np.save writes for an ml_dtypes.bfloat16 array (numpy has
// no bfloat16: two opaque bytes, '<V2'), so numpy users read and write the same files.
TEST(Npy, HalfPrecisionUsesNumpysAndMlDtypesDescriptors) {
  Tensor half = tensorOf(DType::f16, {2}, {1.0, -2.5});
  Tensor brain = tensorOf(DType::bf16, {2}, {1.0, -2.5});
  EXPECT_NE(formatNpy(half.view()).find("{'descr': '<f2', "), std::string::npos);
  EXPECT_NE(formatNpy(brain.view()).find("{'descr': '<V2', "), std::string::npos);
  // The bytes are the values' IEEE binary16 and bfloat16 encodings, little-endian.
  std::string halfImage = formatNpy(half.view());
  EXPECT_EQ(halfImage.substr(halfImage.size() - 4), std::string("\x00\x3c\x00\xc1", 4));
  std::string brainImage = formatNpy(brain.view());
  EXPECT_EQ(brainImage.substr(brainImage.size() - 4), std::string("\x80\x3f\x20\xc0", 4));
  // np.save(f, a.view('V2')) writes '|V2': also bf16.
  std::string image = npyImage("{'descr': '|V2', 'fortran_order': False, 'shape': (2,), }",
                               std::string("\x80\x3f\x20\xc0", 4));
  Tensor read = parseNpy(image, "memory");
  EXPECT_EQ(read.dtype(), DType::bf16);
  EXPECT_EQ(valuesOf(read.view()), valuesOf(brain.view()));
  expectError(
      [] {
        parseNpy(npyImage("{'descr': '<u2', 'fortran_order': False, 'shape': (1,), }",
                          std::string(2, '\0')),
                 "memory");
      },
      ErrorKind::Io, {"unsupported dtype '<u2'", "<f2, and <V2 as bfloat16"});
}

TEST(Npy, WritesNumpysVersion1HeaderPaddedTo64Bytes) {
  Tensor tensor = arange(DType::f32, {2, 3});
  std::string image = formatNpy(tensor.view());
  ASSERT_GE(image.size(), 10u);
  EXPECT_EQ(image.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  std::size_t headerLength = static_cast<unsigned char>(image[8]) |
                             (static_cast<std::size_t>(static_cast<unsigned char>(image[9])) << 8);
  EXPECT_EQ((10 + headerLength) % 64, 0u);
  std::string header = image.substr(10, headerLength);
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  EXPECT_EQ(header.substr(0, dict.size()), dict);
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(header.find_first_not_of(' ', dict.size()), header.size() - 1);
  EXPECT_EQ(image.size(), 10 + headerLength + 6 * sizeof(float));
  EXPECT_EQ(image.substr(10 + headerLength), bytesOf(std::vector<float>{0, 1, 2, 3, 4, 5}));
}

TEST(Npy, ScalarAndEmptyShapes) {
  Tensor scalar = test::tensorOf(DType::f64, {}, {2.5});
  std::string image = formatNpy(scalar.view());
  EXPECT_NE(image.find("'shape': (), }"), std::string::npos);
  Tensor parsedScalar = parseNpy(image, "scalar");
  EXPECT_EQ(parsedScalar.shape(), Shape{});
  EXPECT_EQ(parsedScalar.as<double>()[0], 2.5);

  Tensor empty(DType::i64, {0, 3});
  Tensor parsedEmpty = parseNpy(formatNpy(empty.view()), "empty");
  EXPECT_EQ(parsedEmpty.shape(), (Shape{0, 3}));
  EXPECT_EQ(parsedEmpty.elements(), 0);
  EXPECT_NE(formatNpy(Tensor(DType::f32, {3}).view()).find("'shape': (3,), }"), std::string::npos);
}

TEST(Npy, WritesStridedViewsInCOrder) {
  Tensor base = arange(DType::i32, {2, 3});
  TensorView transposed(base.data(), DType::i32, {3, 2}, {1, 3});
  Tensor parsed = parseNpy(formatNpy(transposed), "transposed");
  EXPECT_EQ(parsed.shape(), (Shape{3, 2}));
  EXPECT_EQ(test::realValuesOf(parsed.view()), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  std::vector<std::int32_t> raw(6);
  std::memcpy(raw.data(), parsed.data(), sizeof(std::int32_t) * 6);
  EXPECT_EQ(raw, (std::vector<std::int32_t>{0, 3, 1, 4, 2, 5}));
}

TEST(Npy, ReadsFortranOrderKeepingTheLayout) {
  // Memory 0..5 in Fortran order of (2, 3): logical [[0, 2, 4], [1, 3, 5]].
  std::string image = npyImage("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
                               bytesOf(std::vector<double>{0, 1, 2, 3, 4, 5}));
  Tensor tensor = parseNpy(image, "fortran.npy");
  EXPECT_EQ(tensor.order(), Tensor::Order::F);
  EXPECT_EQ(tensor.strides(), (Strides{1, 2}));
  EXPECT_EQ(test::realValuesOf(tensor.view()), (std::vector<double>{0, 2, 4, 1, 3, 5}));
  // Written back, it is C order with the same logical values.
  Tensor again = parseNpy(formatNpy(tensor.view()), "again");
  EXPECT_EQ(again.order(), Tensor::Order::C);
  EXPECT_EQ(test::realValuesOf(again.view()), (std::vector<double>{0, 2, 4, 1, 3, 5}));
}

TEST(Npy, ToleratesHeaderVariants) {
  std::string data = bytesOf(std::vector<std::int64_t>{7, -8});
  for (const std::string& dict :
       {std::string("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }"),
        std::string("{\"descr\": \"<i8\", \"fortran_order\": False, \"shape\": (2,)}"),
        std::string("{ 'shape' : ( 2 , ) , 'fortran_order' : False , 'descr' : '=i8' }   "),
        std::string("{'descr':'|i8','fortran_order':False,'shape':(2L,),}")}) {
    SCOPED_TRACE(dict);
    for (int major : {1, 2, 3}) {
      Tensor tensor = parseNpy(npyImage(dict, data, major), "variant.npy");
      EXPECT_EQ(tensor.dtype(), DType::i64);
      EXPECT_EQ(tensor.shape(), (Shape{2}));
      EXPECT_EQ(test::realValuesOf(tensor.view()), (std::vector<double>{7, -8}));
    }
  }
}

TEST(Npy, MissingFile) {
  std::string path = temporaryPath("does_not_exist.npy");
  expectError([&] { readNpy(path); }, ErrorKind::Io, {"readNpy", path, "cannot open"});
}

TEST(Npy, DirectoryInsteadOfFile) {
  std::string path = ::testing::TempDir();
  expectError([&] { readNpy(path); }, ErrorKind::Io, {"readNpy", path, "cannot"});
}

TEST(Npy, UnwritablePath) {
  std::string path = temporaryPath("no_such_dir/out.npy");
  Tensor tensor = arange(DType::f32, {2});
  expectError([&] { writeNpy(path, tensor.view()); }, ErrorKind::Io,
              {"writeNpy", path, "cannot open for writing"});
}

TEST(Npy, BadMagic) {
  expectError([] { parseNpy("PK\x03\x04 this is a zip file", "x.npy"); }, ErrorKind::Io,
              {"parseNpy: x.npy:", "bad magic"});
  expectError([] { parseNpy("", "empty.npy"); }, ErrorKind::Io, {"empty.npy", "bad magic"});
}

TEST(Npy, UnsupportedVersion) {
  std::string image = npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                               bytesOf(std::vector<float>{1}));
  image[6] = 4;
  expectError([&] { parseNpy(image, "v4.npy"); }, ErrorKind::Io, {"v4.npy", "version 4.0"});
}

TEST(Npy, TruncatedHeaderLength) {
  expectError([] { parseNpy(std::string("\x93NUMPY\x02\x00\x10", 9), "short.npy"); }, ErrorKind::Io,
              {"short.npy", "truncated header", "expected 12 bytes, found 9"});
}

TEST(Npy, TruncatedHeader) {
  std::string image = npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", "");
  image.resize(30);
  expectError([&] { parseNpy(image, "cut.npy"); }, ErrorKind::Io,
              {"cut.npy", "truncated header", "found 20"});
}

TEST(Npy, TruncatedData) {
  std::string image = npyImage("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                               bytesOf(std::vector<double>{1}));
  expectError([&] { parseNpy(image, "cut.npy"); }, ErrorKind::Io,
              {"cut.npy", "truncated data", "needs 24 bytes, found 8"});
}

TEST(Npy, HugeShapeWithLittleDataIsTruncatedNotAllocated) {
  std::string image =
      npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1024), }",
               bytesOf(std::vector<float>{1, 2}));
  expectError([&] { parseNpy(image, "huge.npy"); }, ErrorKind::Io,
              {"huge.npy", "truncated data", "needs 4503599627370496 bytes, found 8"});
}

TEST(Npy, OverflowingShape) {
  std::string image =
      npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 8), }", "");
  expectError([&] { parseNpy(image, "overflow.npy"); }, ErrorKind::Io,
              {"overflow.npy", "too large"});
  std::string digits =
      npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", "");
  expectError([&] { parseNpy(digits, "digits.npy"); }, ErrorKind::Io,
              {"digits.npy", "extent too large"});
}

TEST(Npy, NegativeShape) {
  std::string image = npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2), }", "");
  expectError([&] { parseNpy(image, "negative.npy"); }, ErrorKind::Io,
              {"negative.npy", "negative extent"});
}

TEST(Npy, BigEndian) {
  std::string image =
      npyImage("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", std::string(4, '\0'));
  expectError([&] { parseNpy(image, "big.npy"); }, ErrorKind::Io,
              {"big.npy", "'>f4'", "big-endian"});
}

TEST(Npy, UnsupportedDType) {
  std::string image =
      npyImage("{'descr': '<V4', 'fortran_order': False, 'shape': (1,), }", std::string(4, '\0'));
  expectError([&] { parseNpy(image, "void.npy"); }, ErrorKind::Io,
              {"void.npy", "unsupported dtype '<V4'"});
}

TEST(Npy, ObjectArray) {
  std::string image =
      npyImage("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0'));
  expectError([&] { parseNpy(image, "objects.npy"); }, ErrorKind::Io,
              {"objects.npy", "'|O'", "object arrays"});
}

TEST(Npy, StructuredDType) {
  std::string image =
      npyImage("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }",
               std::string(8, '\0'));
  expectError([&] { parseNpy(image, "record.npy"); }, ErrorKind::Io, {"record.npy", "structured"});
}

TEST(Npy, MissingAndUnexpectedKeys) {
  expectError([] { parseNpy(npyImage("{'descr': '<f4', 'shape': (1,), }", ""), "m.npy"); },
              ErrorKind::Io, {"m.npy", "missing key 'fortran_order'"});
  expectError(
      [] {
        parseNpy(npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 'y'}",
                          std::string(4, '\0')),
                 "u.npy");
      },
      ErrorKind::Io, {"u.npy", "unexpected key 'x'"});
  expectError(
      [] {
        parseNpy(npyImage("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", ""), "t.npy");
      },
      ErrorKind::Io, {"t.npy", "'fortran_order'"});
  expectError(
      [] {
        parseNpy(npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': 'x'}", ""), "s.npy");
      },
      ErrorKind::Io, {"s.npy", "'shape' must be a tuple"});
  expectError(
      [] {
        parseNpy(
            npyImage("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': ()}", ""),
            "d.npy");
      },
      ErrorKind::Io, {"d.npy", "'descr' appears twice"});
}

TEST(Npy, MalformedHeaderDict) {
  for (const std::string& dict :
       {std::string("{'descr': '<f4', 'fortran_order': False"), std::string("['descr', '<f4']"),
        std::string("{'descr: '<f4', 'fortran_order': False, 'shape': ()}"),
        std::string("{'descr': '<f4', 'fortran_order': False, "
                    "'shape': (1, 2}"),
        std::string("{'descr': '<f4'} trailing")}) {
    SCOPED_TRACE(dict);
    expectError([&] { parseNpy(npyImage(dict, std::string(16, '\0')), "bad.npy"); }, ErrorKind::Io,
                {"bad.npy", "bad header"});
  }
}

TEST(Npy, EveryTruncationIsAnIoError) {
  std::string image = formatNpy(arange(DType::c64, {2, 3}).view());
  for (std::size_t length = 0; length < image.size(); ++length)
    expectError([&] { parseNpy(image.substr(0, length), "cut.npy"); }, ErrorKind::Io,
                {"parseNpy: cut.npy: "});
}

TEST(Npy, CorruptedHeadersFailCleanly) {
  std::string image = formatNpy(arange(DType::f32, {3, 4}).view());
  const std::string alphabet = "{}()[],:'\" 0123456789-L<>|=fic\x93TrueFalse\n";
  std::mt19937 random(99);
  int parsed = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string corrupt = image;
    for (int flips = std::uniform_int_distribution(1, 3)(random); flips > 0; --flips) {
      std::size_t at = std::uniform_int_distribution<std::size_t>(0, 80)(random);
      corrupt[at] =
          alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(random)];
    }
    try {
      Tensor tensor = parseNpy(corrupt, "corrupt.npy");
      EXPECT_LE(static_cast<std::size_t>(tensor.byteSize()), corrupt.size());
      ++parsed;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::Io) << error.what();
    }
  }
  // Flips in the padding or the data leave a readable file.
  EXPECT_GT(parsed, 0);
}

// ---- hostile headers (docs/LIMITS.md): refused before anything of the declared size exists ----

/// Writes `image` to a file of the test's own and returns its path.
std::string writeFile(const std::string& name, const std::string& image) {
  std::string path = temporaryPath(name);
  std::ofstream(path, std::ios::binary)
      .write(image.data(), static_cast<std::streamsize>(image.size()));
  return path;
}

TEST(Npy, FileDeclaringTerabytesIsRefusedBeforeReading) {
  // 2^40 f8 elements (8 TiB) declared; the file holds 16 bytes of data.
  std::string path =
      writeFile("terabytes.npy",
                npyImage("{'descr': '<f8', 'fortran_order': False, 'shape': (1048576, 1048576), }",
                         std::string(16, '\0')));
  expectError([&] { readNpy(path); }, ErrorKind::Io,
              {"readNpy", path, "truncated data", "needs 8796093022208 bytes, found 16"});
  std::filesystem::remove(path);
}

TEST(Npy, SparseFileLargerThanMemoryIsAResourceError) {
  // A sparse file really as large as its header says (ftruncate allocates no disk blocks): the
  // data is there, but more than this machine's memory; refused before any allocation.
  std::uint64_t elements = limits::memoryBytes() / 8 + 1024;
  std::string header = npyImage("{'descr': '<f8', 'fortran_order': False, 'shape': (" +
                                    std::to_string(elements) + ",), }",
                                "");
  std::string path = writeFile("sparse.npy", header);
  std::error_code error;
  std::filesystem::resize_file(path, header.size() + elements * 8, error);
  if (error)
    GTEST_SKIP() << "no sparse file of " << elements * 8 << " bytes here: " << error.message();
  expectError([&] { readNpy(path); }, ErrorKind::Resource,
              {"readNpy", path, "the data needs " + std::to_string(elements * 8) + " bytes",
               "more than this machine's memory"});
  std::filesystem::remove(path);
}

TEST(Npy, HeaderLengthPastTheLimit) {
  // Version 2.0 declares a 4-byte header length: 0xffffffff bytes here, none of them present.
  std::string image("\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14);
  expectError([&] { parseNpy(image, "long.npy"); }, ErrorKind::Resource,
              {"parseNpy: long.npy:", "header declares 4294967295 bytes", "limit 1048576"});
  std::string path = writeFile("long.npy", image);
  expectError([&] { readNpy(path); }, ErrorKind::Resource, {"header declares 4294967295 bytes"});
  std::filesystem::remove(path);
}

TEST(Npy, RankPastTheLimit) {
  std::string shape;
  for (std::size_t d = 0; d <= limits::maxRank; ++d)
    shape += "1, ";
  std::string image = npyImage(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }", std::string(4, '\0'));
  expectError([&] { parseNpy(image, "deep.npy"); }, ErrorKind::Resource,
              {"deep.npy", "rank 65, more than the limit 64"});
}

TEST(Npy, LongHeaderIsQuotedInPart) {
  // A bad header of 100,000 characters: the message quotes 200 of them.
  std::string image = npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2" +
                                   std::string(100000, ' ') + "x), }",
                               "", 2);
  Error error = expectError([&] { parseNpy(image, "wide.npy"); }, ErrorKind::Io,
                            {"wide.npy", "bad header", "found 'x'", "(100061 characters)"});
  EXPECT_LT(std::string(error.what()).size(), 500u);
}

TEST(Npy, ReadsFromAPipeWithoutTrustingTheHeader) {
  // Not a regular file: the size is unknown, so the data is read (bounded by what arrives)
  // before the tensor is allocated.
  std::string image =
      npyImage("{'descr': '<f8', 'fortran_order': False, 'shape': (1048576, 1048576), }",
               bytesOf(std::vector<double>{1, 2}));
  std::string path = temporaryPath("pipe.npy");
  std::filesystem::remove(path);
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  std::thread writer([&] {
    std::ofstream(path, std::ios::binary)
        .write(image.data(), static_cast<std::streamsize>(image.size()));
  });
  expectError([&] { readNpy(path); }, ErrorKind::Io, {"truncated data", "found 16"});
  writer.join();
  std::filesystem::remove(path);

  Tensor small = arange(DType::i32, {2, 3});
  std::string good = formatNpy(small.view());
  std::thread goodWriter([&] {
    ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
    std::ofstream(path, std::ios::binary)
        .write(good.data(), static_cast<std::streamsize>(good.size()));
  });
  // The reader opens only once the fifo exists.
  while (!std::filesystem::exists(path))
    std::this_thread::yield();
  Tensor read = readNpy(path);
  goodWriter.join();
  EXPECT_EQ(valuesOf(read.view()), valuesOf(small.view()));
  std::filesystem::remove(path);
}

TEST(Npy, NullDataIsMisuse) {
  expectError([] { formatNpy(TensorView(static_cast<void*>(nullptr), DType::f32, {2})); },
              ErrorKind::Misuse, {"formatNpy", "null data"});
}

} // namespace
} // namespace einjit
