//===- ContractionMatching.cpp - find matmul/conv integer regions ---------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Recognizes quantize(act(op(dequantize(a), dequantize(w)) + bias)) for the
// contractions qat lowers to i32, and reads their constant weights as one
// (K, channels) matrix whatever the layout.
//
//===----------------------------------------------------------------------===//

#include "ContractionRegion.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::qat;

/// True for linalg.matmul's maps of A x B^T: (m, k), (n, k) -> (m, n).
static bool isTransposedBMatmul(linalg::MatmulOp mm) {
  MLIRContext *ctx = mm.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  auto map = [&](ArrayRef<AffineExpr> results) {
    return AffineMap::get(3, 0, results, ctx);
  };
  return mm.getIndexingMapsArray() ==
         SmallVector<AffineMap>{map({m, k}), map({n, k}), map({m, n})};
}

/// `values` (rows x cols) transposed.
static DenseIntElementsAttr transpose2D(DenseIntElementsAttr values) {
  auto type = values.getType();
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
  SmallVector<APInt> in(values.getValues<APInt>()), out;
  out.reserve(in.size());
  for (int64_t c = 0; c < cols; ++c)
    for (int64_t r = 0; r < rows; ++r)
      out.push_back(in[r * cols + c]);
  return DenseIntElementsAttr::get(
      RankedTensorType::get({cols, rows}, type.getElementType()), out);
}

/// A bias operand of `generic`: a constant read through the output-channel
/// dimensions `channelDims`; its values, or std::nullopt.
static std::optional<SmallVector<float>>
matchBias(linalg::GenericOp generic, OpOperand *in,
          ArrayRef<unsigned> channelDims) {
  AffineMap map = generic.getMatchingIndexingMap(in);
  DenseFPElementsAttr values;
  if (!map.isProjectedPermutation() ||
      map.getNumResults() != channelDims.size() ||
      !matchPattern(in->get(), m_Constant(&values)))
    return std::nullopt;
  for (auto [i, dim] : llvm::enumerate(channelDims))
    if (map.getDimPosition(i) != dim)
      return std::nullopt;
  SmallVector<float> bias;
  for (APFloat v : values.getValues<APFloat>())
    bias.push_back(v.convertToFloat());
  return bias;
}

/// Matches `act(acc + bias)`: walks back from the yielded value through
/// max/min with constants (the activation), then an addition of the bias.
static std::optional<Epilogue> matchEpilogue(linalg::GenericOp generic,
                                             Value accumulator,
                                             ArrayRef<unsigned> channelDims) {
  unsigned rank = cast<RankedTensorType>(accumulator.getType()).getRank();
  if (generic.getNumDpsInits() != 1 || generic.getNumResults() != 1 ||
      generic.getNumReductionLoops() != 0 || generic.getNumLoops() != rank)
    return std::nullopt;
  Epilogue e;
  e.op = generic;
  Block &body = generic.getRegion().front();
  Value accArg, biasArg;
  for (OpOperand *in : generic.getDpsInputOperands()) {
    Value arg = body.getArgument(in->getOperandNumber());
    if (in->get() == accumulator &&
        generic.getMatchingIndexingMap(in).isIdentity() && !accArg) {
      accArg = arg;
      continue;
    }
    std::optional<SmallVector<float>> bias =
        biasArg ? std::nullopt : matchBias(generic, in, channelDims);
    if (!bias)
      return std::nullopt;
    biasArg = arg;
    e.bias = std::move(*bias);
  }
  if (!accArg)
    return std::nullopt;

  Value v = stripActivation(body.getTerminator()->getOperand(0), e.activation);
  if (!v)
    return std::nullopt;
  if (v == accArg && !biasArg)
    return e;
  auto add = v.getDefiningOp<arith::AddFOp>();
  if (!add || !biasArg)
    return std::nullopt;
  if (!((add.getLhs() == accArg && add.getRhs() == biasArg) ||
        (add.getLhs() == biasArg && add.getRhs() == accArg)))
    return std::nullopt;
  return e;
}

/// A matmul or 2-D convolution this pass lowers, or null.
static linalg::LinalgOp getContraction(Value v) {
  Operation *def = v.getDefiningOp();
  if (isa_and_nonnull<linalg::MatmulOp, linalg::BatchMatmulOp,
                      linalg::Conv2DNhwcHwcfOp, linalg::Conv2DNchwFchwOp,
                      linalg::Conv2DNgchwGfchwOp,
                      linalg::DepthwiseConv2DNhwcHwcOp>(def))
    return cast<linalg::LinalgOp>(def);
  return nullptr;
}

/// The output-channel dimensions of a contraction's result.
static SmallVector<unsigned, 2> getChannelDims(linalg::LinalgOp op) {
  if (isa<linalg::Conv2DNgchwGfchwOp>(op))
    return {1, 2};
  if (isa<linalg::Conv2DNchwFchwOp>(op))
    return {1};
  return {static_cast<unsigned>(
      cast<RankedTensorType>(op->getResult(0).getType()).getRank() - 1)};
}

/// Finds the contraction under `r.output` and its epilogue, if any.
static LogicalResult matchRoot(ContractionRegion &r, std::string &reason) {
  Value v = r.output.getInput();
  auto generic = v.getDefiningOp<linalg::GenericOp>();
  if (!generic) {
    r.contraction = getContraction(v);
    if (!r.contraction)
      return failure(); // Not a region this pass knows; no reason to give.
    r.channelDims = getChannelDims(r.contraction);
    if (!r.contraction->hasOneUse())
      return reason = "the contraction result has other users", failure();
    return success();
  }
  for (Value in : generic.getDpsInputs())
    if (linalg::LinalgOp op = getContraction(in))
      r.contraction = op;
  if (!r.contraction)
    return failure(); // Perhaps another kind of region.
  r.channelDims = getChannelDims(r.contraction);
  r.epilogue =
      matchEpilogue(generic, r.contraction->getResult(0), r.channelDims);
  if (!r.epilogue)
    return reason = "epilogue is not act(acc + bias)", failure();
  if (!generic->hasOneUse() || !r.contraction->hasOneUse())
    return reason = "intermediate results have other users", failure();
  return success();
}

