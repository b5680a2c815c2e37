//===- Compare.cpp - compare program outputs in quantization steps --------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Execution/Compare.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "qat/Dialect/QAT/IR/QATOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qat;

std::optional<OutputGrid> mlir::qat::getGrid(FakeQuantOpInterface op) {
  if (!op.hasStaticParameters())
    return std::nullopt;
  OutputGrid grid;
  if (auto fq = dyn_cast<FakeQuantOp>(op.getOperation())) {
    bool isF64 = computesInDouble(fq.getInput().getType().getElementType());
    ArrayRef<double> scales = *fq.getScales();
    for (double s : scales)
      grid.scales.push_back(isF64 ? s : static_cast<float>(s));
    if (fq.getAxis())
      grid.axis = static_cast<int64_t>(*fq.getAxis());
    return grid;
  }
  // fake_quant_min_max: the nudged scales, computed in the compute
  // precision (Semantics.md §4, §6).
  quant::QuantizedType type = op.getQuantizedType();
  if (auto perAxis =
          dyn_cast_or_null<quant::UniformQuantizedPerAxisType>(type)) {
    llvm::append_range(grid.scales, perAxis.getScales());
    grid.axis = perAxis.getQuantizedDimension();
    return grid;
  }
  if (auto perTensor = dyn_cast_or_null<quant::UniformQuantizedType>(type)) {
    grid.scales.push_back(perTensor.getScale());
    return grid;
  }
  return std::nullopt;
}

SmallVector<std::optional<OutputGrid>>
mlir::qat::getOutputGrids(func::FuncOp func) {
  SmallVector<std::optional<OutputGrid>> grids(func.getNumResults());
  func.walk([&](func::ReturnOp ret) {
    for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
      // A per-tensor grid also holds through reshapes of its tensor.
      while (isa_and_nonnull<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
                             tensor::ReshapeOp>(v.getDefiningOp()))
        v = v.getDefiningOp()->getOperand(0);
      auto fq = v.getDefiningOp<FakeQuantOpInterface>();
      if (!fq)
        continue;
      std::optional<OutputGrid> grid = getGrid(fq);
      if (grid && (!grid->axis || v == ret.getOperand(i)))
        grids[i] = std::move(grid);
    }
  });
  return grids;
}

Agreement mlir::qat::compareOutputs(const HostTensor &got,
                                    const HostTensor &reference,
                                    const std::optional<OutputGrid> &grid) {
  Agreement a;
  a.inSteps = grid.has_value();
  a.total = got.getNumElements();
  std::optional<ChannelIndexer> channels;
  if (grid)
    channels.emplace(got.shape, grid->axis);
  for (int64_t i = 0; i < a.total; ++i) {
    double g = got.getAsDouble(i), r = reference.getAsDouble(i);
    double diff;
    if (std::isnan(g) || std::isnan(r))
      diff = std::isnan(g) && std::isnan(r) ? 0 : INFINITY;
    else if (g == r)
      diff = 0;
    else if (grid)
      diff = std::round(
          std::abs(g - r) /
          grid->scales[grid->scales.size() == 1 ? 0 : channels->channelOf(i)]);
    else
      diff = std::abs(g - r);
    if (diff == 0)
      ++a.exact;
    if (a.worstIndex < 0 || diff > a.maxDifference) {
      a.maxDifference = diff;
      a.worstIndex = i;
      a.worstValue = g;
      a.worstReference = r;
    }
  }
  return a;
}

bool mlir::qat::isWithinTolerance(const Agreement &a) {
  return a.inSteps ? a.maxDifference <= 1 : a.maxDifference == 0;
}

void mlir::qat::accumulate(Agreement &total, const Agreement &other) {
  total.total += other.total;
  total.exact += other.exact;
  total.inSteps = other.inSteps;
  if (other.maxDifference > total.maxDifference || total.worstIndex < 0) {
    total.maxDifference = other.maxDifference;
    total.worstIndex = other.worstIndex;
    total.worstValue = other.worstValue;
    total.worstReference = other.worstReference;
  }
}
