//===- PromoteToF64.cpp - evaluate a graph in double precision ------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Dialect/QAT/Transforms/Passes.h"

#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace mlir::qat {
#define GEN_PASS_DEF_QATPROMOTETOF64PASS
#include "qat/Dialect/QAT/Transforms/Passes.h.inc"
} // namespace mlir::qat

using namespace mlir;

namespace mlir::qat {
namespace {
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
    getOperation()->walk([&](Operation *op) {
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
  }
};
} // namespace
} // namespace mlir::qat
