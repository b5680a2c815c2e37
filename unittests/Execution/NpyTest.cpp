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

} // namespace
