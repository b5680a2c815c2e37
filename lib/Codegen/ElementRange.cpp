//===- ElementRange.cpp - bounds on the elements of a tensor --------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Interval arithmetic over the scalar bodies of the linalg ops that produce
// a tensor. An integer's interval holds its value read signed when its
// lower end is negative and unsigned when its upper end leaves the signed
// range (one of the two readings always covers it, because only a trunci
// that fits one of them keeps a bound).
//
//===----------------------------------------------------------------------===//

#include "qat/Codegen/ElementRange.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::qat;

Interval Interval::unbounded() {
  double inf = std::numeric_limits<double>::infinity();
  return {-inf, inf};
}

bool Interval::isBounded() const {
  return std::isfinite(lo) && std::isfinite(hi);
}

Interval Interval::join(Interval other) const {
  return {std::min(lo, other.lo), std::max(hi, other.hi)};
}

namespace {

/// Producers are followed this deep (a chain of element-wise ops).
constexpr int kMaxDepth = 12;

/// A sound result: NaN ends (inf - inf, 0 * inf) mean no bound.
Interval checked(double lo, double hi) {
  if (std::isnan(lo) || std::isnan(hi))
    return Interval::unbounded();
  return {lo, hi};
}

/// A constant integer read signed; wider than 64 bits (possible in the IR
/// this pass is given) means no bound rather than an assertion.
Interval pointOf(const APInt &x) {
  if (x.getSignificantBits() > 64)
    return Interval::unbounded();
  return Interval::point(static_cast<double>(x.getSExtValue()));
}

Interval hull(std::initializer_list<double> values) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values) {
    if (std::isnan(v))
      return Interval::unbounded();
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return {lo, hi};
}

/// The interval of a w-bit integer read signed ([-2^(w-1), 2^(w-1) - 1])
/// or unsigned ([0, 2^w - 1]); without a reading that covers `r`, all of
/// the reading's range.
Interval asSigned(Interval r, unsigned w) {
  double max = std::ldexp(1.0, w - 1) - 1, min = -max - 1;
  if (r.hi > max)
    return {min, max};
  return {std::max(r.lo, min), r.hi};
}
Interval asUnsigned(Interval r, unsigned w) {
  double max = std::ldexp(1.0, w) - 1;
  if (r.lo < 0)
    return {0, max};
  return {r.lo, std::min(r.hi, max)};
}

/// Bounds a signed integer result: one that may leave the signed range of
/// its type (wrap around) has none.
Interval wrapChecked(Interval r, Type t) {
  unsigned w = t.getIntOrFloatBitWidth();
  double max = std::ldexp(1.0, w - 1) - 1;
  if (r.lo < -max - 1 || r.hi > max)
    return Interval::unbounded();
  return r;
}

class RangeEvaluator {
public:
  explicit RangeEvaluator(int depth) : depth(depth) {}

  Interval tensor(Value t);

private:
  Interval scalar(Value v);
  Interval evaluate(Operation *op);
  Interval body(linalg::LinalgOp op, OpResult result);

  int depth;
  DenseMap<Value, Interval> known;
};

Interval RangeEvaluator::tensor(Value t) {
  if (depth <= 0)
    return Interval::unbounded();
  RangeEvaluator inner(depth - 1);
  Operation *def = t.getDefiningOp();
  if (!def)
    return Interval::unbounded();
  DenseElementsAttr attr;
  if (matchPattern(t, m_Constant(&attr))) {
    Interval r{std::numeric_limits<double>::infinity(),
               -std::numeric_limits<double>::infinity()};
    if (auto ints = dyn_cast<DenseIntElementsAttr>(attr))
      for (const APInt &x : ints.getValues<APInt>())
        r = r.join(pointOf(x));
    else if (auto floats = dyn_cast<DenseFPElementsAttr>(attr))
      for (const APFloat &x : floats.getValues<APFloat>())
        r = r.join(Interval::point(x.convertToDouble()));
    else
      return Interval::unbounded();
    return checked(r.lo, r.hi);
  }
  if (auto pad = dyn_cast<tensor::PadOp>(def)) {
    Value value = pad.getConstantPaddingValue();
    if (!value)
      return Interval::unbounded();
    return inner.tensor(pad.getSource()).join(inner.scalar(value));
  }
  if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp,
          tensor::ExtractSliceOp, tensor::CastOp>(def))
    return inner.tensor(def->getOperand(0));
  if (auto fill = dyn_cast<linalg::FillOp>(def))
    return inner.scalar(fill.getDpsInputs()[0]);
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(def))
    return inner.body(linalgOp, cast<OpResult>(t));
  return Interval::unbounded();
}

