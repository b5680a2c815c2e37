//===- LayersTest.cpp - a QAT graph split into layers ---------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The functions qat-run --check builds (lib/Execution/Layers.cpp): which
// fake-quants end layers, and that each layer of the per-layer function
// reads the reference's values, not the previous layer's output.
//
//===----------------------------------------------------------------------===//

#include "qat/Execution/Layers.h"

#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Execution/JitRunner.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::qat;

namespace {

/// Two layers (the input's fake-quant, a matmul ending in a fake-quant; the
/// weight's fake-quant is inside the second) and a float result after them.
constexpr const char *kGraph = R"mlir(
func.func @f(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %xq = qat.fake_quant %x {scales = array<f64: 0.1>} : tensor<2x4xf32>
  %w = arith.constant dense<0.5> : tensor<4x4xf32>
  %wq = qat.fake_quant %w {scales = array<f64: 0.01>} : tensor<4x4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %mm = linalg.matmul ins(%xq, %wq : tensor<2x4xf32>, tensor<4x4xf32>)
                      outs(%z : tensor<2x4xf32>) -> tensor<2x4xf32>
  %yq = qat.fake_quant %mm {scales = array<f64: 0.2>} : tensor<2x4xf32>
  %t = arith.addf %yq, %yq : tensor<2x4xf32>
  return %yq, %t : tensor<2x4xf32>, tensor<2x4xf32>
}
)mlir";

class LayersTest : public ::testing::Test {
protected:
  LayersTest() : context(createQATContextRegistry()) {
    module = parseSourceString<ModuleOp>(kGraph, &context);
    func = module->lookupSymbol<func::FuncOp>("f");
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
  func::FuncOp func;
};

TEST_F(LayersTest, ActivationFakeQuantsEndLayers) {
  ASSERT_TRUE(func);
  FailureOr<LayerSplit> split = findLayers(func);
  ASSERT_TRUE(succeeded(split));
  ASSERT_EQ(split->boundaries.size(), 2u);
  auto first = cast<FakeQuantOp>(split->boundaries[0]);
  auto second = cast<FakeQuantOp>(split->boundaries[1]);
  EXPECT_EQ(first.getInput(), func.getArgument(0));
  EXPECT_TRUE(second.getInput().getDefiningOp<linalg::MatmulOp>());
  // Result #0 is a boundary's output; result #1 is computed after it.
  EXPECT_EQ(split->tailResults, SmallVector<unsigned>{1});
  EXPECT_EQ(split->size(), 3u);
}

TEST_F(LayersTest, TraceReturnsEveryBoundary) {
  LayerSplit split = *findLayers(func);
  func::FuncOp trace = addTraceFunction(func, split, "trace");
  ASSERT_TRUE(succeeded(verify(*module)));
  EXPECT_EQ(trace.getNumArguments(), 1u);
  ASSERT_EQ(trace.getNumResults(), 4u);
  auto ret = cast<func::ReturnOp>(trace.getBody().front().getTerminator());
  EXPECT_TRUE(ret.getOperand(2).getDefiningOp<FakeQuantOp>());
  EXPECT_EQ(ret.getOperand(0), ret.getOperand(3));
}

TEST_F(LayersTest, EachLayerReadsTheReferenceValues) {
  LayerSplit split = *findLayers(func);
  func::FuncOp layers = addPerLayerFunction(func, split, "layers");
  ASSERT_TRUE(succeeded(verify(*module)));
  // %x, then the reference's %xq and %yq.
  ASSERT_EQ(layers.getNumArguments(), 3u);
  ASSERT_EQ(layers.getNumResults(), 3u);
  auto ret = cast<func::ReturnOp>(layers.getBody().front().getTerminator());
  // Layer 0: the fake-quant of the argument.
  auto layer0 = ret.getOperand(0).getDefiningOp<FakeQuantOp>();
  ASSERT_TRUE(layer0);
  EXPECT_EQ(layer0.getInput(), layers.getArgument(0));
  // Layer 1: its matmul reads the reference's %xq, put back on the grid.
  auto layer1 = ret.getOperand(1).getDefiningOp<FakeQuantOp>();
  ASSERT_TRUE(layer1);
  auto matmul = layer1.getInput().getDefiningOp<linalg::MatmulOp>();
  ASSERT_TRUE(matmul);
  auto input = matmul.getInputs()[0].getDefiningOp<FakeQuantOp>();
  ASSERT_TRUE(input);
  EXPECT_NE(input, layer0);
  EXPECT_EQ(input.getInput(), layers.getArgument(1));
  EXPECT_EQ(input.getScales(), layer0.getScales());
  // The float result reads the reference's %yq.
  auto tail = ret.getOperand(2).getDefiningOp<arith::AddFOp>();
  ASSERT_TRUE(tail);
  auto yq = tail.getLhs().getDefiningOp<FakeQuantOp>();
  ASSERT_TRUE(yq);
  EXPECT_EQ(yq.getInput(), layers.getArgument(2));
}

TEST_F(LayersTest, PerturbedBoundaryReadsTheAddition) {
  LayerSplit split = *findLayers(func);
  perturbLayer(func, split, 1, 0.4);
  ASSERT_TRUE(succeeded(verify(*module)));
  auto generic = cast<FakeQuantOp>(split.boundaries[1])
                     .getInput()
                     .getDefiningOp<linalg::GenericOp>();
  ASSERT_TRUE(generic);
  EXPECT_TRUE(generic.getOutputs()[0].getDefiningOp<linalg::MatmulOp>());
  // The split is unchanged: the addition is inside the layer.
  FailureOr<LayerSplit> again = findLayers(func);
  ASSERT_TRUE(succeeded(again));
  EXPECT_EQ(again->boundaries, split.boundaries);
}

TEST_F(LayersTest, SeveralBlocksAreAnError) {
  OwningOpRef<ModuleOp> twoBlocks = parseSourceString<ModuleOp>(R"mlir(
func.func @g(%x: tensor<4xf32>) -> tensor<4xf32> {
  cf.br ^next
^next:
  return %x : tensor<4xf32>
}
)mlir",
                                                                &context);
  std::string message;
  ScopedDiagnosticHandler capture(&context, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  EXPECT_TRUE(failed(findLayers(twoBlocks->lookupSymbol<func::FuncOp>("g"))));
  EXPECT_NE(message.find("needs a function body of one block; @g has 2"),
            std::string::npos);
}

} // namespace
