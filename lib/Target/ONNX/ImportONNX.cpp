//===- ImportONNX.cpp - ONNX QDQ models to QAT graphs ---------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// Walks the nodes of an ONNX graph in order (ONNX requires a topological
// order) and emits linalg on f32 tensors, `qat.fake_quant` for
// QuantizeLinear -> DequantizeLinear pairs and `qat.quantize` /
// `qat.dequantize` where the model has real integer tensors. The mapping and
// its limits are in docs/ONNX.md. Upstream MLIR has no ONNX importer (the
// onnx-mlir and torch-mlir ones are separate projects with their own
// dialects), so this one reads the protobuf through Debian's libonnx.
//
//===----------------------------------------------------------------------===//

#include "qat/Target/ONNX/ImportONNX.h"

#include "Importer.h"

#include "qat/Dialect/QAT/IR/QATOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "qat/Dialect/QAT/IR/QATDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>

#include <limits>

using namespace mlir;
using namespace mlir::qat;
using namespace mlir::qat::onnx_import;

/// The op types the importer maps (for the "unsupported op" message).
static constexpr const char *kSupportedOps =
    "QuantizeLinear, DequantizeLinear, MatMul, Gemm, Conv, Add, Mul, Relu, "
    "Clip, MaxPool, AveragePool, GlobalAveragePool, Reshape, Flatten, "
    "Transpose, Concat, Squeeze, Unsqueeze, Identity, Constant, "
    "QLinearMatMul, QLinearConv, MatMulInteger, ConvInteger";

//===----------------------------------------------------------------------===//
// Nodes
//===----------------------------------------------------------------------===//

