//===- UnaryRegions.cpp - functions of one 8-bit input as tables ----------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "UnaryRegions.h"

#include "qat/Dialect/QAT/Utils/QuantCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::qat;

/// The largest input container a table covers: every value of an i8
/// container is 256 entries and 256 evaluations of the body. An i16
/// container would need 65536 of each (128 KiB per table and a noticeable
/// compile time per layer) for grids that real models rarely use on
/// activations, so 9- to 16-bit inputs stay in float.
static constexpr unsigned kMaxTableInputBits = 8;

/// True for the ops whose folder computes what the compiled program
/// computes at run time, bit for bit: arith (single IEEE-754 or integer
/// operations; the folders use APFloat/APInt), the exact math ops, and the
/// math functions that both the folder and the compiled code take from the
/// host C library's single-precision functions (`tanhf`, `expf`, `erff`,
/// ...: LLVM lowers its intrinsics to these calls, `qat-math-to-libm` the
/// rest). math.rsqrt, math.fpowi and math.ipowi are not among them: LLVM
/// expands them into other operations than their folders use.
static bool hasRuntimeExactFolder(Operation *op) {
  if (isa<arith::ArithDialect>(op->getDialect()))
    return op->getNumRegions() == 0;
  return isa<
      math::AbsFOp, math::AbsIOp, math::CopySignOp, math::CeilOp, math::FloorOp,
      math::RoundOp, math::RoundEvenOp, math::TruncOp, math::SqrtOp,
      math::FmaOp, math::ExpOp, math::Exp2Op, math::ExpM1Op, math::LogOp,
      math::Log2Op, math::Log10Op, math::Log1pOp, math::PowFOp, math::SinOp,
      math::CosOp, math::TanOp, math::SinhOp, math::CoshOp, math::TanhOp,
      math::AsinOp, math::AcosOp, math::AtanOp, math::Atan2Op, math::AsinhOp,
      math::AcoshOp, math::AtanhOp, math::ErfOp, math::ErfcOp, math::CbrtOp>(
      op);
}

/// True for a splat constant tensor (a scalar constant broadcast, or a
/// rank-0 constant), possibly dequantized: every element reads the same
/// value whatever its map.
static bool isSplatConstant(Value v) {
  DenseElementsAttr c;
  return (matchPattern(v, m_Constant(&c)) && c.isSplat()) ||
         getDequantizedSplat(v);
}

/// True for a generic with one result and no reduction whose output and
/// non-constant inputs have identity maps (an element-wise function of its
/// inputs; splat constants may be broadcast).
static bool isElementwise(linalg::GenericOp generic) {
  if (generic.getNumResults() != 1 || generic.getNumReductionLoops() != 0 ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
           .isIdentity())
    return false;
  return llvm::all_of(generic.getDpsInputOperands(), [&](OpOperand *in) {
    return generic.getMatchingIndexingMap(in).isIdentity() ||
           isSplatConstant(in->get());
  });
}

/// Why the body of `generic` is not a function of its input elements alone
/// that the folders can evaluate, or an empty string.
static std::string getUntabulableBodyReason(linalg::GenericOp generic) {
  Block &body = generic.getRegion().front();
  unsigned numInputs = generic.getNumDpsInputs();
  auto isInputOrLocal = [&](Value v) {
    auto arg = dyn_cast<BlockArgument>(v);
    if (arg && arg.getOwner() == &body)
      return arg.getArgNumber() < numInputs;
    return (v.getDefiningOp() && v.getParentBlock() == &body) ||
           matchPattern(v, m_Constant());
  };
  auto isOutput = [&](Value v) {
    auto arg = dyn_cast<BlockArgument>(v);
    return arg && arg.getOwner() == &body && arg.getArgNumber() >= numInputs;
  };
  for (Operation &op : body.without_terminator()) {
    if (!hasRuntimeExactFolder(&op))
      return llvm::formatv("'{0}' has no compile-time evaluation that "
                           "matches the compiled code",
                           op.getName())
          .str();
    for (Value v : op.getOperands()) {
      if (isOutput(v))
        return "the body reads its output element";
      if (!isInputOrLocal(v))
        return "the body reads a value that is not its input or a constant";
    }
  }
  Value yielded = body.getTerminator()->getOperand(0);
  if (isOutput(yielded))
    return "the body yields its output element";
  if (!isInputOrLocal(yielded))
    return "the body yields a value that is not its input or a constant";
  return "";
}

