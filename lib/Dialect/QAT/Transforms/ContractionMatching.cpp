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

namespace {
/// Per output channel c, the value a[c] * acc + b[c] of the accumulator
/// `acc`, in f64, as a chain of element-wise ops computes it.
struct ChannelAffine {
  SmallVector<double> a, b;
  bool hasOffset = false;
};
} // namespace

/// The per-channel values (`channels` of them) of a constant operand of
/// `generic`: read through the channel dimensions, or a splat.
static std::optional<SmallVector<double>>
matchChannelConstant(linalg::GenericOp generic, OpOperand *in,
                     ArrayRef<unsigned> channelDims, int64_t channels) {
  DenseFPElementsAttr splat;
  if (matchPattern(in->get(), m_Constant(&splat)) && splat.isSplat())
    return SmallVector<double>(
        channels, splat.getSplatValue<APFloat>().convertToDouble());
  std::optional<SmallVector<float>> values =
      matchBias(generic, in, channelDims);
  if (!values || static_cast<int64_t>(values->size()) != channels)
    return std::nullopt;
  return SmallVector<double>(values->begin(), values->end());
}

/// Applies the body of `generic`, which reads the running value through
/// `through` (identity map) and constants per channel, to `affine`; fails
/// unless each op is +, -, * or / of the running value and a constant.
/// The activation (max/min by constants) is allowed only where
/// `activation` is given, after the last op.
static LogicalResult applyAffineBody(linalg::GenericOp generic,
                                     OpOperand *through,
                                     ArrayRef<unsigned> channelDims,
                                     ChannelAffine &affine,
                                     ActivationBounds *activation) {
  int64_t channels = affine.a.size();
  Block &body = generic.getRegion().front();
  DenseMap<Value, SmallVector<double>> constants;
  for (OpOperand *in : generic.getDpsInputOperands()) {
    if (in == through)
      continue;
    std::optional<SmallVector<double>> c =
        matchChannelConstant(generic, in, channelDims, channels);
    if (!c)
      return failure();
    constants[body.getArgument(in->getOperandNumber())] = std::move(*c);
  }
  auto constantOf = [&](Value v) -> const SmallVector<double> * {
    if (std::optional<float> c = getConstantFloat(v))
      constants[v] = SmallVector<double>(channels, *c);
    auto it = constants.find(v);
    return it == constants.end() ? nullptr : &it->second;
  };
  Value result = body.getTerminator()->getOperand(0);
  if (activation)
    result = stripActivation(result, *activation);
  Value running = body.getArgument(through->getOperandNumber());
  while (result && result != running) {
    // Walk forward from the running value to its one user.
    if (!running.hasOneUse())
      return failure();
    Operation *op = *running.getUsers().begin();
    if (!isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::DivFOp>(op))
      return failure();
    bool runningFirst = op->getOperand(0) == running;
    const SmallVector<double> *k =
        constantOf(op->getOperand(runningFirst ? 1 : 0));
    if (!k)
      return failure();
    for (int64_t c = 0; c < channels; ++c) {
      double &a = affine.a[c], &b = affine.b[c], kc = (*k)[c];
      if (isa<arith::AddFOp>(op)) {
        b += kc;
      } else if (isa<arith::SubFOp>(op)) {
        b = runningFirst ? b - kc : kc - b;
        a = runningFirst ? a : -a;
      } else if (isa<arith::MulFOp>(op)) {
        a *= kc;
        b *= kc;
      } else if (runningFirst) {
        a /= kc;
        b /= kc;
      } else {
        return failure(); // k / x is not affine.
      }
    }
    affine.hasOffset |= isa<arith::AddFOp, arith::SubFOp>(op);
    running = op->getResult(0);
  }
  return success(result != nullptr);
}

/// Matches `act(a[c] * acc + b[c])` computed by a chain of element-wise
/// generics from the accumulator to the quantize (a bias; QAT Conv+BN's
/// division by its factor and inference BatchNormalization), walking back
/// from `last`.
static std::optional<Epilogue> matchEpilogue(linalg::GenericOp last,
                                             Value accumulator,
                                             ArrayRef<unsigned> channelDims) {
  auto accType = cast<RankedTensorType>(accumulator.getType());
  int64_t channels = 1;
  for (unsigned d : channelDims) {
    // (Per-channel tables need the channel count; a computed weight may
    // leave it dynamic.)
    if (accType.isDynamicDim(d))
      return std::nullopt;
    channels *= accType.getDimSize(d);
  }
  // The chain, from the accumulator on, and the operand each reads.
  SmallVector<std::pair<linalg::GenericOp, OpOperand *>> chain;
  for (linalg::GenericOp g = last; g;) {
    if (g.getNumDpsInits() != 1 || g.getNumResults() != 1 ||
        g.getNumReductionLoops() != 0 || g.getNumLoops() != accType.getRank() ||
        !g.getMatchingIndexingMap(g.getDpsInitOperand(0)).isIdentity())
      return std::nullopt;
    OpOperand *through = nullptr;
    for (OpOperand *in : g.getDpsInputOperands()) {
      auto producer = in->get().getDefiningOp<linalg::GenericOp>();
      bool fromChain = in->get() == accumulator || producer;
      if (fromChain && g.getMatchingIndexingMap(in).isIdentity() && !through &&
          !matchPattern(in->get(), m_Constant()))
        through = in;
    }
    if (!through)
      return std::nullopt;
    chain.push_back({g, through});
    if (through->get() == accumulator)
      break;
    g = through->get().getDefiningOp<linalg::GenericOp>();
    if (!g->hasOneUse())
      return std::nullopt;
  }
  std::reverse(chain.begin(), chain.end());
  Epilogue e;
  e.op = last;
  ChannelAffine affine;
  affine.a.assign(channels, 1.0);
  affine.b.assign(channels, 0.0);
  for (auto [g, through] : chain) {
    if (failed(applyAffineBody(g, through, channelDims, affine,
                               g == last ? &e.activation : nullptr)))
      return std::nullopt;
    e.chain.push_back(g);
  }
  if (affine.hasOffset)
    for (double b : affine.b)
      e.bias.push_back(static_cast<float>(b));
  if (llvm::any_of(affine.a, [](double a) { return a != 1.0; }))
    e.factor = affine.a;
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

/// The contraction an epilogue chain ending in `generic` reads: following
/// each generic's one non-constant input back (a generic with two, such as
/// a residual addition, is another kind of region).
static linalg::LinalgOp findContractionUnder(linalg::GenericOp generic) {
  while (generic) {
    SmallVector<Value> computed;
    for (Value in : generic.getDpsInputs())
      if (!matchPattern(in, m_Constant()))
        computed.push_back(in);
    if (computed.size() != 1)
      return nullptr;
    if (linalg::LinalgOp op = getContraction(computed[0]))
      return op;
    generic = computed[0].getDefiningOp<linalg::GenericOp>();
  }
  return nullptr;
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
  r.contraction = findContractionUnder(generic);
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
