//===- Layers.cpp - a QAT graph split into layers for --check -------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Execution/Layers.h"

#include "qat/Dialect/QAT/IR/QATOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::qat;

/// True when `op` reads a value of `tainted`, as an operand or from inside
/// its regions.
static bool readsAny(Operation &op, const DenseSet<Value> &tainted) {
  if (llvm::any_of(op.getOperands(),
                   [&](Value v) { return tainted.contains(v); }))
    return true;
  if (op.getNumRegions() == 0)
    return false;
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(op.getRegions(), captured);
  return llvm::any_of(captured, [&](Value v) { return tainted.contains(v); });
}

FailureOr<LayerSplit> mlir::qat::findLayers(func::FuncOp func) {
  if (!func.getBody().hasOneBlock())
    return emitError(func.getLoc())
           << "--check compares the program layer by layer and needs a "
              "function body of one block; @"
           << func.getSymName() << " has " << func.getBody().getBlocks().size();
  Block &body = func.getBody().front();
  // Forward from the arguments: a fake-quant whose input does not depend on
  // them quantizes a constant (a weight) and stays inside its layer.
  DenseSet<Value> fromArguments(body.args_begin(), body.args_end());
  LayerSplit split;
  for (Operation &op : body.without_terminator()) {
    if (!readsAny(op, fromArguments))
      continue;
    fromArguments.insert(op.result_begin(), op.result_end());
    if (isa<FakeQuantOpInterface>(op))
      split.boundaries.push_back(&op);
  }
  for (OpOperand &result : body.getTerminator()->getOpOperands()) {
    Operation *def = result.get().getDefiningOp();
    if (def && !llvm::is_contained(split.boundaries, def))
      split.tailResults.push_back(result.getOperandNumber());
  }
  return split;
}

Operation *mlir::qat::getLayerEnd(func::FuncOp func, const LayerSplit &split,
                                  size_t index) {
  if (std::optional<unsigned> result = split.getTailResult(index))
    return func.getBody()
        .front()
        .getTerminator()
        ->getOperand(*result)
        .getDefiningOp();
  return split.boundaries[index];
}

/// A new function of `type` after `func`, with its entry block, named
/// `name` (or, when that is taken, `name` with a suffix).
static func::FuncOp createNextTo(func::FuncOp func, StringRef name,
                                 FunctionType type) {
  auto added = func::FuncOp::create(func.getLoc(), name, type);
  added.addEntryBlock();
  SymbolTable(func->getParentOp())
      .insert(added, std::next(Block::iterator(func)));
  return added;
}

func::FuncOp mlir::qat::addTraceFunction(func::FuncOp func,
                                         const LayerSplit &split,
                                         StringRef name) {
  SmallVector<Type> results(func.getResultTypes());
  for (Operation *boundary : split.boundaries)
    results.push_back(boundary->getResult(0).getType());
  func::FuncOp trace = createNextTo(
      func, name,
      FunctionType::get(func.getContext(), func.getArgumentTypes(), results));
  Block *entry = &trace.getBody().front();
  IRMapping map;
  map.map(func.getArguments(), entry->getArguments());
  OpBuilder b = OpBuilder::atBlockEnd(entry);
  Block &body = func.getBody().front();
  for (Operation &op : body.without_terminator())
    b.clone(op, map);
  Operation *ret = body.getTerminator();
  SmallVector<Value> values;
  for (Value v : ret->getOperands())
    values.push_back(map.lookupOrDefault(v));
  for (Operation *boundary : split.boundaries)
    values.push_back(map.lookup(boundary->getResult(0)));
  func::ReturnOp::create(b, ret->getLoc(), values);
  return trace;
}

func::FuncOp mlir::qat::addPerLayerFunction(func::FuncOp func,
                                            const LayerSplit &split,
                                            StringRef name) {
  SmallVector<Type> args(func.getArgumentTypes()), results;
  for (Operation *boundary : split.boundaries) {
    args.push_back(boundary->getResult(0).getType());
    results.push_back(boundary->getResult(0).getType());
  }
  Block &body = func.getBody().front();
  Operation *ret = body.getTerminator();
  for (unsigned i : split.tailResults)
    results.push_back(ret->getOperand(i).getType());
  func::FuncOp layers = createNextTo(
      func, name, FunctionType::get(func.getContext(), args, results));
  Block *entry = &layers.getBody().front();
  IRMapping map;
  map.map(func.getArguments(),
          entry->getArguments().take_front(func.getNumArguments()));
  OpBuilder b = OpBuilder::atBlockEnd(entry);
  SmallVector<Value> values;
  auto nextBoundary = split.boundaries.begin();
  for (Operation &op : body.without_terminator()) {
    Operation *copy = b.clone(op, map);
    if (nextBoundary == split.boundaries.end() || &op != *nextBoundary)
      continue;
    // The layer's output, computed from its inputs' reference values...
    values.push_back(copy->getResult(0));
    // ...and what the layers after it read: the reference's value, put back
    // on the grid by the same fake-quant (the input is operand 0).
    Value reference = entry->getArgument(
        func.getNumArguments() + (nextBoundary - split.boundaries.begin()));
    Operation *onGrid = b.clone(op, map);
    onGrid->setOperand(0, reference);
    map.map(op.getResult(0), onGrid->getResult(0));
    ++nextBoundary;
  }
  for (unsigned i : split.tailResults)
    values.push_back(map.lookup(ret->getOperand(i)));
  func::ReturnOp::create(b, ret->getLoc(), values);
  return layers;
}

/// `v` + `delta`, element-wise, after `v`'s definition.
static Value addConstant(OpBuilder &b, Location loc, Value v, double delta) {
  auto type = cast<RankedTensorType>(v.getType());
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> parallel(type.getRank(),
                                            utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, ValueRange{}, ValueRange{v},
      ArrayRef<AffineMap>{identity}, parallel,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange elements) {
        Value c = arith::ConstantOp::create(
            nested, nestedLoc,
            nested.getFloatAttr(type.getElementType(), delta));
        Value sum = arith::AddFOp::create(nested, nestedLoc, elements[0], c);
        linalg::YieldOp::create(nested, nestedLoc, sum);
      });
  return generic.getResult(0);
}

void mlir::qat::perturbLayer(func::FuncOp func, const LayerSplit &split,
                             size_t index, double delta) {
  OpBuilder b(func.getContext());
  if (index < split.boundaries.size()) {
    Operation *boundary = split.boundaries[index];
    b.setInsertionPoint(boundary);
    boundary->setOperand(
        0, addConstant(b, boundary->getLoc(), boundary->getOperand(0), delta));
    return;
  }
  Operation *ret = func.getBody().front().getTerminator();
  unsigned result = *split.getTailResult(index);
  b.setInsertionPoint(ret);
  ret->setOperand(
      result, addConstant(b, ret->getLoc(), ret->getOperand(result), delta));
}
