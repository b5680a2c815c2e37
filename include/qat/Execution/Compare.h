//===- Compare.h - compare program outputs in quantization steps -*- C++
//-*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The agreement figures of qat-run --check and the differential tests: for
// each output, the fraction of elements equal to a reference, the largest
// difference in quantization steps of the output's grid, and the worst
// element.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_EXECUTION_COMPARE_H
#define QAT_EXECUTION_COMPARE_H

#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Execution/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::qat {

/// The quantization grid of a function result: one scale per channel of
/// `axis`, or one scale.
struct OutputGrid {
  SmallVector<double> scales;
  std::optional<int64_t> axis;
};

/// The grid `op` rounds onto (scales rounded to the compute precision;
/// fake_quant_min_max's nudged grid), or std::nullopt when its parameters
/// are not static.
std::optional<OutputGrid> getGrid(FakeQuantOpInterface op);

/// The grid of each result of `func` that a static fake-quant produces
/// (scales rounded to the compute precision); std::nullopt for the others.
SmallVector<std::optional<OutputGrid>> getOutputGrids(func::FuncOp func);

struct Agreement {
  int64_t total = 0;
  int64_t exact = 0;
  /// In steps of the grid, or absolute when there is no grid.
  double maxDifference = 0;
  bool inSteps = false;
  int64_t worstIndex = -1;
  double worstValue = 0;
  double worstReference = 0;

  double exactFraction() const {
    return total ? static_cast<double>(exact) / total : 1.0;
  }
};

/// Compares `got` with `reference` element by element (same shape).
/// With a grid, the difference of an element is |got - ref| / scale rounded
/// to whole steps; an element is exact when that is 0 (or both are NaN).
Agreement compareOutputs(const HostTensor &got, const HostTensor &reference,
                         const std::optional<OutputGrid> &grid);

/// The rule of qat-run --check for one layer's output, computed from the
/// same inputs as the reference's (so no error of an earlier layer is in
/// it):
/// - on a grid (`a.inSteps`), compared with the f64 simulation: at most one
///   step apart. The integer program rounds where the fake-quant graph
///   rounds, with errors far below a step before each rounding, so it
///   equals the exact result except next to a rounding boundary, and there
///   by one step (docs/Semantics.md §8.5);
/// - without a grid, compared with the f32 simulation: equal. The integer
///   program computes such a result in float from the same dequantized
///   values, with the operations of the f32 simulation (integer regions end
///   in a quantize; Semantics.md §8), so any difference is an error; no
///   tolerance in float units would follow from the semantics.
bool isWithinTolerance(const Agreement &a);

/// Adds `other` (another output or case) into `total`.
void accumulate(Agreement &total, const Agreement &other);

} // namespace mlir::qat

#endif // QAT_EXECUTION_COMPARE_H