/// The yielded value of a linalg op's body, its block arguments bounded by
/// the operands they read.
Interval RangeEvaluator::body(linalg::LinalgOp op, OpResult result) {
  Block *block = op.getBlock();
  if (!block || !op.hasPureTensorSemantics())
    return Interval::unbounded();
  for (OpOperand &operand : op->getOpOperands()) {
    Value arg = op.getMatchingBlockArgument(&operand);
    // The output is read only by reductions; its initial value counts.
    if (!arg.use_empty())
      known[arg] = isa<RankedTensorType>(operand.get().getType())
                       ? tensor(operand.get())
                       : scalar(operand.get());
  }
  auto yield = cast<linalg::YieldOp>(block->getTerminator());
  Interval r = scalar(yield->getOperand(result.getResultNumber()));
  // A reduction joins its results with its initial values.
  if (op.getNumReductionLoops() > 0)
    r = r.join(tensor(op.getDpsInits()[result.getResultNumber()]));
  return r;
}

Interval RangeEvaluator::scalar(Value v) {
  if (auto it = known.find(v); it != known.end())
    return it->second;
  Interval r = Interval::unbounded();
  if (Operation *def = v.getDefiningOp();
      def && def->getNumResults() == 1 && known.size() < 256)
    r = evaluate(def);
  // Never wider than the integer type allows, in either reading.
  if (v.getType().isSignlessInteger() && !r.isBounded()) {
    unsigned w = v.getType().getIntOrFloatBitWidth();
    r = {std::max(r.lo, -std::ldexp(1.0, w - 1)),
         std::min(r.hi, std::ldexp(1.0, w) - 1)};
  }
  known[v] = r;
  return r;
}

