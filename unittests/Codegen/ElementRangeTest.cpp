//===- ElementRangeTest.cpp - bounds on the elements of a tensor ----------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/ElementRange.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::qat;

namespace {

class ElementRangeTest : public ::testing::Test {
protected:
  ElementRangeTest() {
    ctx.loadDialect<arith::ArithDialect, func::FuncDialect,
                    linalg::LinalgDialect, math::MathDialect,
                    tensor::TensorDialect>();
  }

  /// The range of the value `@f` returns, in the body `body` of
  /// `func.func @f(<args>) -> <result>`.
  Interval rangeOf(StringRef function) {
    module = parseSourceString<ModuleOp>(function, &ctx);
    EXPECT_TRUE(module);
    auto f = cast<func::FuncOp>(module->getBody()->front());
    Value returned = f.getBody().front().getTerminator()->getOperand(0);
    return getElementRange(returned);
  }

  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
};

/// The generic a quantization lowers to: divide, round, clamp in float,
/// add the zero point, convert, truncate to i8.
constexpr const char *kQuantize = R"mlir(
#id = affine_map<(d0) -> (d0)>
func.func @f(%x: tensor<8xf32>) -> tensor<8xi8> {
  %scale = arith.constant 0.027 : f32
  %lo = arith.constant -60.0 : f32
  %hi = arith.constant 67.0 : f32
  %zp = arith.constant 60.0 : f32
  %e = tensor.empty() : tensor<8xi8>
  %q = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xi8>) {
  ^bb0(%v: f32, %o: i8):
    %d = arith.divf %v, %scale : f32
    %r = math.roundeven %d : f32
    %l = arith.maximumf %r, %lo : f32
    %h = arith.minimumf %l, %hi : f32
    %s = arith.addf %h, %zp : f32
    %i = arith.fptosi %s : f32 to i32
    %t = arith.trunci %i : i32 to i8
    linalg.yield %t : i8
  } -> tensor<8xi8>
  return %q : tensor<8xi8>
}
)mlir";

TEST_F(ElementRangeTest, FloatClampOfAQuantization) {
  Interval r = rangeOf(kQuantize);
  EXPECT_EQ(r.lo, 0);
  EXPECT_EQ(r.hi, 127);
}

TEST_F(ElementRangeTest, FixedPointRequantizationIsSigned) {
  Interval r = rangeOf(R"mlir(
#id = affine_map<(d0) -> (d0)>
func.func @f(%acc: tensor<8xi32>) -> tensor<8xi8> {
  %lo = arith.constant -132 : i32
  %hi = arith.constant 123 : i32
  %zp = arith.constant 4 : i32
  %e = tensor.empty() : tensor<8xi8>
  %q = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%acc : tensor<8xi32>) outs(%e : tensor<8xi8>) {
  ^bb0(%v: i32, %o: i8):
    %l = arith.maxsi %v, %lo : i32
    %h = arith.minsi %l, %hi : i32
    %s = arith.addi %h, %zp : i32
    %t = arith.trunci %s : i32 to i8
    linalg.yield %t : i8
  } -> tensor<8xi8>
  return %q : tensor<8xi8>
}
)mlir");
  EXPECT_EQ(r.lo, -128);
  EXPECT_EQ(r.hi, 127);
}

TEST_F(ElementRangeTest, WideningAndPaddingKeepTheBound) {
  // The quantization above, zero-extended to i16 and padded with 60.
  std::string text = kQuantize;
  text.replace(text.find("  return %q"), std::string::npos, R"mlir(
  %e16 = tensor.empty() : tensor<8xi16>
  %w = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%q : tensor<8xi8>) outs(%e16 : tensor<8xi16>) {
  ^bb0(%v: i8, %o: i16):
    %z = arith.extui %v : i8 to i16
    linalg.yield %z : i16
  } -> tensor<8xi16>
  %pv = arith.constant 60 : i16
  %p = tensor.pad %w low[1] high[1] {
  ^bb0(%i: index):
    tensor.yield %pv : i16
  } : tensor<8xi16> to tensor<10xi16>
  return %p : tensor<10xi16>
}
)mlir");
  text.replace(text.find("-> tensor<8xi8> {\n  %scale"), 17,
               "-> tensor<10xi16> {");
  Interval r = rangeOf(text);
  EXPECT_EQ(r.lo, 0);
  EXPECT_EQ(r.hi, 127);
}

TEST_F(ElementRangeTest, ArgumentsAndUnclampedValuesAreUnbounded) {
  Interval r = rangeOf(R"mlir(
func.func @f(%x: tensor<8xi8>) -> tensor<8xi8> {
  return %x : tensor<8xi8>
}
)mlir");
  EXPECT_FALSE(r.isBounded());
  // Zero-extended, an unknown i8 is still within [0, 255].
  r = rangeOf(R"mlir(
#id = affine_map<(d0) -> (d0)>
func.func @f(%x: tensor<8xi8>) -> tensor<8xi32> {
  %e = tensor.empty() : tensor<8xi32>
  %w = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xi8>) outs(%e : tensor<8xi32>) {
  ^bb0(%v: i8, %o: i32):
    %z = arith.extui %v : i8 to i32
    linalg.yield %z : i32
  } -> tensor<8xi32>
  return %w : tensor<8xi32>
}
)mlir");
  EXPECT_EQ(r.lo, 0);
  EXPECT_EQ(r.hi, 255);
}

TEST_F(ElementRangeTest, ConstantsGiveTheirExtremes) {
  Interval r = rangeOf(R"mlir(
func.func @f() -> tensor<4xi8> {
  %c = arith.constant dense<[3, -7, 12, 0]> : tensor<4xi8>
  return %c : tensor<4xi8>
}
)mlir");
  EXPECT_EQ(r.lo, -7);
  EXPECT_EQ(r.hi, 12);
}

} // namespace