/// The most element-wise generics one table replaces: enough for GELU or
/// HardSwish written one ONNX node per generic, and a bound on the walk
/// up the use-def chain.
static constexpr size_t kMaxRegionGenerics = 16;

namespace {
/// Collects the element-wise generics that compute a value from one
/// dequantized tensor and splat constants, producers first.
struct UnaryRegionCollector {
  UnaryRegion &r;
  std::string &reason;
  llvm::SmallPtrSet<Operation *, 8> visited;

  /// False when `v` is not computed that way (`reason` set when the
  /// region is of this kind but has no table).
  bool collect(Value v) {
    if (isSplatConstant(v))
      return true;
    if (auto dq = v.getDefiningOp<DequantizeOp>()) {
      if (r.input && r.input != dq)
        return false; // A function of two tensors.
      r.input = dq;
      return true;
    }
    if (matchPattern(v, m_Constant()))
      return false; // Different values per element.
    auto generic = v.getDefiningOp<linalg::GenericOp>();
    if (!generic || !isElementwise(generic))
      return false;
    if (!visited.insert(generic).second)
      return true;
    if (visited.size() > kMaxRegionGenerics)
      return false;
    for (Value in : generic.getDpsInputs())
      if (!collect(in))
        return false;
    if (std::string why = getUntabulableBodyReason(generic); !why.empty())
      reason = why;
    r.generics.push_back(generic);
    return true;
  }
};
} // namespace

FailureOr<UnaryRegion> mlir::qat::matchUnaryRegion(QuantizeOp output,
                                                   std::string &reason) {
  UnaryRegion r;
  r.output = output;
  if (!output.getInput().getDefiningOp<linalg::GenericOp>())
    return failure();
  std::string why;
  UnaryRegionCollector collector{r, why, {}};
  if (!collector.collect(output.getInput()) || !r.input)
    return failure();
  if (reason = why; !reason.empty())
    return failure();
  return r;
}

FailureOr<int64_t>
mlir::qat::evaluateUnaryRegion(const UnaryRegion &r, float x,
                               const QuantGrid<float> &output,
                               std::string &reason) {
  // Tensor values of the region and values in the bodies alike, as the
  // element they hold (one element: every map is the identity).
  // (Op handles are values; their accessors are not const.)
  DequantizeOp input = r.input;
  QuantizeOp quantized = r.output;
  llvm::SmallDenseMap<Value, Attribute> values;
  values[input.getOutput()] =
      FloatAttr::get(input.getOutput().getType().getElementType(), x);
  auto lookup = [&](Value v) -> Attribute {
    if (Attribute a = values.lookup(v))
      return a;
    if (std::optional<float> c = getDequantizedSplat(v))
      return FloatAttr::get(getElementTypeOrSelf(v.getType()), *c);
    Attribute constant;
    (void)matchPattern(v, m_Constant(&constant));
    if (auto splat = dyn_cast_or_null<SplatElementsAttr>(constant))
      return splat.getSplatValue<Attribute>();
    return constant;
  };
  auto fail = [&](Operation &op) {
    reason = llvm::formatv("'{0}' does not fold on the input {1}", op.getName(),
                           llvm::format("%.9g", x))
                 .str();
    return failure();
  };
  for (linalg::GenericOp generic : r.generics) {
    Block &body = generic.getRegion().front();
    for (auto [arg, in] :
         llvm::zip(body.getArguments(), generic.getDpsInputs()))
      values[arg] = lookup(in);
    for (Operation &op : body.without_terminator()) {
      SmallVector<Attribute> operands;
      for (Value v : op.getOperands())
        operands.push_back(lookup(v));
      SmallVector<OpFoldResult> results;
      // A fold that returns no results updated the op in place (it did not
      // compute a value).
      if (failed(op.fold(operands, results)) ||
          results.size() != op.getNumResults())
        return fail(op);
      for (auto [result, folded] : llvm::zip(op.getResults(), results)) {
        auto attr = dyn_cast<Attribute>(folded);
        if (!attr)
          attr = lookup(cast<Value>(folded));
        if (!attr)
          return fail(op);
        values[result] = attr;
      }
    }
    Value yielded = body.getTerminator()->getOperand(0);
    if (!lookup(yielded))
      return fail(*body.getTerminator());
    values[generic.getResult(0)] = lookup(yielded);
  }
  // (The region's output is f32: getUnsupportedOutputReason.)
  auto y = dyn_cast_or_null<FloatAttr>(lookup(quantized.getInput()));
  if (!y || !y.getType().isF32())
    return fail(*r.generics.back());
  return quantize<float>(y.getValue().convertToFloat(), output);
}

