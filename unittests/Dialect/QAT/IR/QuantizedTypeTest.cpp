//===- QuantizedTypeTest.cpp - FakeQuantOpInterface through the C++ API ---===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/IR/QATOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::qat;

namespace {

class QuantizedTypeTest : public ::testing::Test {
protected:
  QuantizedTypeTest() { context.loadDialect<QATDialect, func::FuncDialect>(); }

  /// Parses `body` as a function of one tensor<2x3xf32> argument %x and
  /// returns its first fake-quant op.
  FakeQuantOpInterface parseFirst(StringRef body) {
    std::string source = ("func.func @f(%x: tensor<2x3xf32>, "
                          "%s: tensor<f32>) {\n" +
                          body + "\n  return\n}")
                             .str();
    module = parseSourceString<ModuleOp>(source, &context);
    if (!module)
      return nullptr;
    FakeQuantOpInterface found;
    module->walk([&](FakeQuantOpInterface op) {
      if (!found)
        found = op;
    });
    return found;
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

TEST_F(QuantizedTypeTest, PerTensorSigned) {
  FakeQuantOpInterface op = parseFirst(
      "%0 = qat.fake_quant %x {scales = array<f64: 0.5>, zero_points = "
      "array<i64: -3>} : tensor<2x3xf32>");
  ASSERT_TRUE(op);
  EXPECT_TRUE(op.hasStaticParameters());
  auto type = dyn_cast<quant::UniformQuantizedType>(op.getQuantizedType());
  ASSERT_TRUE(type);
  EXPECT_TRUE(type.isSigned());
  EXPECT_EQ(type.getStorageTypeIntegralWidth(), 8u);
  EXPECT_EQ(type.getScale(), 0.5);
  EXPECT_EQ(type.getZeroPoint(), -3);
  EXPECT_EQ(type.getStorageTypeMin(), -128);
  EXPECT_EQ(type.getStorageTypeMax(), 127);
  EXPECT_TRUE(type.getExpressedType().isF32());
}

TEST_F(QuantizedTypeTest, PerAxisNarrowFourBit) {
  FakeQuantOpInterface op = parseFirst(
      "%0 = qat.fake_quant %x {axis = 1 : i64, num_bits = 4 : i64, "
      "narrow_range, scales = array<f64: 0.1, 0.2, 0.3>} : tensor<2x3xf32>");
  ASSERT_TRUE(op);
  auto type =
      dyn_cast<quant::UniformQuantizedPerAxisType>(op.getQuantizedType());
  ASSERT_TRUE(type);
  EXPECT_EQ(type.getQuantizedDimension(), 1);
  EXPECT_EQ(type.getScales().size(), 3u);
  EXPECT_EQ(type.getZeroPoints()[2], 0);
  EXPECT_EQ(type.getStorageTypeMin(), -7);
  EXPECT_EQ(type.getStorageTypeMax(), 7);
}

TEST_F(QuantizedTypeTest, SixteenBitUsesI16Storage) {
  FakeQuantOpInterface op = parseFirst(
      "%0 = qat.fake_quant %x {num_bits = 12 : i64, is_signed = false, "
      "scales = array<f64: 0.5>, zero_points = array<i64: 2048>} : "
      "tensor<2x3xf32>");
  ASSERT_TRUE(op);
  auto type = dyn_cast<quant::UniformQuantizedType>(op.getQuantizedType());
  ASSERT_TRUE(type);
  EXPECT_FALSE(type.isSigned());
  EXPECT_EQ(type.getStorageTypeIntegralWidth(), 16u);
  EXPECT_EQ(type.getStorageTypeMax(), 4095);
}

TEST_F(QuantizedTypeTest, DynamicParametersHaveNoType) {
  FakeQuantOpInterface op = parseFirst(
      "%0 = qat.fake_quant %x scale(%s : tensor<f32>) : tensor<2x3xf32>");
  ASSERT_TRUE(op);
  EXPECT_FALSE(op.hasStaticParameters());
  EXPECT_FALSE(op.getQuantizedType());
}

TEST_F(QuantizedTypeTest, MinMaxIsNudged) {
  FakeQuantOpInterface op = parseFirst(
      "%0 = qat.fake_quant_min_max %x {mins = array<f64: -0.1>, maxs = "
      "array<f64: 25.4>} : tensor<2x3xf32>");
  ASSERT_TRUE(op);
  auto type = dyn_cast<quant::UniformQuantizedType>(op.getQuantizedType());
  ASSERT_TRUE(type);
  EXPECT_FALSE(type.isSigned());
  EXPECT_EQ(type.getZeroPoint(), 1);
  EXPECT_FLOAT_EQ(static_cast<float>(type.getScale()), 0.1f);
}

} // namespace