LogicalResult Importer::importNode(const onnx::NodeProto &node) {
  loc = nodeLoc(node);
  nodeName = node.name().empty()
                 ? (node.output_size() ? node.output(0) : std::string("?"))
                 : node.name();
  opType = node.op_type();
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return nodeError("is in domain '" + node.domain() +
                     "'; qat imports the default ONNX domain only");
  StringRef op = opType;

  auto input = [&](int i) { return lookup(node, i); };
  auto defineResult = [&](FailureOr<Tensor> t) -> LogicalResult {
    if (failed(t))
      return failure();
    return define(node, 0, std::move(*t));
  };
  auto axisAttr = [&]() -> std::optional<int64_t> {
    if (const onnx::AttributeProto *a = attr(node, "axis"))
      return a->i();
    return std::nullopt;
  };

  if (op == "Constant") {
    const onnx::AttributeProto *value = attr(node, "value");
    if (!value || !value->has_t())
      return nodeError("supported only with a 'value' tensor attribute");
    FailureOr<Tensor> t = readInitializer(value->t());
    return defineResult(t);
  }
  if (op == "Identity") {
    FailureOr<Tensor *> x = input(0);
    if (failed(x))
      return failure();
    return define(node, 0, **x);
  }
  if (op == "QuantizeLinear") {
    FailureOr<Tensor *> x = input(0);
    if (failed(x))
      return failure();
    if (intAttr(node, "saturate", 1) != 1)
      return nodeError("has saturate = 0");
    if (intAttr(node, "block_size", 0) != 0)
      return nodeError("quantizes in blocks (block_size); supported: per "
                       "tensor and per axis");
    // Without a zero point the storage type is output_dtype's (opset 21),
    // uint8 by default.
    int64_t dtype = intAttr(node, "output_dtype", onnx::TensorProto::UINT8);
    if (!hasInput(node, 2) && dtype != onnx::TensorProto::UINT8 &&
        dtype != onnx::TensorProto::INT8)
      return nodeError("quantizes to " + dataTypeName(dtype) +
                       "; supported: UINT8, INT8");
    FailureOr<Grid> grid =
        readGrid(node, 1, 2, (*x)->type.getRank(), axisAttr(),
                 /*storageSigned=*/dtype == onnx::TensorProto::INT8);
    if (failed(grid))
      return failure();
    return defineResult(quantizeLinear(**x, *grid, node.input(0)));
  }
  if (op == "DequantizeLinear") {
    if (intAttr(node, "block_size", 0) != 0)
      return nodeError("dequantizes in blocks (block_size); supported: per "
                       "tensor and per axis");
    return defineResult(dequantizeNode(node, 0, 1, 2, axisAttr()));
  }
  if (op == "Relu" || op == "Clip") {
    FailureOr<Tensor *> x = input(0);
    if (failed(x))
      return failure();
    float lo = 0, hi = std::numeric_limits<float>::infinity();
    if (op == "Clip") {
      lo = -std::numeric_limits<float>::infinity();
      if (opset < 11) {
        lo = floatAttr(node, "min", lo);
        hi = floatAttr(node, "max", hi);
      } else {
        for (int i : {1, 2}) {
          if (!hasInput(node, i))
            continue;
          FailureOr<DenseElementsAttr> c =
              constantOf(node, i, i == 1 ? "min" : "max");
          if (failed(c))
            return failure();
          if (!c->getElementType().isF32() || c->getNumElements() != 1)
            return nodeError("min and max must be FLOAT scalars");
          (i == 1 ? lo : hi) = *c->getValues<float>().begin();
        }
      }
    }
    return defineResult(activation(**x, node.input(0), lo, hi));
  }
  if (op == "Add" || op == "Mul") {
    FailureOr<Tensor *> x = input(0), y = input(1);
    if (failed(x) || failed(y))
      return failure();
    bool isAdd = op == "Add";
    return defineResult(elementwise(
        {*x, *y}, [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
          if (isAdd)
            return arith::AddFOp::create(nb, l, args[0], args[1]);
          return arith::MulFOp::create(nb, l, args[0], args[1]);
        }));
  }
  if (op == "MatMul") {
    FailureOr<Tensor *> a = input(0), w = input(1);
    if (failed(a) || failed(w))
      return failure();
    return defineResult(matmul(**a, **w));
  }
  if (op == "Gemm") {
    FailureOr<Tensor *> a = input(0), w = input(1);
    if (failed(a) || failed(w))
      return failure();
    if ((*a)->type.getRank() != 2 || (*w)->type.getRank() != 2)
      return nodeError("has inputs that are not 2-D");
    Tensor lhs = **a, rhs = **w;
    if (intAttr(node, "transA", 0)) {
      FailureOr<Tensor> t = transposeTensor(lhs, {1, 0});
      if (failed(t))
        return failure();
      lhs = *t;
    }
    if (intAttr(node, "transB", 0)) {
      FailureOr<Tensor> t = transposeTensor(rhs, {1, 0});
      if (failed(t))
        return failure();
      rhs = *t;
    }
    FailureOr<Tensor> y = matmul(lhs, rhs);
    if (failed(y))
      return failure();
    float alpha = floatAttr(node, "alpha", 1.0f);
    float beta = floatAttr(node, "beta", 1.0f);
    if (alpha != 1.0f) {
      Tensor scale;
      scale.type = RankedTensorType::get({}, b.getF32Type());
      scale.constant =
          DenseElementsAttr::get(scale.type, ArrayRef<float>(alpha));
      y = elementwise({&*y, &scale},
                      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                        return arith::MulFOp::create(nb, l, args[0], args[1]);
                      });
      if (failed(y))
        return failure();
    }
    if (!hasInput(node, 2) || beta == 0.0f)
      return define(node, 0, *y);
    FailureOr<Tensor *> c = input(2);
    if (failed(c))
      return failure();
    Tensor bias = **c;
    if (beta != 1.0f) {
      if (!bias.constant || bias.grid)
        return nodeError("has beta != 1 with a non-constant C");
      SmallVector<float> v(bias.constant.getValues<float>());
      for (float &e : v)
        e *= beta;
      bias.constant = DenseElementsAttr::get(bias.type, ArrayRef<float>(v));
    }
    // A per-column C (N or 1 x N) is a bias; otherwise C broadcasts like
    // numpy.
    ArrayRef<int64_t> cShape = bias.type.getShape();
    int64_t n = y->type.getDimSize(1);
    if (bias.constant &&
        ((cShape.size() == 1 && cShape[0] == n) ||
         (cShape.size() == 2 && cShape[0] == 1 && cShape[1] == n)))
      return defineResult(addBias(*y, bias, 1));
    return defineResult(elementwise(
        {&*y, &bias}, [](OpBuilder &nb, Location l, ValueRange args) -> Value {
          return arith::AddFOp::create(nb, l, args[0], args[1]);
        }));
  }
  if (op == "Conv") {
    FailureOr<Tensor *> x = input(0), w = input(1);
    if (failed(x) || failed(w))
      return failure();
    Tensor *bias = nullptr;
    if (hasInput(node, 2)) {
      FailureOr<Tensor *> t = input(2);
      if (failed(t))
        return failure();
      bias = *t;
    }
    return defineResult(conv(node, **x, **w, bias));
  }
  if (op == "QLinearMatMul" || op == "QLinearConv") {
    // Dequantize the operands, the float op, quantize the result: what
    // the ONNX definition states, in the form qat turns into integers.
    FailureOr<Tensor> a = dequantizeNode(node, 0, 1, 2, std::nullopt);
    if (failed(a))
      return failure();
    FailureOr<Tensor *> wq = input(3);
    if (failed(wq))
      return failure();
    std::optional<int64_t> wAxis;
    if (op == "QLinearConv")
      wAxis = 0;
    else
      wAxis = (*wq)->type.getRank() - 1;
    FailureOr<Tensor> w = dequantizeNode(node, 3, 4, 5, wAxis);
    if (failed(w))
      return failure();
    std::optional<Tensor> bt;
    if (op == "QLinearConv" && hasInput(node, 8)) {
      // The int32 bias has scale x_scale * w_scale (per output channel
      // when the weight's is), zero point 0.
      FailureOr<SmallVector<float>> xs = readScales(node, 1);
      FailureOr<SmallVector<float>> ws = readScales(node, 4);
      FailureOr<Tensor *> bq = input(8);
      if (failed(xs) || failed(ws) || failed(bq))
        return failure();
      if (!(*bq)->constant)
        return nodeError("the bias must be a constant");
      SmallVector<float> scales;
      for (float s : *ws)
        scales.push_back((*xs)[0] * s);
      // The bias is read as one value per output channel, whatever its
      // shape; the weight's scales are one or one per output channel.
      int64_t count = (*bq)->type.getNumElements();
      if (scales.size() > 1 && count != static_cast<int64_t>(scales.size()))
        return nodeError("the bias has " + Twine(count) + " values for " +
                         Twine(scales.size()) + " output channels");
      bt.emplace();
      bt->type = RankedTensorType::get({count}, b.getF32Type());
      DenseElementsAttr flat = (*bq)->constant.reshape(
          bt->type.clone((*bq)->constant.getElementType()));
      SmallVector<int64_t> zeroPoints(scales.size(), 0);
      std::optional<int64_t> axis;
      if (scales.size() > 1)
        axis = 0;
      bt->constant = DenseElementsAttr::get(
          bt->type,
          ArrayRef<float>(dequantizeInt32(flat, scales, zeroPoints, axis)));
    }
    FailureOr<Tensor> y = op == "QLinearConv"
                              ? conv(node, *a, *w, bt ? &*bt : nullptr)
                              : matmul(*a, *w);
    if (failed(y))
      return failure();
    FailureOr<Grid> grid =
        readGrid(node, 6, 7, y->type.getRank(), std::nullopt, false);
    if (failed(grid))
      return failure();
    std::string name = node.output(0) + "#float";
    values[name] = *y;
    return defineResult(quantizeLinear(values[name], *grid, name));
  }
  if (op == "MatMulInteger")
    return defineResult(integerMatmul(node));
  if (op == "ConvInteger")
    return defineResult(integerConv(node));
  if (op == "MaxPool" || op == "AveragePool") {
    FailureOr<Tensor *> x = input(0);
    if (failed(x))
      return failure();
    return defineResult(pool(node, **x, op == "MaxPool"));
  }
  if (op == "GlobalAveragePool") {
    FailureOr<Tensor *> x = input(0);
    if (failed(x))
      return failure();
    return defineResult(globalAveragePool(**x));
  }
  if (op == "Transpose") {
    FailureOr<Tensor *> x = input(0);
    if (failed(x))
      return failure();
    int64_t rank = (*x)->type.getRank();
    SmallVector<int64_t> perm;
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
    if (auto p = intsAttr(node, "perm"))
      perm = *p;
    SmallVector<int64_t> sorted(perm);
    llvm::sort(sorted);
    for (int64_t d = 0; d < rank; ++d)
      if (static_cast<int64_t>(sorted.size()) != rank || sorted[d] != d)
        return nodeError("has an invalid perm");
    return defineResult(transposeTensor(**x, perm));
  }
  if (op == "Reshape" || op == "Flatten" || op == "Squeeze" ||
      op == "Unsqueeze") {
    FailureOr<Tensor *> x = input(0);
    if (failed(x))
      return failure();
    ArrayRef<int64_t> in = (*x)->type.getShape();
    int64_t rank = in.size();
    SmallVector<int64_t> shape;
    if (op == "Reshape") {
      FailureOr<SmallVector<int64_t>> target = intsOf(node, 1, "the shape");
      if (failed(target))
        return failure();
      bool allowZero = intAttr(node, "allowzero", 0) != 0;
      int64_t known = 1, inferred = -1;
      for (auto [i, d] : llvm::enumerate(*target)) {
        if (d == 0 && !allowZero) {
          if (static_cast<int64_t>(i) >= rank)
            return nodeError("copies a dimension the input lacks");
          d = in[i];
        }
        if (d == -1) {
          if (inferred >= 0)
            return nodeError("has two -1 sizes");
          inferred = i;
        } else if (d < 0) {
          return nodeError("has a negative size");
        } else {
          known *= d;
        }
        shape.push_back(d);
      }
      if (inferred >= 0) {
        if (known == 0 || (*x)->type.getNumElements() % known)
          return nodeError("cannot infer its -1 size");
        shape[inferred] = (*x)->type.getNumElements() / known;
      }
    } else if (op == "Flatten") {
      int64_t axis = intAttr(node, "axis", 1);
      if (axis < 0)
        axis += rank;
      if (axis < 0 || axis > rank)
        return nodeError("has axis out of range");
      int64_t outer = 1;
      for (int64_t d = 0; d < axis; ++d)
        outer *= in[d];
      shape = {outer,
               (*x)->type.getNumElements() / std::max<int64_t>(outer, 1)};
    } else {
      SmallVector<int64_t> axes;
      if (opset >= 13 && hasInput(node, 1)) {
        FailureOr<SmallVector<int64_t>> a = intsOf(node, 1, "the axes");
        if (failed(a))
          return failure();
        axes = *a;
      } else if (auto a = intsAttr(node, "axes")) {
        axes = *a;
      }
      bool squeeze = op == "Squeeze";
      int64_t outRank = squeeze ? rank : rank + axes.size();
      for (int64_t &a : axes) {
        if (a < 0)
          a += squeeze ? rank : outRank;
        if (a < 0 || a >= (squeeze ? rank : outRank))
          return nodeError("has an axis out of range");
      }
      if (squeeze) {
        for (int64_t d = 0; d < rank; ++d) {
          bool listed = llvm::is_contained(axes, d);
          if (listed && in[d] != 1)
            return nodeError("squeezes a dimension of size " + Twine(in[d]));
          if (!(listed || (axes.empty() && in[d] == 1)))
            shape.push_back(in[d]);
        }
      } else {
        for (int64_t d = 0, i = 0; d < outRank; ++d)
          shape.push_back(llvm::is_contained(axes, d) ? 1 : in[i++]);
      }
    }
    return defineResult(reshapeTensor(**x, shape));
  }
  if (op == "Concat") {
    SmallVector<Tensor *> ins;
    for (int i = 0; i < node.input_size(); ++i) {
      FailureOr<Tensor *> t = input(i);
      if (failed(t))
        return failure();
      ins.push_back(*t);
    }
    if (ins.empty())
      return nodeError("has no inputs");
    int64_t rank = ins[0]->type.getRank();
    int64_t axis = intAttr(node, "axis", 0);
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis >= rank)
      return nodeError("has axis out of range");
    SmallVector<int64_t> shape(ins[0]->type.getShape());
    shape[axis] = 0;
    for (Tensor *t : ins) {
      if (t->type.getRank() != rank || !t->isFloat())
        return nodeError("concatenates tensors of different ranks or types");
      for (int64_t d = 0; d < rank; ++d)
        if (d != axis && t->type.getDimSize(d) != ins[0]->type.getDimSize(d))
          return nodeError("concatenates tensors of different sizes");
      shape[axis] += t->type.getDimSize(axis);
    }
    // In NHWC when the inputs are held so (channel concatenation of CNNs).
    bool nhwc = rank == 4 && llvm::all_of(ins, [](Tensor *t) {
                  return t->nhwc || t->constant;
                });
    SmallVector<Value> vs;
    for (Tensor *t : ins) {
      FailureOr<Value> v = materialize(*t, nhwc);
      if (failed(v))
        return failure();
      vs.push_back(*v);
    }
    Tensor r;
    r.type = RankedTensorType::get(shape, b.getF32Type());
    r.nhwc = nhwc;
    r.value =
        tensor::ConcatOp::create(b, loc, nhwc ? kNCHWToNHWC[axis] : axis, vs);
    return define(node, 0, r);
  }
  return nodeError(Twine("is not supported; supported ops: ") + kSupportedOps);
}