/// The table of storage values: entry i is the output for the input whose
/// storage bits are i, for every value of the input's container (not only
/// the grid's range: the dequantization of any stored value is defined, and
/// the lookup needs no clamp).
static FailureOr<DenseElementsAttr> buildTable(UnaryRegion &r,
                                               const QuantGrid<float> &input,
                                               const QuantGrid<float> &output,
                                               std::string &reason) {
  auto storageType = cast<RankedTensorType>(r.input.getInput().getType());
  unsigned inputBits = storageType.getElementTypeBitWidth();
  bool isSigned = r.input.getGridType().isSigned();
  Type resultElement = r.output.getOutput().getType().getElementType();
  unsigned outputBits = resultElement.getIntOrFloatBitWidth();
  SmallVector<APInt> entries;
  for (uint64_t bits = 0; bits < (uint64_t{1} << inputBits); ++bits) {
    APInt code(inputBits, bits);
    int64_t q = isSigned ? code.getSExtValue() : int64_t(bits);
    float x = dequantize<float>(q, input.scale, input.zeroPoint);
    FailureOr<int64_t> y = evaluateUnaryRegion(r, x, output, reason);
    if (failed(y))
      return failure();
    entries.push_back(APInt(outputBits, *y, /*isSigned=*/*y < 0));
  }
  auto tableType = RankedTensorType::get({static_cast<int64_t>(entries.size())},
                                         resultElement);
  return DenseElementsAttr::get(tableType, entries);
}

LogicalResult mlir::qat::lowerUnaryRegion(RewriterBase &rewriter,
                                          UnaryRegion &r,
                                          const RequantOptions &,
                                          std::string &reason) {
  std::optional<QuantGrid<float>> ig = getTensorGrid(r.input);
  std::optional<QuantGrid<float>> og = getTensorGrid(r.output);
  if (!ig || !og)
    return reason = "per-channel grid", failure();
  auto storageType = cast<RankedTensorType>(r.input.getInput().getType());
  if (storageType.getElementTypeBitWidth() > kMaxTableInputBits)
    return reason = llvm::formatv(
                        "a function of a {0}-bit input (tables "
                        "cover inputs of at most {1} bits)",
                        r.input.getGridType().getStorageTypeIntegralWidth(),
                        kMaxTableInputBits)
                        .str(),
           failure();
  FailureOr<DenseElementsAttr> table = buildTable(r, *ig, *og, reason);
  if (failed(table))
    return failure();

  Location loc = r.generics.back().getLoc();
  rewriter.setInsertionPoint(r.output);
  Value tableValue = arith::ConstantOp::create(rewriter, loc, *table);
  Value result = buildChannelwiseGeneric(
      rewriter, loc, r.input.getInput(),
      r.output.getOutput().getType().getElementType(), std::nullopt,
      rewriter.getF32Type(), {},
      [&](OpBuilder &b, Location l, Value q, ArrayRef<Value>) -> Value {
        // The storage bits, zero-extended, are the entry's index.
        Value index = arith::IndexCastUIOp::create(b, l, b.getIndexType(), q);
        return tensor::ExtractOp::create(b, l, tableValue, index);
      });
  rewriter.replaceOp(r.output, result);
  // Consumers first: a producer may become dead with them. Generics used
  // outside the region stay (in float) for those users.
  for (linalg::GenericOp generic : llvm::reverse(r.generics))
    if (generic->use_empty())
      rewriter.eraseOp(generic);
  return success();
}
