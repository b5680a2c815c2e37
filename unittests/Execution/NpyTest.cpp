//===- NpyTest.cpp - the .npy reader and writer ---------------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Execution/Npy.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::qat;

namespace {

TEST(Npy, RoundTripsEveryKind) {
  for (ElementKind kind :
       {ElementKind::F16, ElementKind::F32, ElementKind::F64, ElementKind::I8,
        ElementKind::U8, ElementKind::I16, ElementKind::U16, ElementKind::I32,
        ElementKind::I64}) {
    HostTensor t(kind, {2, 3});
    for (int64_t i = 0; i < 6; ++i)
      t.setFromDouble(i, i * 3 - 7);
    std::string bytes = serializeNpy(t);
    // The data starts 64-byte aligned, as numpy writes it.
    EXPECT_EQ((bytes.size() - t.bytes.size()) % 64, 0u);
    llvm::Expected<HostTensor> back = parseNpy(bytes);
    ASSERT_TRUE(static_cast<bool>(back)) << toString(back.takeError());
    EXPECT_EQ(back->kind, kind);
    EXPECT_EQ(back->shape, t.shape);
    EXPECT_EQ(back->bytes, t.bytes);
  }
}

TEST(Npy, ScalarAndVectorShapes) {
  for (SmallVector<int64_t> shape :
       {SmallVector<int64_t>{}, SmallVector<int64_t>{5}}) {
    HostTensor t(ElementKind::F32, shape);
    llvm::Expected<HostTensor> back = parseNpy(serializeNpy(t));
    ASSERT_TRUE(static_cast<bool>(back)) << toString(back.takeError());
    EXPECT_EQ(back->shape, shape);
  }
}

TEST(Npy, ReadsNumpysOwnHeader) {
  // Header exactly as numpy 1.24 writes np.arange(3, dtype='<i4').
  std::string header = "{'descr': '<i4', 'fortran_order': False, "
                       "'shape': (3,), }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += "\n";
  std::string file = std::string("\x93NUMPY\x01\x00", 8);
  file.push_back(static_cast<char>(header.size()));
  file.push_back(0);
  file += header;
  int32_t data[3] = {0, 1, 2};
  file.append(reinterpret_cast<const char *>(data), sizeof(data));
  llvm::Expected<HostTensor> t = parseNpy(file);
  ASSERT_TRUE(static_cast<bool>(t)) << toString(t.takeError());
  EXPECT_EQ(t->kind, ElementKind::I32);
  EXPECT_EQ(t->getAsDouble(2), 2.0);
}

TEST(Npy, RejectsMalformedFiles) {
  auto error = [](StringRef contents) {
    llvm::Expected<HostTensor> t = parseNpy(contents);
    EXPECT_FALSE(static_cast<bool>(t));
    return t ? std::string() : toString(t.takeError());
  };
  EXPECT_NE(error("not numpy").find("missing magic"), std::string::npos);
  EXPECT_NE(error(StringRef("\x93NUMPY\x01\x00\x50", 9)).find("truncated"),
            std::string::npos);
  HostTensor t(ElementKind::F32, {4});
  std::string good = serializeNpy(t);
  EXPECT_NE(error(StringRef(good).drop_back(1)).find("expected 16 bytes"),
            std::string::npos);
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  EXPECT_NE(error(fortran).find("Fortran"), std::string::npos);
  std::string complex = good;
  complex.replace(complex.find("<f4"), 3, "<c8");
  EXPECT_NE(error(complex).find("unsupported dtype '<c8'"), std::string::npos);
}

/// A version 1.0 file declaring `shape` (the tuple's text) of `descr`, with
/// `dataBytes` zero bytes of data.
static std::string makeNpy(StringRef shape, size_t dataBytes,
                           StringRef descr = "<f4") {
  std::string header = ("{'descr': '" + descr +
                        "', 'fortran_order': False, 'shape': " + shape + ", }")
                           .str();
  header += "\n";
  std::string file = std::string("\x93NUMPY\x01\x00", 8);
  file.push_back(static_cast<char>(header.size() & 0xff));
  file.push_back(static_cast<char>(header.size() >> 8));
  return file + header + std::string(dataBytes, '\0');
}

static std::string getError(llvm::Expected<HostTensor> t) {
  EXPECT_FALSE(static_cast<bool>(t));
  return t ? std::string() : toString(t.takeError());
}

TEST(Npy, RejectsSizesThatOverflow) {
  // 2^62 x 4 f32 elements: 2^66 bytes, which wrapped to 0 before.
  EXPECT_NE(getError(parseNpy(makeNpy("(4611686018427387904, 4)", 0)))
                .find("the size of shape (4611686018427387904, 4) overflows"),
            std::string::npos);
  // The element count fits, the byte count does not.
  EXPECT_NE(getError(parseNpy(makeNpy("(4611686018427387904,)", 0)))
                .find("overflows"),
            std::string::npos);
  EXPECT_EQ(HostTensor::getByteSize(ElementKind::F32, {int64_t(1) << 62}),
            std::nullopt);
  EXPECT_EQ(HostTensor::getByteSize(ElementKind::F32, {-1}), std::nullopt);
  EXPECT_EQ(HostTensor::getByteSize(ElementKind::F64, {2, 3}), 48u);
}

TEST(Npy, ChecksDataSizeBeforeAllocating) {
  // 4 * 10^11 bytes declared, none present: an error, not an allocation.
  EXPECT_NE(getError(parseNpy(makeNpy("(100000000000,)", 0)))
                .find("expected 400000000000 bytes of data for "
                      "tensor<100000000000xf32>, found 0"),
            std::string::npos);
}

TEST(Npy, ValidatorRejectsBeforeTheData) {
  bool called = false;
  auto reject = [&](ElementKind kind, ArrayRef<int64_t> shape) {
    called = true;
    EXPECT_EQ(kind, ElementKind::I32);
    EXPECT_EQ(shape, ArrayRef<int64_t>({100000000000}));
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "no");
  };
  // The data is missing: the validator's error comes first.
  EXPECT_EQ(getError(parseNpy(makeNpy("(100000000000,)", 0, "<i4"), reject)),
            "no");
  EXPECT_TRUE(called);
}

TEST(Npy, BoundsTheHeader) {
  std::string file = std::string("\x93NUMPY\x02\x00\xff\xff\xff\x7f", 12);
  EXPECT_NE(
      getError(parseNpy(file))
          .find("header of 2147483647 bytes is longer than the 10000 bytes"),
      std::string::npos);
  EXPECT_NE(getError(parseNpy(std::string("\x93NUMPY\x04\x00", 8)))
                .find("unsupported version 4"),
            std::string::npos);
  EXPECT_NE(getError(parseNpy(makeNpy("(4,", 16))).find("not a tuple"),
            std::string::npos);
  EXPECT_NE(getError(parseNpy(makeNpy("(-4,)", 16))).find("bad dimension"),
            std::string::npos);
}

} // namespace