OwningOpRef<ModuleOp> Importer::run() {
  loc = FileLineColLoc::get(ctx, fileName, 0, 0);
  for (const onnx::OperatorSetIdProto &set : model.opset_import())
    if (set.domain().empty() || set.domain() == "ai.onnx")
      opset = set.version();
  if (opset < 10 || opset > 21) {
    error("the model uses opset " + Twine(opset) +
          " of the default domain; qat imports opsets 10 to 21");
    return nullptr;
  }
  const onnx::GraphProto &graph = model.graph();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());

  llvm::StringSet<> initializerNames;
  for (const onnx::TensorProto &init : graph.initializer()) {
    FailureOr<Tensor> t = readInitializer(init);
    if (failed(t))
      return nullptr;
    values[init.name()] = *t;
    initializerNames.insert(init.name());
  }
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const onnx::ValueInfoProto &in : graph.input()) {
    if (initializerNames.contains(in.name()))
      continue;
    bool isUnsigned;
    FailureOr<RankedTensorType> type = readValueType(in, isUnsigned);
    if (failed(type))
      return nullptr;
    argTypes.push_back(*type);
    argNames.push_back(in.name());
    values[in.name()].isUnsigned = isUnsigned;
  }
  for (const onnx::NodeProto &node : graph.node())
    for (const std::string &in : node.input())
      ++readers[in];
  for (const onnx::ValueInfoProto &out : graph.output())
    ++readers[out.name()];

  auto func =
      func::FuncOp::create(b, loc, "main", b.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(argNames)) {
    Tensor &t = values[name];
    t.type = cast<RankedTensorType>(argTypes[i]);
    t.value = entry->getArgument(i);
  }
  b.setInsertionPointToEnd(entry);
  for (const onnx::NodeProto &node : graph.node())
    if (failed(importNode(node)))
      return nullptr;

  loc = FileLineColLoc::get(ctx, fileName, 0, 0);
  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &out : graph.output()) {
    auto it = values.find(out.name());
    if (it == values.end()) {
      error("graph output '" + out.name() + "' is computed by no node");
      return nullptr;
    }
    bool isUnsigned;
    FailureOr<RankedTensorType> declared = readValueType(out, isUnsigned);
    if (succeeded(declared) &&
        (declared->getShape() != it->second.type.getShape() ||
         declared->getElementType() != it->second.type.getElementType())) {
      error("graph output '" + out.name() + "' is declared as " +
            typeString(*declared) + " but computes " +
            typeString(it->second.type));
      return nullptr;
    }
    FailureOr<Value> v = materialize(it->second);
    if (failed(v))
      return nullptr;
    results.push_back(*v);
  }
  func::ReturnOp::create(b, loc, results);
  func.setType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

