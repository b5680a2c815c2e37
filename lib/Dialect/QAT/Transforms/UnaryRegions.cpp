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

/// Why the body of `generic` is not a function of its first input alone
/// that the folders can evaluate, or an empty string.
static std::string getUntabulableBodyReason(linalg::GenericOp generic) {
  Block &body = generic.getRegion().front();
  auto isInputOrLocal = [&](Value v) {
    return v == body.getArgument(0) ||
           (v.getDefiningOp() && v.getParentBlock() == &body) ||
           matchPattern(v, m_Constant());
  };
  for (Operation &op : body.without_terminator()) {
    if (!hasRuntimeExactFolder(&op))
      return llvm::formatv("'{0}' has no compile-time evaluation that "
                           "matches the compiled code",
                           op.getName())
          .str();
    for (Value v : op.getOperands()) {
      if (v == body.getArgument(1))
        return "the body reads its output element";
      if (!isInputOrLocal(v))
        return "the body reads a value that is not its input or a constant";
    }
  }
  Value yielded = body.getTerminator()->getOperand(0);
  if (yielded == body.getArgument(1))
    return "the body yields its output element";
  if (!isInputOrLocal(yielded))
    return "the body yields a value that is not its input or a constant";
  return "";
}

FailureOr<UnaryRegion> mlir::qat::matchUnaryRegion(QuantizeOp output,
                                                   std::string &reason) {
  UnaryRegion r;
  r.output = output;
  r.generic = output.getInput().getDefiningOp<linalg::GenericOp>();
  if (!r.generic || r.generic.getNumDpsInputs() != 1 ||
      r.generic.getNumResults() != 1 || r.generic.getNumReductionLoops() != 0 ||
      !llvm::all_of(r.generic.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return failure();
  r.input = r.generic.getDpsInputs()[0].getDefiningOp<DequantizeOp>();
  if (!r.input)
    return failure();
  if (reason = getUntabulableBodyReason(r.generic); !reason.empty())
    return failure();
  return r;
}

FailureOr<int64_t>
mlir::qat::evaluateUnaryRegion(linalg::GenericOp generic, float x,
                               const QuantGrid<float> &output,
                               std::string &reason) {
  Block &body = generic.getRegion().front();
  llvm::SmallDenseMap<Value, Attribute> values;
  Type inputType = body.getArgument(0).getType();
  values[body.getArgument(0)] = FloatAttr::get(inputType, x);
  auto lookup = [&](Value v) -> Attribute {
    if (Attribute a = values.lookup(v))
      return a;
    Attribute constant;
    (void)matchPattern(v, m_Constant(&constant));
    return constant;
  };
  auto fail = [&](Operation &op) {
    reason = llvm::formatv("'{0}' does not fold on the input {1}", op.getName(),
                           llvm::format("%.9g", x))
                 .str();
    return failure();
  };
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
  // (The region's output is f32: getUnsupportedOutputReason.)
  auto y =
      dyn_cast_or_null<FloatAttr>(lookup(body.getTerminator()->getOperand(0)));
  if (!y || !y.getType().isF32())
    return fail(*body.getTerminator());
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
    FailureOr<int64_t> y = evaluateUnaryRegion(r.generic, x, output, reason);
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

  Location loc = r.generic.getLoc();
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
  if (r.generic->use_empty())
    rewriter.eraseOp(r.generic);
  return success();
}