/// Checks the contraction's form: maps, accumulator, zero padding.
static LogicalResult matchContractionForm(ContractionRegion &r,
                                          std::string &reason) {
  if (auto mm = dyn_cast<linalg::MatmulOp>(*r.contraction);
      mm && mm.hasUserDefinedMaps()) {
    if (!isTransposedBMatmul(mm))
      return reason = "transposed-A or broadcast matmul", failure();
    r.transposedWeight = true;
  }
  if (auto mm = dyn_cast<linalg::BatchMatmulOp>(*r.contraction);
      mm && mm.hasUserDefinedMaps())
    return reason = "transposed or broadcast batch matmul", failure();
  if (!isZeroFill(r.contraction.getDpsInits()[0]))
    return reason = "the accumulation does not start from zero", failure();
  Value input = r.contraction.getDpsInputs()[0];
  if ((r.pad = input.getDefiningOp<tensor::PadOp>())) {
    Value padding = r.pad.getConstantPaddingValue();
    std::optional<float> value =
        padding ? getConstantFloat(padding) : std::nullopt;
    if (!value || *value != 0.0f)
      return reason = "the input is padded with a value other than 0.0",
             failure();
    input = r.pad.getSource();
  }
  r.input = input.getDefiningOp<DequantizeOp>();
  return success();
}

/// Finds the dequantized constant weight and reads it as K x channels.
static LogicalResult matchWeight(ContractionRegion &r, std::string &reason) {
  Value weight = r.contraction.getDpsInputs()[1];
  bool grouped = isa<linalg::Conv2DNgchwGfchwOp>(*r.contraction);
  // A grouped weight is usually the (G*F) x C x KH x KW weight of the
  // framework, expanded: its per-channel axis 0 is then the output channel.
  if (auto expand = weight.getDefiningOp<tensor::ExpandShapeOp>();
      expand && grouped &&
      expand.getReassociationIndices() ==
          SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}, {4}}) {
    r.weightExpand = expand;
    weight = expand.getSrc();
  }
  r.weight = weight.getDefiningOp<DequantizeOp>();
  if (!r.input || !r.weight)
    return reason = "an operand is not dequantized", failure();
  if (!isa<quant::UniformQuantizedType>(r.input.getGridType()))
    return reason = "per-channel activation grid", failure();
  int64_t weightRank = cast<RankedTensorType>(r.weight.getType()).getRank();
  bool nchw = isa<linalg::Conv2DNchwFchwOp>(*r.contraction);
  // Weights with the output channels first (N x K, F x C x KH x KW,
  // (G*F) x C x KH x KW).
  bool channelsFirst = r.transposedWeight || nchw || r.weightExpand;
  std::optional<int64_t> axis = getGridAxis(r.weight.getGridType());
  // (A 5-D grouped weight has no single axis for its G x F channels.)
  if (axis && (grouped ? !r.weightExpand || *axis != 0
                       : *axis != (channelsFirst ? 0 : weightRank - 1)))
    return reason = "weight channels are not the output channels", failure();
  // (A constant's elements attribute always has a static shape.)
  if (!matchPattern(r.weight.getInput(), m_Constant(&r.weightValues))) {
    // A product of two activations: a (batch) matmul, per tensor.
    if (!isa<linalg::MatmulOp, linalg::BatchMatmulOp>(*r.contraction) ||
        r.transposedWeight)
      return reason = "the weight is not a constant", failure();
    if (axis)
      return reason = "per-channel grid of a computed weight", failure();
    r.weightIsActivation = true;
    return success();
  }
  if (!channelsFirst && !grouped)
    return success();
  // Channels-first weights (and grouped ones) are read as K x channels.
  auto resultType = cast<RankedTensorType>(r.contraction->getResultTypes()[0]);
  int64_t channels = 1;
  for (unsigned dim : r.channelDims)
    channels *= resultType.getDimSize(dim);
  r.weightValues = transpose2D(
      cast<DenseIntElementsAttr>(r.weightValues.reshape(RankedTensorType::get(
          {channels, r.weightValues.getNumElements() / channels},
          r.weightValues.getType().getElementType()))));
  return success();
}

FailureOr<ContractionRegion>
mlir::qat::matchFloatResultContraction(linalg::LinalgOp op,
                                       std::string &reason) {
  ContractionRegion r;
  r.contraction = getContraction(op->getResult(0));
  if (!r.contraction)
    return failure();
  if (StringRef why = getUnsupportedFloatReason(op->getResultTypes()[0]);
      !why.empty())
    return reason = why.str(), failure();
  if (llvm::any_of(op->getOperandTypes(), hasNoElements))
    return reason = kNoElementsReason, failure();
  r.channelDims = getChannelDims(r.contraction);
  if (failed(matchContractionForm(r, reason)) || failed(matchWeight(r, reason)))
    return failure();
  return r;
}

FailureOr<ContractionRegion>
mlir::qat::matchContractionRegion(QuantizeOp output, std::string &reason) {
  ContractionRegion r;
  r.output = output;
  if (!isa<quant::UniformQuantizedType>(output.getGridType()))
    return reason = "per-channel output grid", failure();
  if (failed(matchRoot(r, reason)) || failed(matchContractionForm(r, reason)) ||
      failed(matchWeight(r, reason)))
    return failure();
  return r;
}