OwningOpRef<ModuleOp> mlir::qat::importONNXModel(StringRef bytes,
                                                 StringRef fileName,
                                                 MLIRContext *context) {
  context->loadDialect<QATDialect, arith::ArithDialect, func::FuncDialect,
                       linalg::LinalgDialect, quant::QuantDialect,
                       tensor::TensorDialect>();
  Location fileLoc = FileLineColLoc::get(context, fileName, 0, 0);
  onnx::ModelProto model;
  if (bytes.empty() ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    emitError(fileLoc) << "not a valid ONNX model (the protobuf does not "
                          "parse; truncated or not an .onnx file)";
    return nullptr;
  }
  // The checker knows the operator schemas of libonnx's own release (opset
  // 17 for Debian 12's); it would reject newer attributes (e.g. opset 21's
  // output_dtype), so newer models rely on the importer's own checks, which
  // cover every input and attribute it reads.
  int64_t opset = 0,
          known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance()
                      .Map()
                      .at(onnx::ONNX_DOMAIN)
                      .second;
  for (const onnx::OperatorSetIdProto &set : model.opset_import())
    if (set.domain().empty() || set.domain() == "ai.onnx")
      opset = set.version();
  try {
    if (opset <= known)
      onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    std::string what = e.what();
    emitError(fileLoc) << "the ONNX checker rejects the model: "
                       << StringRef(what).trim();
    return nullptr;
  }
  return Importer(context, fileName, model).run();
}

void mlir::qat::registerImportONNXTranslation() {
  TranslateToMLIRRegistration registration(
      "import-onnx", "ONNX model (QDQ form) to a QAT graph",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        return importONNXModel(buffer->getBuffer(),
                               buffer->getBufferIdentifier(), context);
      },
      [](DialectRegistry &registry) {
        registry.insert<QATDialect, arith::ArithDialect, func::FuncDialect,
                        linalg::LinalgDialect, quant::QuantDialect,
                        tensor::TensorDialect>();
      });
}
