//===- Layers.h - a QAT graph split into layers for --check -----*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// qat-run --check compares the integer program with the f64 simulation
// layer by layer: each layer is computed from the reference's values of its
// inputs, so that a legitimate one-step difference in one layer is not
// amplified by the layers after it (docs/Semantics.md §8.5).
//
// A layer ends at an activation fake-quant: a qat.fake_quant or
// qat.fake_quant_min_max at the top level of the function whose input
// depends on a function argument (a fake-quant of a constant, a weight,
// belongs to the layer that uses it). A function result that no such
// fake-quant produces is a layer of its own, a "tail" computed in float.
// This file finds the layers and builds, next to the function, the two
// functions the check runs:
//
// - the trace: the function, also returning every boundary's output;
// - the per-layer function: takes the function's arguments and one tensor
//   per boundary (the reference's value of that boundary's output) and
//   returns every layer's output, each layer computed from those tensors.
//   An argument is put back on its boundary's grid by a copy of the
//   boundary's fake-quant (which returns a value on the grid unchanged,
//   Semantics.md §5), so that the integer pipeline sees the grid.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_EXECUTION_LAYERS_H
#define QAT_EXECUTION_LAYERS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::qat {

struct LayerSplit {
  /// The activation fake-quants at the top level of the function, in
  /// program order: the ends of the layers.
  SmallVector<Operation *> boundaries;
  /// The results of the function that are computed (not an argument, not a
  /// boundary's output), in order: one tail layer each.
  SmallVector<unsigned> tailResults;

  /// Layers are numbered boundaries first, then tails.
  size_t size() const { return boundaries.size() + tailResults.size(); }
  /// The function result layer `index` computes, or std::nullopt when a
  /// boundary ends it.
  std::optional<unsigned> getTailResult(size_t index) const {
    if (index < boundaries.size())
      return std::nullopt;
    return tailResults[index - boundaries.size()];
  }
};

/// The operation that ends layer `index` of `split` (which must be
/// `findLayers(func)`): the boundary, or the one defining the tail result.
Operation *getLayerEnd(func::FuncOp func, const LayerSplit &split,
                       size_t index);

/// The layers of `func`. Fails with an error at the function when its body
/// has more than one block (the boundaries would not dominate their uses
/// in the per-layer function).
FailureOr<LayerSplit> findLayers(func::FuncOp func);

/// Adds a copy of `func` named `name` (a new symbol of its module) that
/// returns `func`'s results followed by the output of each boundary of
/// `split` (which must be `findLayers(func)`).
func::FuncOp addTraceFunction(func::FuncOp func, const LayerSplit &split,
                              StringRef name);

/// Adds the per-layer function of `func` named `name`: arguments are
/// `func`'s followed by one per boundary (its output type); results are one
/// per boundary, then one per tail result, each computed from the
/// arguments only.
func::FuncOp addPerLayerFunction(func::FuncOp func, const LayerSplit &split,
                                 StringRef name);

/// Test hook of qat-run --check (it tests that the check finds an error in
/// the right layer): moves the output of layer `index` of `split` (which
/// must be `findLayers(func)`) by `delta`, added to the boundary's input
/// (so `delta` of a grid's scales is that many steps) or to a tail result.
void perturbLayer(func::FuncOp func, const LayerSplit &split, size_t index,
                  double delta);

} // namespace mlir::qat

#endif // QAT_EXECUTION_LAYERS_H