Interval RangeEvaluator::evaluate(Operation *op) {
  auto operand = [&](unsigned i) { return scalar(op->getOperand(i)); };
  auto width = [&](Value v) { return v.getType().getIntOrFloatBitWidth(); };
  Type type = op->getResult(0).getType();
  return llvm::TypeSwitch<Operation *, Interval>(op)
      .Case<arith::ConstantOp>([&](arith::ConstantOp c) {
        if (auto i = dyn_cast<IntegerAttr>(c.getValue()))
          return pointOf(i.getValue());
        if (auto f = dyn_cast<FloatAttr>(c.getValue()))
          return checked(f.getValueAsDouble(), f.getValueAsDouble());
        return Interval::unbounded();
      })
      .Case<arith::AddFOp, arith::AddIOp>([&](Operation *) {
        Interval a = operand(0), b = operand(1);
        Interval r = checked(a.lo + b.lo, a.hi + b.hi);
        return isa<IntegerType>(type) ? wrapChecked(r, type) : r;
      })
      .Case<arith::SubFOp, arith::SubIOp>([&](Operation *) {
        Interval a = operand(0), b = operand(1);
        Interval r = checked(a.lo - b.hi, a.hi - b.lo);
        return isa<IntegerType>(type) ? wrapChecked(r, type) : r;
      })
      .Case<arith::MulFOp, arith::MulIOp>([&](Operation *) {
        Interval a = operand(0), b = operand(1);
        Interval r = hull({a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi});
        return isa<IntegerType>(type) ? wrapChecked(r, type) : r;
      })
      .Case<arith::DivFOp>([&](Operation *) {
        Interval a = operand(0), b = operand(1);
        if (b.lo <= 0 && b.hi >= 0)
          return Interval::unbounded();
        return hull({a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi});
      })
      .Case<arith::MaximumFOp, arith::MaxNumFOp, arith::MaxSIOp>(
          [&](Operation *) {
            Interval a = operand(0), b = operand(1);
            if (isa<arith::MaxSIOp>(op))
              a = asSigned(a, width(op->getOperand(0))),
              b = asSigned(b, width(op->getOperand(1)));
            return Interval{std::max(a.lo, b.lo), std::max(a.hi, b.hi)};
          })
      .Case<arith::MinimumFOp, arith::MinNumFOp, arith::MinSIOp>(
          [&](Operation *) {
            Interval a = operand(0), b = operand(1);
            if (isa<arith::MinSIOp>(op))
              a = asSigned(a, width(op->getOperand(0))),
              b = asSigned(b, width(op->getOperand(1)));
            return Interval{std::min(a.lo, b.lo), std::min(a.hi, b.hi)};
          })
      .Case<arith::MaxUIOp, arith::MinUIOp>([&](Operation *) {
        unsigned w = width(op->getOperand(0));
        Interval a = asUnsigned(operand(0), w), b = asUnsigned(operand(1), w);
        if (isa<arith::MaxUIOp>(op))
          return Interval{std::max(a.lo, b.lo), std::max(a.hi, b.hi)};
        return Interval{std::min(a.lo, b.lo), std::min(a.hi, b.hi)};
      })
      .Case<arith::SelectOp>([&](arith::SelectOp s) {
        return scalar(s.getTrueValue()).join(scalar(s.getFalseValue()));
      })
      // Monotone roundings to integral values.
      .Case<math::RoundEvenOp, math::RoundOp, math::FloorOp, math::CeilOp,
            math::TruncOp>([&](Operation *) {
        Interval a = operand(0);
        return Interval{std::floor(a.lo), std::ceil(a.hi)};
      })
      .Case<arith::FPToSIOp, arith::FPToUIOp>([&](Operation *) {
        // Truncation toward zero is monotone; out of range is poison.
        Interval a = operand(0);
        return wrapChecked({std::trunc(a.lo), std::trunc(a.hi)}, type);
      })
      .Case<arith::SIToFPOp, arith::UIToFPOp>([&](Operation *) {
        unsigned w = width(op->getOperand(0));
        Interval a = isa<arith::SIToFPOp>(op) ? asSigned(operand(0), w)
                                              : asUnsigned(operand(0), w);
        // Exact below 2^24 in any float type qat computes in.
        if (std::max(std::abs(a.lo), std::abs(a.hi)) > std::ldexp(1.0, 24))
          return Interval::unbounded();
        return a;
      })
      .Case<arith::ExtFOp>([&](Operation *) { return operand(0); })
      .Case<arith::ExtSIOp>([&](Operation *) {
        return asSigned(operand(0), width(op->getOperand(0)));
      })
      .Case<arith::ExtUIOp>([&](Operation *) {
        return asUnsigned(operand(0), width(op->getOperand(0)));
      })
      .Case<arith::TruncIOp>([&](Operation *) {
        // Keeps the value only when one reading of the narrow type holds it.
        Interval a = operand(0);
        unsigned w = width(op->getResult(0));
        double smax = std::ldexp(1.0, w - 1) - 1;
        if ((a.lo >= -smax - 1 && a.hi <= smax) ||
            (a.lo >= 0 && a.hi <= 2 * smax + 1))
          return a;
        return Interval::unbounded();
      })
      .Case<arith::ShRSIOp>([&](arith::ShRSIOp s) {
        // A shift by a known amount is a floor division.
        APInt amount;
        if (!matchPattern(s.getRhs(), m_ConstantInt(&amount)))
          return Interval::unbounded();
        Interval a = asSigned(operand(0), width(s.getLhs()));
        double d = std::ldexp(1.0, amount.getZExtValue());
        return Interval{std::floor(a.lo / d), std::floor(a.hi / d)};
      })
      .Default([](Operation *) { return Interval::unbounded(); });
}

} // namespace

Interval mlir::qat::getElementRange(Value tensor) {
  return RangeEvaluator(kMaxDepth).tensor(tensor);
}
