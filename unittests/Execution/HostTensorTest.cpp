//===- HostTensorTest.cpp - host tensors' element conversions -------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Execution/HostTensor.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;
using namespace mlir::qat;

namespace {

/// Element 0 of a one-element tensor of `kind` set from `v`, read back.
double roundTrip(ElementKind kind, double v) {
  HostTensor t(kind, {1});
  t.setFromDouble(0, v);
  return t.getAsDouble(0);
}

// Out of the kind's range, an integer wraps as in numpy's astype (a C++
// conversion would be undefined behaviour: UBSan stopped Npy tests on
// static_cast<uint8_t>(-7.0)).
TEST(HostTensor, SetFromDoubleWrapsIntegers) {
  EXPECT_EQ(roundTrip(ElementKind::U8, -7.0), 249);
  EXPECT_EQ(roundTrip(ElementKind::U8, 256.0), 0);
  EXPECT_EQ(roundTrip(ElementKind::I8, 200.0), -56);
  EXPECT_EQ(roundTrip(ElementKind::U16, -1.0), 65535);
  EXPECT_EQ(roundTrip(ElementKind::I16, 40000.0), 40000 - 65536);
  EXPECT_EQ(roundTrip(ElementKind::I32, 0x1p32 + 5), 5);
}

TEST(HostTensor, SetFromDoubleTruncatesTowardZero) {
  EXPECT_EQ(roundTrip(ElementKind::I8, -7.9), -7);
  EXPECT_EQ(roundTrip(ElementKind::U8, 7.9), 7);
  EXPECT_EQ(roundTrip(ElementKind::I64, -0.5), 0);
}

TEST(HostTensor, SetFromDoubleNaNAndHugeValues) {
  EXPECT_EQ(roundTrip(ElementKind::I32, std::nan("")), 0);
  HostTensor t(ElementKind::I64, {2});
  t.setFromDouble(0, 1e300);
  t.setFromDouble(1, -std::numeric_limits<double>::infinity());
  int64_t values[2];
  std::memcpy(values, t.bytes.data(), sizeof(values));
  EXPECT_EQ(values[0], std::numeric_limits<int64_t>::max());
  EXPECT_EQ(values[1], std::numeric_limits<int64_t>::min());
}

} // namespace
