//===- ActivationProductLowering.cpp - matmuls of two activations ---------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// A matmul or batch matmul whose operands are both computed tensors
// (attention's scores Q·Kᵀ and context P·V) has no constant weight whose
// sums could correct the zero points at compile time: both operands are
// centered first (q − z, exact in i32), so that the i32 accumulation is the
// exact accumulator of docs/Semantics.md §8.1 by itself.
//
//===----------------------------------------------------------------------===//

#include "ContractionRegion.h"
#include "Requantizer.h"

#include "qat/Dialect/QAT/Utils/QuantCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/FormatVariadic.h"

#include <limits>

using namespace mlir;
using namespace mlir::qat;

/// Why `Σ_k (q_a − z_a)(q_b − z_b)` may not fit in i32, or an empty string:
/// its bound is K · max|q_a − z_a| · max|q_b − z_b| over the storage ranges.
static std::string getOverflowReason(ContractionRegion &r,
                                     const QuantGrid<float> &a,
                                     const QuantGrid<float> &b) {
  auto type = cast<RankedTensorType>(r.input.getType());
  int64_t k = type.getDimSize(type.getRank() - 1);
  if (ShapedType::isDynamic(k))
    return "a product of two activations with a dynamic reduction size";
  std::optional<int64_t> bound = llvm::checkedMul(a.getMaxCenteredMagnitude(),
                                                  b.getMaxCenteredMagnitude());
  if (bound)
    bound = llvm::checkedMul(*bound, k);
  if (bound && *bound <= std::numeric_limits<int32_t>::max())
    return "";
  return llvm::formatv("the i32 accumulator of a product of two activations "
                       "may overflow (K = {0})",
                       k)
      .str();
}

/// An element-wise generic mapping `value` through `body` into a tensor of
/// `element` (buildChannelwiseGeneric without parameters).
static Value buildMap(OpBuilder &b, Location loc, Value value, Type element,
                      function_ref<Value(OpBuilder &, Location, Value)> body) {
  return buildChannelwiseGeneric(
      b, loc, value, element, std::nullopt, b.getF32Type(), {},
      [&](OpBuilder &nb, Location l, Value x, ArrayRef<Value>) {
        return body(nb, l, x);
      });
}

/// `Σ_k (q_a − z_a)(q_b − z_b)` in i32, in the contraction's shape.
static Value buildAccumulator(OpBuilder &b, Location loc, ContractionRegion &r,
                              const QuantGrid<float> &ga,
                              const QuantGrid<float> &gb) {
  auto centered = [&](DequantizeOp dq, int64_t zeroPoint) {
    bool isSigned = dq.getGridType().isSigned();
    return buildMap(b, loc, dq.getInput(), b.getI32Type(),
                    [&](OpBuilder &nb, Location l, Value q) {
                      return emitCentered(nb, l, q, isSigned, zeroPoint);
                    });
  };
  Value a = centered(r.input, ga.zeroPoint);
  Value w = centered(r.weight, gb.zeroPoint);
  Value floatInit = r.contraction.getDpsInits()[0];
  auto accType =
      cast<RankedTensorType>(floatInit.getType()).clone(b.getI32Type());
  Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  Value empty = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, floatInit), b.getI32Type());
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  if (isa<linalg::BatchMatmulOp>(*r.contraction))
    return linalg::BatchMatmulOp::create(b, loc, TypeRange{accType},
                                         ValueRange{a, w}, ValueRange{init})
        .getResult(0);
  return linalg::MatmulOp::create(b, loc, TypeRange{accType}, ValueRange{a, w},
                                  ValueRange{init})
      .getResult(0);
}

LogicalResult mlir::qat::lowerActivationProduct(RewriterBase &rewriter,
                                                ContractionRegion &r,
                                                const RequantOptions &options,
                                                std::string &reason) {
  QuantGrid<float> ga = *getTensorGrid(r.input), gb = *getTensorGrid(r.weight);
  if (r.epilogue && (!r.epilogue->bias.empty() || !r.epilogue->factor.empty()))
    return reason = "a bias or per-channel factor applied to a product of two "
                    "activations",
           failure();
  if (std::string why = getOverflowReason(r, ga, gb); !why.empty())
    return reason = why, failure();
  Requantizer requantizer(options, r.output, *getTensorGrid(r.output),
                          r.epilogue ? r.epilogue->activation
                                     : ActivationBounds());
  std::optional<RequantMultiplier> m = requantizer.getMultiplier(
      IntermediateScale::ofProduct(ga.scale, gb.scale));
  if (!m)
    return reason = requantizer.describeMissingMultiplier("the product"),
           failure();
  Location loc = r.contraction.getLoc();
  rewriter.setInsertionPoint(r.output);
  Value acc = buildAccumulator(rewriter, loc, r, ga, gb);
  Value result = buildMap(
      rewriter, loc, acc, r.output.getOutput().getType().getElementType(),
      [&](OpBuilder &b, Location l, Value t) {
        return requantizer.emit(
            b, l, t, requantizer.createMultiplierConstants(b, l, *m));
      });
  rewriter.replaceOp(r.output, result);
  if (r.epilogue)
    for (linalg::GenericOp op : llvm::reverse(r.epilogue->chain))
      if (op->use_empty())
        rewriter.eraseOp(op);
  if (r.contraction->use_empty())
    rewriter.eraseOp(r.contraction);
  return success();
}

LogicalResult mlir::qat::lowerActivationProductToFloat(RewriterBase &rewriter,
                                                       ContractionRegion &r,
                                                       std::string &reason) {
  QuantGrid<float> ga = *getTensorGrid(r.input), gb = *getTensorGrid(r.weight);
  if (std::string why = getOverflowReason(r, ga, gb); !why.empty())
    return reason = why, failure();
  Location loc = r.contraction.getLoc();
  rewriter.setInsertionPoint(r.contraction);
  Value acc = buildAccumulator(rewriter, loc, r, ga, gb);
  // f32(f64(t) · f64(s_a) · f64(s_b)): the scale product of two f32 values
  // is exact in f64 (§8.12).
  double scale = double(ga.scale) * double(gb.scale);
  Value result = buildMap(
      rewriter, loc, acc, rewriter.getF32Type(),
      [&](OpBuilder &b, Location l, Value t) {
        Value wide = arith::SIToFPOp::create(b, l, b.getF64Type(), t);
        Value s = arith::ConstantOp::create(b, l, b.getF64FloatAttr(scale));
        return arith::TruncFOp::create(b, l, b.getF32Type(),
                                       arith::MulFOp::create(b, l, wide, s));
      });
  rewriter.replaceOp(r.contraction, result);
  return success();
}
