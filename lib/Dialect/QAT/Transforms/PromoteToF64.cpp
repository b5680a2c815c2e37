//===- PromoteToF64.cpp - evaluate a graph in double precision ------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Dialect/QAT/Transforms/Passes.h"
#include "qat/Dialect/QAT/Utils/QuantCodegen.h"

#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATPROMOTETOF64PASS
#include "qat/Dialect/QAT/Transforms/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

namespace mlir::qat {
namespace {
/// Not a set of local patterns: the type change is global (every value,
/// block argument and function signature at once, by one AttrTypeReplacer
/// walk, which keeps the IR valid only as a whole), and which fake-quant
/// ops to wrap back into f32 is decided from the types before it.
struct QATPromoteToF64Pass
    : impl::QATPromoteToF64PassBase<QATPromoteToF64Pass> {
  void runOnOperation() override {
    // The grids stay those of the f32 graph: its scales and ranges were f32
    // values (Semantics.md §1); only the arithmetic around them widens.
    auto toF32 = [](ArrayRef<double> values) {
      SmallVector<double> rounded;
      for (double v : values)
        rounded.push_back(static_cast<float>(v));
      return rounded;
    };
    llvm::SmallPtrSet<Operation *, 16> promoted;
    getOperation()->walk([&](Operation *op) {
      if (auto fq = dyn_cast<FakeQuantOpInterface>(op);
          fq && cast<RankedTensorType>(fq.getInput().getType())
                    .getElementType()
                    .isF32())
        promoted.insert(op);
      if (auto fq = dyn_cast<FakeQuantOp>(op);
          fq && fq.getScales() &&
          fq.getInput().getType().getElementType().isF32())
        fq.setScales(toF32(*fq.getScales()));
      if (auto mm = dyn_cast<FakeQuantMinMaxOp>(op);
          mm && mm.getMins() &&
          mm.getInput().getType().getElementType().isF32()) {
        mm.setMins(toF32(*mm.getMins()));
        mm.setMaxs(toF32(*mm.getMaxs()));
      }
    });

    AttrTypeReplacer replacer;
    replacer.addReplacement(
        [](Float32Type t) -> Type { return Float64Type::get(t.getContext()); });
    // Constants carry values, not just types: convert the values (exactly).
    replacer.addReplacement([](FloatAttr attr) -> std::optional<Attribute> {
      if (!attr.getType().isF32())
        return std::nullopt;
      return FloatAttr::get(Float64Type::get(attr.getContext()),
                            attr.getValueAsDouble());
    });
    replacer.addReplacement(
        [](DenseFPElementsAttr attr) -> std::optional<Attribute> {
          if (!attr.getElementType().isF32())
            return std::nullopt;
          SmallVector<double> values;
          for (float v : attr.getValues<float>())
            values.push_back(v);
          auto type = RankedTensorType::get(
              attr.getType().getShape(), Float64Type::get(attr.getContext()));
          return DenseElementsAttr::get(type, ArrayRef(values));
        });
    replacer.recursivelyReplaceElementsIn(getOperation(), /*replaceAttrs=*/true,
                                          /*replaceLocs=*/false,
                                          /*replaceTypes=*/true);

    // Fake-quant ops keep their f32 semantics: each sees its (now exact)
    // input rounded to f32, as the f32 graph's value is, and quantizes it as
    // the f32 op does; only the arithmetic between them widens.
    SmallVector<Operation *> fakeQuants;
    getOperation()->walk([&](FakeQuantOpInterface op) {
      if (promoted.contains(op))
        fakeQuants.push_back(op);
    });
    OpBuilder b(&getContext());
    // Likewise quantize and dequantize ops (graphs that hold integer
    // tensors, e.g. imported ONNX models): their grids express f32.
    getOperation()->walk([&](Operation *op) {
      if (auto q = dyn_cast<QuantizeOp>(op);
          q && q.getInput().getType().getElementType().isF64()) {
        b.setInsertionPoint(op);
        q.getInputMutable().assign(
            convertElements(b, op->getLoc(), q.getInput(), b.getF32Type()));
      } else if (auto dq = dyn_cast<DequantizeOp>(op);
                 dq && dq.getOutput().getType().getElementType().isF64()) {
        dq.getResult().setType(dq.getOutput().getType().clone(b.getF32Type()));
        widenUses(b, cast<OpResult>(dq.getResult()));
      }
    });
    for (Operation *op : fakeQuants) {
      b.setInsertionPoint(op);
      Value input = op->getOperand(0);
      Value narrow = convertElements(b, op->getLoc(), input, b.getF32Type());
      op->setOperand(0, narrow);
      op->getResult(0).setType(narrow.getType());
      widenUses(b, op->getOpResult(0));
    }
  }

  /// Makes every current use of the f32 `result` use its extension to f64.
  /// The uses are taken before the extension is built: it reads `result`
  /// itself, and with dynamic shapes also its sizes (tensor.dim).
  static void widenUses(OpBuilder &b, OpResult result) {
    SmallVector<OpOperand *> uses =
        llvm::map_to_vector(result.getUses(), [](OpOperand &u) { return &u; });
    b.setInsertionPointAfter(result.getOwner());
    Value wide = convertElements(b, result.getLoc(), result, b.getF64Type());
    for (OpOperand *use : uses)
      use->set(wide);
  }

  /// `input` with every element converted to `type` (truncf or extf).
  static Value convertElements(OpBuilder &b, Location loc, Value input,
                               FloatType type) {
    return buildChannelwiseGeneric(
        b, loc, input, type, std::nullopt, type, {},
        [&](OpBuilder &nb, Location l, Value x, ArrayRef<Value>) -> Value {
          if (type.getWidth() < cast<FloatType>(x.getType()).getWidth())
            return arith::TruncFOp::create(nb, l, type, x);
          return arith::ExtFOp::create(nb, l, type, x);
        });
  }
};
} // namespace
} // namespace mlir::qat
