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

#include "ONNXTensors.h"

#include "qat/Dialect/QAT/IR/QATDialect.h"
#include "qat/Dialect/QAT/IR/QATOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <numeric>

using namespace mlir;
using namespace mlir::qat;
using namespace mlir::qat::onnx_import;

namespace {

/// The op types the importer maps (for the "unsupported op" message).
constexpr const char *kSupportedOps =
    "QuantizeLinear, DequantizeLinear, MatMul, Gemm, Conv, Add, Mul, Relu, "
    "Clip, MaxPool, AveragePool, GlobalAveragePool, Reshape, Flatten, "
    "Transpose, Concat, Squeeze, Unsqueeze, Identity, Constant, "
    "QLinearMatMul, QLinearConv, MatMulInteger, ConvInteger";

class Importer {
public:
  Importer(MLIRContext *ctx, StringRef fileName, const onnx::ModelProto &model)
      : ctx(ctx), b(ctx), fileName(fileName), model(model) {}

  OwningOpRef<ModuleOp> run();

private:
  // Diagnostics ----------------------------------------------------------
  Location nodeLoc(const onnx::NodeProto &node);
  InFlightDiagnostic error(const Twine &msg) { return emitError(loc) << msg; }
  InFlightDiagnostic nodeError(const Twine &msg) {
    return emitError(loc) << "node '" << nodeName << "' (" << opType
                          << "): " << msg;
  }

  // Values ---------------------------------------------------------------
  FailureOr<Tensor *> lookup(const onnx::NodeProto &node, int index);
  bool hasInput(const onnx::NodeProto &node, int index) {
    return index < node.input_size() && !node.input(index).empty();
  }
  LogicalResult define(const onnx::NodeProto &node, int index, Tensor t);
  FailureOr<Tensor> readInitializer(const onnx::TensorProto &proto);
  FailureOr<RankedTensorType> readValueType(const onnx::ValueInfoProto &info,
                                            bool &isUnsigned);
  FailureOr<DenseElementsAttr> constantOf(const onnx::NodeProto &node,
                                          int index, StringRef what);
  FailureOr<SmallVector<int64_t>> intsOf(const onnx::NodeProto &node, int index,
                                         StringRef what);

  /// The MLIR value of `t` in NHWC order (`nhwc`, 4-D only) or ONNX order.
  FailureOr<Value> materialize(Tensor &t, bool nhwc = false);
  Value transposeValue(Value v, ArrayRef<int64_t> perm);
  Value emptyTensor(ArrayRef<int64_t> shape, Type elementType);
  Value zeroFilled(ArrayRef<int64_t> shape, Type elementType, Attribute zero);

  // Import-time transformations of constants (so that weights stay
  // constants qat can quantize and pack) or emitted ops otherwise.
  FailureOr<Tensor> transposeTensor(Tensor &t, ArrayRef<int64_t> perm);
  FailureOr<Tensor> reshapeTensor(Tensor &t, ArrayRef<int64_t> shape);

  // Quantization -----------------------------------------------------------
  FailureOr<Grid> readGrid(const onnx::NodeProto &node, int scaleIndex,
                           int zeroPointIndex, int64_t rank,
                           std::optional<int64_t> axis, bool storageSigned);
  quant::QuantizedType gridType(const Grid &grid, bool nhwc);
  FailureOr<Tensor> quantizeLinear(Tensor &x, const Grid &grid, StringRef name);
  FailureOr<Tensor> dequantizeLinear(Tensor &q, const Grid &grid);
  FailureOr<Tensor> dequantizeNode(const onnx::NodeProto &node, int x,
                                   int scale, int zeroPoint,
                                   std::optional<int64_t> axis);
  Value fakeQuant(Value x, const Grid &grid, bool nhwc);

  // Op mapping -------------------------------------------------------------
  LogicalResult importNode(const onnx::NodeProto &node);
  using Body = function_ref<Value(OpBuilder &, Location, ValueRange)>;
  FailureOr<Tensor> elementwise(ArrayRef<Tensor *> inputs, Body body);
  FailureOr<Tensor> activation(Tensor &x, StringRef name, float lo, float hi);
  FailureOr<Tensor> matmul(Tensor &a, Tensor &w);
  FailureOr<Tensor> addBias(Tensor &acc, Tensor &bias, int64_t channelDim);
  FailureOr<Tensor> conv(const onnx::NodeProto &node, Tensor &x, Tensor &w,
                         Tensor *bias);
  FailureOr<Tensor> pool(const onnx::NodeProto &node, Tensor &x, bool isMax);
  FailureOr<Tensor> globalAveragePool(Tensor &x);
  FailureOr<Tensor> integerMatmul(const onnx::NodeProto &node);
  FailureOr<Tensor> integerConv(const onnx::NodeProto &node);
  LogicalResult readWindow(const onnx::NodeProto &node,
                           ArrayRef<int64_t> inputHW, ArrayRef<int64_t> kernel,
                           SmallVector<int64_t> &strides,
                           SmallVector<int64_t> &dilations,
                           SmallVector<int64_t> &pads,
                           SmallVector<int64_t> &outputHW, bool ceilMode);

  // Attributes -----------------------------------------------------------
  const onnx::AttributeProto *attr(const onnx::NodeProto &node, StringRef name);
  int64_t intAttr(const onnx::NodeProto &node, StringRef name, int64_t dflt);
  float floatAttr(const onnx::NodeProto &node, StringRef name, float dflt);
  std::string stringAttr(const onnx::NodeProto &node, StringRef name,
                         StringRef dflt);
  std::optional<SmallVector<int64_t>> intsAttr(const onnx::NodeProto &node,
                                               StringRef name);

  MLIRContext *ctx;
  OpBuilder b;
  std::string fileName;
  const onnx::ModelProto &model;
  int64_t opset = 0;
  Location loc = UnknownLoc::get(ctx);
  std::string nodeName, opType;
  llvm::StringMap<Tensor> values;
  /// How many nodes (and graph outputs) read each value: an activation is
  /// fused into the element-wise op that produced its input only when
  /// nothing else reads that input.
  llvm::StringMap<unsigned> readers;
};

} // namespace

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

const onnx::AttributeProto *Importer::attr(const onnx::NodeProto &node,
                                           StringRef name) {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t Importer::intAttr(const onnx::NodeProto &node, StringRef name,
                          int64_t dflt) {
  const onnx::AttributeProto *a = attr(node, name);
  return a ? a->i() : dflt;
}

float Importer::floatAttr(const onnx::NodeProto &node, StringRef name,
                          float dflt) {
  const onnx::AttributeProto *a = attr(node, name);
  return a ? a->f() : dflt;
}

std::string Importer::stringAttr(const onnx::NodeProto &node, StringRef name,
                                 StringRef dflt) {
  const onnx::AttributeProto *a = attr(node, name);
  return a ? a->s() : dflt.str();
}

std::optional<SmallVector<int64_t>>
Importer::intsAttr(const onnx::NodeProto &node, StringRef name) {
  const onnx::AttributeProto *a = attr(node, name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

Location Importer::nodeLoc(const onnx::NodeProto &node) {
  std::string name = node.name().empty()
                         ? (node.output_size() ? node.output(0) : "")
                         : node.name();
  return NameLoc::get(StringAttr::get(ctx, name),
                      FileLineColLoc::get(ctx, fileName, 0, 0));
}

/// The MLIR element type of an ONNX data type; isUnsigned for uint8.
static std::optional<Type> elementTypeOf(MLIRContext *ctx, int32_t dataType,
                                         bool &isUnsigned) {
  isUnsigned = false;
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return Float32Type::get(ctx);
  case onnx::TensorProto::UINT8:
    isUnsigned = true;
    return IntegerType::get(ctx, 8);
  case onnx::TensorProto::INT8:
    return IntegerType::get(ctx, 8);
  case onnx::TensorProto::INT32:
    return IntegerType::get(ctx, 32);
  case onnx::TensorProto::INT64:
    return IntegerType::get(ctx, 64);
  default:
    return std::nullopt;
  }
}

static std::string typeString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

static std::string dataTypeName(int32_t dataType) {
  return onnx::TensorProto::DataType_Name(
      static_cast<onnx::TensorProto::DataType>(dataType));
}

FailureOr<Tensor> Importer::readInitializer(const onnx::TensorProto &proto) {
  bool isUnsigned;
  std::optional<Type> elementType =
      elementTypeOf(ctx, proto.data_type(), isUnsigned);
  if (!elementType)
    return error("initializer '" + proto.name() + "' has data type " +
                 dataTypeName(proto.data_type()) +
                 "; supported: FLOAT, UINT8, INT8, INT32, INT64");
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    return error("initializer '" + proto.name() +
                 "' keeps its data in an external file, which qat does not "
                 "read; save the model with its data inside");
  SmallVector<int64_t> shape(proto.dims().begin(), proto.dims().end());
  for (int64_t d : shape)
    if (d < 0)
      return error("initializer '" + proto.name() + "' has a negative size");
  auto type = RankedTensorType::get(shape, *elementType);
  int64_t count = type.getNumElements();
  unsigned width = elementType->getIntOrFloatBitWidth();

  Tensor t;
  t.type = type;
  t.isUnsigned = isUnsigned;
  if (proto.has_raw_data()) {
    const std::string &raw = proto.raw_data();
    if (static_cast<int64_t>(raw.size()) != count * width / 8)
      return error("initializer '" + proto.name() + "' holds " +
                   Twine(raw.size()) + " bytes of data, its shape needs " +
                   Twine(count * width / 8));
    t.constant = DenseElementsAttr::getFromRawBuffer(
        type, ArrayRef<char>(raw.data(), raw.size()));
    return t;
  }
  // Typed fields: floats in float_data, int8/uint8/int32 in int32_data,
  // int64 in int64_data.
  int64_t have = isa<FloatType>(*elementType) ? proto.float_data_size()
                 : width == 64                ? proto.int64_data_size()
                                              : proto.int32_data_size();
  if (have != count)
    return error("initializer '" + proto.name() + "' holds " + Twine(have) +
                 " values, its shape needs " + Twine(count));
  if (isa<FloatType>(*elementType)) {
    SmallVector<float> data(proto.float_data().begin(),
                            proto.float_data().end());
    t.constant = DenseElementsAttr::get(type, ArrayRef<float>(data));
    return t;
  }
  SmallVector<APInt> data;
  for (int64_t i = 0; i < count; ++i) {
    int64_t v = width == 64 ? proto.int64_data(i) : proto.int32_data(i);
    data.push_back(APInt(width, static_cast<uint64_t>(v), /*isSigned=*/true,
                         /*implicitTrunc=*/true));
  }
  t.constant = DenseElementsAttr::get(type, data);
  return t;
}

FailureOr<RankedTensorType>
Importer::readValueType(const onnx::ValueInfoProto &info, bool &isUnsigned) {
  if (!info.type().has_tensor_type())
    return error("graph value '" + info.name() + "' is not a tensor");
  const onnx::TypeProto::Tensor &tensor = info.type().tensor_type();
  std::optional<Type> elementType =
      elementTypeOf(ctx, tensor.elem_type(), isUnsigned);
  if (!elementType)
    return error("graph value '" + info.name() + "' has data type " +
                 dataTypeName(tensor.elem_type()) +
                 "; supported: FLOAT, UINT8, INT8, INT32, INT64");
  if (!tensor.has_shape())
    return error("graph value '" + info.name() +
                 "' has no shape; qat compiles static shapes");
  SmallVector<int64_t> shape;
  for (const auto &dim : tensor.shape().dim()) {
    if (!dim.has_dim_value() || dim.dim_value() < 0)
      return error(
          "graph value '" + info.name() + "' has a dynamic size" +
          (dim.has_dim_param() ? " '" + dim.dim_param() + "'" : std::string()) +
          "; qat compiles static shapes (fix the size when "
          "exporting)");
    shape.push_back(dim.dim_value());
  }
  return RankedTensorType::get(shape, *elementType);
}

FailureOr<Tensor *> Importer::lookup(const onnx::NodeProto &node, int index) {
  if (!hasInput(node, index))
    return nodeError("input #" + Twine(index) + " is missing");
  auto it = values.find(node.input(index));
  if (it == values.end())
    return nodeError("input '" + node.input(index) +
                     "' is neither a graph input, an initializer nor the "
                     "output of an earlier node");
  return &it->second;
}

LogicalResult Importer::define(const onnx::NodeProto &node, int index,
                               Tensor t) {
  if (index >= node.output_size())
    return nodeError("has no output #" + Twine(index));
  values[node.output(index)] = std::move(t);
  return success();
}

FailureOr<DenseElementsAttr> Importer::constantOf(const onnx::NodeProto &node,
                                                  int index, StringRef what) {
  FailureOr<Tensor *> t = lookup(node, index);
  if (failed(t))
    return failure();
  if (!(*t)->constant || (*t)->grid)
    return nodeError(what + " ('" + node.input(index) +
                     "') must be a constant (an initializer or Constant "
                     "node)");
  return (*t)->constant;
}

FailureOr<SmallVector<int64_t>> Importer::intsOf(const onnx::NodeProto &node,
                                                 int index, StringRef what) {
  FailureOr<DenseElementsAttr> c = constantOf(node, index, what);
  if (failed(c))
    return failure();
  if (!isa<IntegerType>(c->getElementType()))
    return nodeError(what + " must hold integers");
  SmallVector<int64_t> out;
  for (const APInt &v : c->getValues<APInt>())
    out.push_back(v.getSExtValue());
  return out;
}

Value Importer::emptyTensor(ArrayRef<int64_t> shape, Type elementType) {
  return tensor::EmptyOp::create(b, loc, shape, elementType);
}

Value Importer::zeroFilled(ArrayRef<int64_t> shape, Type elementType,
                           Attribute zero) {
  Value c = arith::ConstantOp::create(b, loc, cast<TypedAttr>(zero));
  return linalg::FillOp::create(b, loc, ValueRange{c},
                                ValueRange{emptyTensor(shape, elementType)})
      .getResult(0);
}

Value Importer::transposeValue(Value v, ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  Value init = emptyTensor(shape, type.getElementType());
  return linalg::TransposeOp::create(b, loc, v, init, perm)->getResult(0);
}

/// The storage grid as an upstream quant type, its axis in the order the
/// value is held in.
quant::QuantizedType Importer::gridType(const Grid &grid, bool nhwc) {
  Type storage = IntegerType::get(ctx, 8);
  Type expressed = Float32Type::get(ctx);
  unsigned flags = grid.isSigned ? quant::QuantizationFlags::Signed : 0;
  int64_t lo = grid.isSigned ? -128 : 0, hi = grid.isSigned ? 127 : 255;
  if (!grid.axis)
    return quant::UniformQuantizedType::get(
        flags, storage, expressed, grid.scales[0], grid.zeroPoints[0], lo, hi);
  int64_t axis = nhwc ? kNCHWToNHWC[*grid.axis] : *grid.axis;
  return quant::UniformQuantizedPerAxisType::get(
      flags, storage, expressed, grid.scales, grid.zeroPoints, axis, lo, hi);
}

Value Importer::fakeQuant(Value x, const Grid &grid, bool nhwc) {
  IntegerAttr axis;
  if (grid.axis)
    axis = b.getI64IntegerAttr(nhwc ? kNCHWToNHWC[*grid.axis] : *grid.axis);
  return FakeQuantOp::create(b, loc, x.getType(), x, Value(), Value(),
                             b.getDenseF64ArrayAttr(grid.scales),
                             b.getDenseI64ArrayAttr(grid.zeroPoints), axis,
                             b.getI64IntegerAttr(8),
                             b.getBoolAttr(grid.isSigned));
}

FailureOr<Value> Importer::materialize(Tensor &t, bool nhwc) {
  nhwc = nhwc && t.type.getRank() == 4;
  if (!t.quantizedFrom.empty()) {
    Tensor &source = values[t.quantizedFrom];
    FailureOr<Value> x = materialize(source, nhwc);
    if (failed(x))
      return failure();
    auto type =
        RankedTensorType::get(cast<RankedTensorType>(x->getType()).getShape(),
                              IntegerType::get(ctx, 8));
    return QuantizeOp::create(b, loc, type, *x,
                              TypeAttr::get(gridType(*t.grid, nhwc)))
        .getResult();
  }
  if (t.constant) {
    Value c = arith::ConstantOp::create(b, loc, t.constant);
    if (t.grid)
      c = DequantizeOp::create(
          b, loc, RankedTensorType::get(t.type.getShape(), b.getF32Type()), c,
          TypeAttr::get(gridType(*t.grid, false)));
    return nhwc ? transposeValue(c, kNHWCToNCHW) : c;
  }
  if (t.nhwc == nhwc)
    return t.value;
  return transposeValue(t.value, nhwc ? kNHWCToNCHW : kNCHWToNHWC);
}

FailureOr<Tensor> Importer::transposeTensor(Tensor &t, ArrayRef<int64_t> perm) {
  Tensor r;
  r.isUnsigned = t.isUnsigned;
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(t.type.getDimSize(p));
  r.type = RankedTensorType::get(shape, t.type.getElementType());
  if (t.constant) {
    // Permute the contents now: a weight must stay a constant.
    SmallVector<Attribute> in(t.constant.getValues<Attribute>()), out;
    SmallVector<int64_t> inStrides(shape.size(), 1);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
      inStrides[d] = inStrides[d + 1] * t.type.getDimSize(d + 1);
    out.reserve(in.size());
    SmallVector<int64_t> index(shape.size(), 0);
    for (int64_t i = 0, e = r.type.getNumElements(); i < e; ++i) {
      int64_t offset = 0;
      for (size_t d = 0; d < shape.size(); ++d)
        offset += index[d] * inStrides[perm[d]];
      out.push_back(in[offset]);
      for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
        if (++index[d] < shape[d])
          break;
        index[d] = 0;
      }
    }
    // The contents' own type: storage integers under a grid.
    r.constant =
        DenseElementsAttr::get(r.type.clone(t.constant.getElementType()), out);
    if (t.grid) {
      r.grid = t.grid;
      if (t.grid->axis)
        r.grid->axis = llvm::find(perm, *t.grid->axis) - perm.begin();
    }
    return r;
  }
  FailureOr<Value> v = materialize(t);
  if (failed(v))
    return failure();
  r.value = transposeValue(*v, perm);
  return r;
}

FailureOr<Tensor> Importer::reshapeTensor(Tensor &t, ArrayRef<int64_t> shape) {
  Tensor r;
  r.isUnsigned = t.isUnsigned;
  r.type = RankedTensorType::get(shape, t.type.getElementType());
  if (r.type.getNumElements() != t.type.getNumElements())
    return nodeError("cannot reshape " + Twine(t.type.getNumElements()) +
                     " elements to " + Twine(r.type.getNumElements()));
  if (t.constant && (!t.grid || !t.grid->axis)) {
    r.constant = t.constant.reshape(r.type.clone(t.constant.getElementType()));
    r.grid = t.grid;
    return r;
  }
  if (t.constant && t.grid) {
    // A per-axis constant keeps its grid if the axis survives as a
    // dimension of the same size with the same number of elements after
    // it (e.g. a depthwise weight C x 1 x KH x KW -> C x KH x KW).
    int64_t axis = *t.grid->axis;
    int64_t inner = 1;
    for (int64_t d = axis + 1; d < t.type.getRank(); ++d)
      inner *= t.type.getDimSize(d);
    int64_t suffix = 1;
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (suffix == inner && shape[d] == t.type.getDimSize(axis)) {
        r.constant =
            t.constant.reshape(r.type.clone(t.constant.getElementType()));
        r.grid = t.grid;
        r.grid->axis = d;
        return r;
      }
      suffix *= shape[d];
    }
  }
  FailureOr<Value> v = materialize(t);
  if (failed(v))
    return failure();
  // Any static reshape is a collapse to 1-D followed by an expansion.
  Value flat = *v;
  auto flatType =
      RankedTensorType::get({t.type.getNumElements()}, t.type.getElementType());
  if (t.type.getRank() != 1) {
    ReassociationIndices all;
    for (int64_t d = 0; d < t.type.getRank(); ++d)
      all.push_back(d);
    SmallVector<ReassociationIndices> re;
    if (t.type.getRank() > 0)
      re.push_back(all);
    flat = tensor::CollapseShapeOp::create(b, loc, flatType, flat, re);
  }
  if (shape.size() == 1) {
    r.value = flat;
    return r;
  }
  ReassociationIndices all;
  for (size_t d = 0; d < shape.size(); ++d)
    all.push_back(d);
  SmallVector<ReassociationIndices> re;
  if (!shape.empty())
    re.push_back(all);
  r.value = tensor::ExpandShapeOp::create(b, loc, r.type, flat, re);
  return r;
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

FailureOr<Grid> Importer::readGrid(const onnx::NodeProto &node, int scaleIndex,
                                   int zeroPointIndex, int64_t rank,
                                   std::optional<int64_t> axis,
                                   bool storageSigned) {
  FailureOr<DenseElementsAttr> scales =
      constantOf(node, scaleIndex, "the scale");
  if (failed(scales))
    return failure();
  if (!scales->getElementType().isF32())
    return nodeError("the scale must be FLOAT");
  Grid g;
  g.isSigned = storageSigned;
  for (float s : scales->getValues<float>()) {
    if (!(s > 0) || !std::isfinite(s))
      return nodeError("scale " + std::to_string(s) +
                       " is not a positive finite number");
    g.scales.push_back(s);
  }
  int64_t channels = static_cast<int64_t>(g.scales.size());
  if (hasInput(node, zeroPointIndex)) {
    FailureOr<DenseElementsAttr> zps =
        constantOf(node, zeroPointIndex, "the zero point");
    if (failed(zps))
      return failure();
    FailureOr<Tensor *> zt = lookup(node, zeroPointIndex);
    auto intType = dyn_cast<IntegerType>(zps->getElementType());
    if (!intType || intType.getWidth() != 8)
      return nodeError("the zero point must be UINT8 or INT8 (got " +
                       Twine(intType ? intType.getWidth() : 0) +
                       "-bit data); 16-bit and float grids are not supported");
    g.isSigned = !(*zt)->isUnsigned;
    for (const APInt &v : zps->getValues<APInt>())
      g.zeroPoints.push_back(g.isSigned ? v.getSExtValue() : v.getZExtValue());
    if (static_cast<int64_t>(g.zeroPoints.size()) != channels)
      return nodeError("the scale has " + Twine(channels) +
                       " values but the zero point " +
                       Twine(g.zeroPoints.size()));
  } else {
    g.zeroPoints.assign(channels, 0);
  }
  // One scale is a per-tensor grid, whatever the axis says.
  if (channels == 1)
    return g;
  int64_t a = axis.value_or(1);
  if (a < 0)
    a += rank;
  if (a < 0 || a >= rank)
    return nodeError("axis " + Twine(axis.value_or(1)) +
                     " is out of range for rank " + Twine(rank));
  g.axis = a;
  return g;
}

FailureOr<Tensor> Importer::quantizeLinear(Tensor &x, const Grid &grid,
                                           StringRef name) {
  if (!x.isFloat())
    return nodeError("quantizes a non-float tensor");
  if (grid.axis &&
      x.type.getDimSize(*grid.axis) != static_cast<int64_t>(grid.scales.size()))
    return nodeError("has " + Twine(grid.scales.size()) +
                     " scales for a dimension of size " +
                     Twine(x.type.getDimSize(*grid.axis)));
  Tensor q;
  q.type = RankedTensorType::get(x.type.getShape(), b.getI8Type());
  q.isUnsigned = !grid.isSigned;
  q.grid = grid;
  q.quantizedFrom = name.str();
  return q;
}

FailureOr<Tensor> Importer::dequantizeLinear(Tensor &q, const Grid &grid) {
  if (grid.axis &&
      q.type.getDimSize(*grid.axis) != static_cast<int64_t>(grid.scales.size()))
    return nodeError("has " + Twine(grid.scales.size()) +
                     " scales for a dimension of size " +
                     Twine(q.type.getDimSize(*grid.axis)));
  Tensor r;
  r.type = RankedTensorType::get(q.type.getShape(), b.getF32Type());
  // QuantizeLinear -> DequantizeLinear on one grid: a fake-quant.
  if (!q.quantizedFrom.empty() && *q.grid == grid) {
    Tensor &x = values[q.quantizedFrom];
    FailureOr<Value> v = materialize(x, x.nhwc);
    if (failed(v))
      return failure();
    r.nhwc = x.nhwc && x.type.getRank() == 4;
    r.value = fakeQuant(*v, grid, r.nhwc);
    return r;
  }
  // A quantized initializer: the weight's grid, kept on the constant.
  if (q.constant && !q.grid) {
    r.constant = q.constant;
    r.grid = grid;
    return r;
  }
  bool nhwc = q.nhwc && q.type.getRank() == 4;
  FailureOr<Value> v = materialize(q, nhwc);
  if (failed(v))
    return failure();
  r.nhwc = nhwc;
  r.value = DequantizeOp::create(
      b, loc,
      RankedTensorType::get(cast<RankedTensorType>(v->getType()).getShape(),
                            b.getF32Type()),
      *v, TypeAttr::get(gridType(grid, nhwc)));
  return r;
}

/// Inputs x, scale, zero point of a DequantizeLinear-like node. An int32
/// initializer (a bias) becomes float values here: qat's requantization
/// takes the bias in float (docs/Semantics.md §8).
FailureOr<Tensor> Importer::dequantizeNode(const onnx::NodeProto &node, int x,
                                           int scale, int zeroPoint,
                                           std::optional<int64_t> axis) {
  FailureOr<Tensor *> q = lookup(node, x);
  if (failed(q))
    return failure();
  auto intType = dyn_cast<IntegerType>((*q)->type.getElementType());
  if (!intType)
    return nodeError("dequantizes a non-integer tensor");
  int64_t rank = (*q)->type.getRank();
  if (intType.getWidth() == 32) {
    if (!(*q)->constant)
      return nodeError("an INT32 input must be a constant (a bias)");
    FailureOr<DenseElementsAttr> scales = constantOf(node, scale, "the scale");
    if (failed(scales))
      return failure();
    SmallVector<float> s(scales->getValues<float>());
    SmallVector<int64_t> zp(s.size(), 0);
    if (hasInput(node, zeroPoint)) {
      FailureOr<SmallVector<int64_t>> z =
          intsOf(node, zeroPoint, "the zero point");
      if (failed(z))
        return failure();
      zp = *z;
    }
    int64_t a = axis.value_or(1);
    if (a < 0)
      a += rank;
    SmallVector<float> out;
    auto type = (*q)->type;
    int64_t inner = 1;
    if (s.size() > 1)
      for (int64_t d = a + 1; d < rank; ++d)
        inner *= type.getDimSize(d);
    int64_t i = 0;
    for (const APInt &v : (*q)->constant.getValues<APInt>()) {
      size_t c = s.size() > 1 ? (i / inner) % s.size() : 0;
      // As ONNX: the difference converted to float, times the scale.
      out.push_back(static_cast<float>(v.getSExtValue() - zp[c]) * s[c]);
      ++i;
    }
    Tensor r;
    r.type = RankedTensorType::get(type.getShape(), b.getF32Type());
    r.constant = DenseElementsAttr::get(r.type, ArrayRef<float>(out));
    return r;
  }
  if (intType.getWidth() != 8)
    return nodeError("dequantizes " + Twine(intType.getWidth()) +
                     "-bit integers; supported: UINT8, INT8, INT32 (bias)");
  FailureOr<Grid> grid =
      readGrid(node, scale, zeroPoint, rank, axis, !(*q)->isUnsigned);
  if (failed(grid))
    return failure();
  if (grid->isSigned == (*q)->isUnsigned)
    return nodeError("the zero point's type differs from the input's");
  return dequantizeLinear(**q, *grid);
}

//===----------------------------------------------------------------------===//
// Element-wise ops
//===----------------------------------------------------------------------===//

/// One linalg.generic over the broadcast (numpy rules) shape of the inputs,
/// in NHWC order when a 4-D input is held so.
FailureOr<Tensor> Importer::elementwise(ArrayRef<Tensor *> inputs, Body body) {
  int64_t rank = 0;
  for (Tensor *t : inputs)
    rank = std::max(rank, t->type.getRank());
  SmallVector<int64_t> shape(rank, 1);
  for (Tensor *t : inputs) {
    if (!t->isFloat())
      return nodeError("takes a non-float input; qat maps element-wise "
                       "ops on float (dequantized) tensors");
    int64_t offset = rank - t->type.getRank();
    for (int64_t d = 0; d < t->type.getRank(); ++d) {
      int64_t s = t->type.getDimSize(d);
      int64_t &o = shape[offset + d];
      if (o != s && o != 1 && s != 1)
        return nodeError("cannot broadcast its inputs together (size " +
                         Twine(o) + " vs " + Twine(s) + ")");
      if (o == 1)
        o = s;
    }
  }
  bool nhwc = rank == 4 && llvm::any_of(inputs, [&](Tensor *t) {
                return t->nhwc && t->value &&
                       t->type.getShape() == ArrayRef<int64_t>(shape);
              });
  auto physOf = [&](int64_t logical) {
    return nhwc ? kNCHWToNHWC[logical] : logical;
  };
  SmallVector<Value> operands;
  SmallVector<AffineMap> maps;
  SmallVector<Tensor> squeezed;
  squeezed.reserve(inputs.size());
  // Splat constants (a divisor, a scale) become constants in the body,
  // where qat's pattern matchers look for them.
  SmallVector<std::optional<float>> splats;
  for (Tensor *t : inputs) {
    splats.push_back(std::nullopt);
    if (t->constant && !t->grid && t->type.getRank() == 0 && t->isFloat()) {
      splats.back() = t->constant.getSplatValue<float>();
      continue;
    }
    // A constant loses its broadcast dimensions (a bias of shape C x 1 x 1
    // becomes C, read along the channel dimension): the form of a
    // per-channel bias that qat fuses into a matmul or convolution.
    int64_t offset = rank - t->type.getRank();
    SmallVector<int64_t> kept, keptShape;
    for (int64_t d = 0; d < t->type.getRank(); ++d)
      if (!(t->type.getDimSize(d) == 1 && shape[offset + d] != 1)) {
        kept.push_back(offset + d);
        keptShape.push_back(t->type.getDimSize(d));
      }
    if (t->constant && !t->grid &&
        static_cast<int64_t>(kept.size()) < t->type.getRank()) {
      Tensor c = *t;
      c.type = RankedTensorType::get(keptShape, t->type.getElementType());
      c.constant = t->constant.reshape(c.type);
      squeezed.push_back(c);
      FailureOr<Value> v = materialize(squeezed.back());
      if (failed(v))
        return failure();
      operands.push_back(*v);
      SmallVector<AffineExpr> exprs;
      for (int64_t l : kept)
        exprs.push_back(b.getAffineDimExpr(physOf(l)));
      maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
      continue;
    }
    bool held = nhwc && t->type.getShape() == ArrayRef<int64_t>(shape) &&
                (t->nhwc || !t->constant);
    FailureOr<Value> v = materialize(*t, held);
    if (failed(v))
      return failure();
    operands.push_back(*v);
    int64_t r = t->type.getRank();
    SmallVector<AffineExpr> exprs;
    for (int64_t p = 0; p < r; ++p) {
      int64_t logical = held ? kNHWCToNCHW[p] : p;
      if (t->type.getDimSize(logical) == 1 && shape[offset + logical] != 1)
        exprs.push_back(b.getAffineConstantExpr(0));
      else
        exprs.push_back(b.getAffineDimExpr(physOf(offset + logical)));
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  SmallVector<int64_t> physShape(shape);
  if (nhwc)
    for (int64_t p = 0; p < 4; ++p)
      physShape[p] = shape[kNHWCToNCHW[p]];
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init = emptyTensor(physShape, b.getF32Type());
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, operands, ValueRange{init}, maps,
      iters, [&](OpBuilder &nb, Location l, ValueRange args) {
        SmallVector<Value> values;
        unsigned next = 0;
        for (std::optional<float> splat : splats)
          values.push_back(splat ? Value(arith::ConstantOp::create(
                                       nb, l, nb.getF32FloatAttr(*splat)))
                                 : args[next++]);
        Value y = body(nb, l, values);
        linalg::YieldOp::create(nb, l, y);
      });
  Tensor r;
  r.type = RankedTensorType::get(shape, b.getF32Type());
  r.value = generic.getResult(0);
  r.nhwc = nhwc;
  return r;
}

/// max(x, lo) then min(.., hi) (either may be infinite). Appended to the
/// element-wise op that produced x when nothing else reads x, so that the
/// epilogue qat fuses into a matmul or convolution is one op.
FailureOr<Tensor> Importer::activation(Tensor &x, StringRef name, float lo,
                                       float hi) {
  auto clampBody = [&](OpBuilder &nb, Location l, Value v) {
    if (std::isfinite(lo)) {
      Value c = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(lo));
      v = arith::MaximumFOp::create(nb, l, v, c);
    }
    if (std::isfinite(hi)) {
      Value c = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(hi));
      v = arith::MinimumFOp::create(nb, l, v, c);
    }
    return v;
  };
  // The producer rebuilt with the clamp after its body.
  auto fuse = [&](linalg::GenericOp producer) -> Value {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(producer);
    auto fused = linalg::GenericOp::create(
        b, loc, producer.getResultTypes(), producer.getInputs(),
        producer.getOutputs(), producer.getIndexingMapsArray(),
        producer.getIteratorTypesArray(),
        [&](OpBuilder &nb, Location l, ValueRange args) {
          IRMapping map;
          map.map(producer.getBody()->getArguments(), args);
          for (Operation &op : producer.getBody()->without_terminator())
            nb.clone(op, map);
          Value y =
              map.lookup(producer.getBody()->getTerminator()->getOperand(0));
          linalg::YieldOp::create(nb, l, clampBody(nb, l, y));
        });
    producer->erase();
    return fused.getResult(0);
  };
  auto fusible = [](Value v) {
    auto generic = v.getDefiningOp<linalg::GenericOp>();
    return generic && generic->getNumResults() == 1 ? generic : nullptr;
  };
  if (x.value && x.value.use_empty() && readers.lookup(name) == 1) {
    if (linalg::GenericOp producer = fusible(x.value)) {
      Tensor r = x;
      r.value = fuse(producer);
      return r;
    }
    // The groups of a grouped convolution: clamp each.
    auto concat = x.value.getDefiningOp<tensor::ConcatOp>();
    if (concat && llvm::all_of(concat.getInputs(), [&](Value v) {
          return fusible(v) && v.hasOneUse();
        })) {
      for (OpOperand &operand : concat->getOpOperands())
        operand.set(fuse(fusible(operand.get())));
      return x;
    }
  }
  Tensor *in = &x;
  return elementwise({in}, [&](OpBuilder &nb, Location l, ValueRange args) {
    return clampBody(nb, l, args[0]);
  });
}

//===----------------------------------------------------------------------===//
// Matmul and convolution
//===----------------------------------------------------------------------===//

/// a (M x K, or B x M x K) times w (K x N, or B x K x N); a 3-D a with a 2-D
/// w is a matmul on the collapsed rows.
FailureOr<Tensor> Importer::matmul(Tensor &a, Tensor &w) {
  int64_t ra = a.type.getRank(), rw = w.type.getRank();
  if (!a.isFloat() || !w.isFloat())
    return nodeError("multiplies non-float tensors");
  if (ra < 2 || ra > 3 || rw < 2 || rw > 3 || (rw == 3 && ra != 3))
    return nodeError("multiplies ranks " + Twine(ra) + " and " + Twine(rw) +
                     "; supported: 2-D x 2-D, 3-D x 2-D, 3-D x 3-D");
  int64_t k = a.type.getDimSize(ra - 1);
  if (w.type.getDimSize(rw - 2) != k)
    return nodeError("inner sizes differ (" + Twine(k) + " vs " +
                     Twine(w.type.getDimSize(rw - 2)) + ")");
  int64_t n = w.type.getDimSize(rw - 1);
  FailureOr<Value> av = materialize(a), wv = materialize(w);
  if (failed(av) || failed(wv))
    return failure();
  Tensor r;
  Attribute zero = b.getF32FloatAttr(0);
  if (rw == 3) {
    int64_t batch = a.type.getDimSize(0), m = a.type.getDimSize(1);
    if (w.type.getDimSize(0) != batch)
      return nodeError("batch sizes differ");
    Value init = zeroFilled({batch, m, n}, b.getF32Type(), zero);
    r.value =
        linalg::BatchMatmulOp::create(b, loc, TypeRange{init.getType()},
                                      ValueRange{*av, *wv}, ValueRange{init})
            .getResult(0);
    r.type = RankedTensorType::get({batch, m, n}, b.getF32Type());
    return r;
  }
  Value lhs = *av;
  int64_t rows = a.type.getNumElements() / k;
  if (ra == 3)
    lhs = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({rows, k}, b.getF32Type()), lhs,
        SmallVector<ReassociationIndices>{{0, 1}, {2}});
  Value init = zeroFilled({rows, n}, b.getF32Type(), zero);
  Value y = linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                     ValueRange{lhs, *wv}, ValueRange{init})
                .getResult(0);
  SmallVector<int64_t> shape(a.type.getShape());
  shape.back() = n;
  r.type = RankedTensorType::get(shape, b.getF32Type());
  if (ra == 3)
    y = tensor::ExpandShapeOp::create(
        b, loc, r.type, y, SmallVector<ReassociationIndices>{{0, 1}, {2}});
  r.value = y;
  return r;
}

/// acc + bias, the bias (one value per channel) broadcast along
/// `channelDim` of acc.
FailureOr<Tensor> Importer::addBias(Tensor &acc, Tensor &bias,
                                    int64_t channelDim) {
  int64_t channels = acc.type.getDimSize(channelDim);
  int64_t count = bias.type.getNumElements();
  if (count != channels && count != 1)
    return nodeError("the bias has " + Twine(count) + " values for " +
                     Twine(channels) + " channels");
  if (count != channels) {
    FailureOr<Tensor> scalar = reshapeTensor(bias, {});
    if (failed(scalar))
      return failure();
    return elementwise({&acc, &*scalar},
                       [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                         return arith::AddFOp::create(nb, l, args[0], args[1]);
                       });
  }
  // One value per channel read along the channel dimension: the form of a
  // bias qat fuses into the matmul or convolution.
  FailureOr<Tensor> flat = reshapeTensor(bias, {count});
  if (failed(flat))
    return failure();
  FailureOr<Value> accValue = materialize(acc, acc.nhwc);
  FailureOr<Value> biasValue = materialize(*flat);
  if (failed(accValue) || failed(biasValue))
    return failure();
  int64_t rank = acc.type.getRank();
  bool nhwc = acc.nhwc && rank == 4;
  int64_t channelPos = nhwc ? kNCHWToNHWC[channelDim] : channelDim;
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(rank, ctx),
      AffineMap::get(rank, 0, b.getAffineDimExpr(channelPos)),
      AffineMap::getMultiDimIdentityMap(rank, ctx)};
  auto type = cast<RankedTensorType>(accValue->getType());
  Value init = emptyTensor(type.getShape(), b.getF32Type());
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  Tensor r = acc;
  r.nhwc = nhwc;
  r.value =
      linalg::GenericOp::create(
          b, loc, TypeRange{type}, ValueRange{*accValue, *biasValue},
          ValueRange{init}, maps, iters,
          [](OpBuilder &nb, Location l, ValueRange args) {
            linalg::YieldOp::create(
                nb, l, Value(arith::AddFOp::create(nb, l, args[0], args[1])));
          })
          .getResult(0);
  return r;
}

LogicalResult
Importer::readWindow(const onnx::NodeProto &node, ArrayRef<int64_t> inputHW,
                     ArrayRef<int64_t> kernel, SmallVector<int64_t> &strides,
                     SmallVector<int64_t> &dilations,
                     SmallVector<int64_t> &pads, SmallVector<int64_t> &outputHW,
                     bool ceilMode) {
  strides = intsAttr(node, "strides").value_or(SmallVector<int64_t>{1, 1});
  dilations = intsAttr(node, "dilations").value_or(SmallVector<int64_t>{1, 1});
  pads = intsAttr(node, "pads").value_or(SmallVector<int64_t>{0, 0, 0, 0});
  if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4)
    return nodeError("has strides, dilations or pads of the wrong length "
                     "(2-D windows only)");
  for (int64_t s : llvm::concat<int64_t>(strides, dilations))
    if (s < 1)
      return nodeError("has a stride or dilation below 1");
  for (int64_t p : pads)
    if (p < 0)
      return nodeError("has a negative pad");
  std::string autoPad = stringAttr(node, "auto_pad", "NOTSET");
  outputHW.assign(2, 0);
  for (int d = 0; d < 2; ++d) {
    int64_t extent = dilations[d] * (kernel[d] - 1) + 1;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t out = (inputHW[d] + strides[d] - 1) / strides[d];
      int64_t total =
          std::max<int64_t>((out - 1) * strides[d] + extent - inputHW[d], 0);
      int64_t small = total / 2, large = total - small;
      pads[d] = autoPad == "SAME_UPPER" ? small : large;
      pads[d + 2] = autoPad == "SAME_UPPER" ? large : small;
    } else if (autoPad == "VALID") {
      pads[d] = pads[d + 2] = 0;
    } else if (autoPad != "NOTSET") {
      return nodeError("has auto_pad '" + autoPad + "'");
    }
    int64_t span = inputHW[d] + pads[d] + pads[d + 2] - extent;
    if (span < 0)
      return nodeError("has a window larger than its padded input");
    outputHW[d] =
        (ceilMode ? (span + strides[d] - 1) / strides[d] : span / strides[d]) +
        1;
    if (ceilMode) {
      // The last window must start inside the input or the leading pad;
      // extra rows read past the end are padding.
      if ((outputHW[d] - 1) * strides[d] >= inputHW[d] + pads[d])
        --outputHW[d];
      int64_t needed = (outputHW[d] - 1) * strides[d] + extent;
      pads[d + 2] = std::max(pads[d + 2], needed - inputHW[d] - pads[d]);
    }
  }
  return success();
}

/// Pads the NHWC value `v` (logical NCHW tensor) with `value`.
static Value padNHWC(OpBuilder &b, Location loc, Value v,
                     ArrayRef<int64_t> pads, float value) {
  if (llvm::all_of(pads, [](int64_t p) { return p == 0; }))
    return v;
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[1] += pads[0] + pads[2];
  shape[2] += pads[1] + pads[3];
  SmallVector<OpFoldResult> low = {b.getIndexAttr(0), b.getIndexAttr(pads[0]),
                                   b.getIndexAttr(pads[1]), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> high = {b.getIndexAttr(0), b.getIndexAttr(pads[2]),
                                    b.getIndexAttr(pads[3]), b.getIndexAttr(0)};
  Value c = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
  return tensor::PadOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), v, low, high,
      c);
}

/// Elements [offset, offset + size) of dimension 0 of a constant, with
/// its grid's channels when the grid is per axis 0.
static Tensor sliceConstant(const Tensor &t, int64_t offset, int64_t size) {
  Tensor r = t;
  SmallVector<int64_t> shape(t.type.getShape());
  int64_t inner = t.type.getNumElements() / shape[0];
  shape[0] = size;
  r.type = RankedTensorType::get(shape, t.type.getElementType());
  SmallVector<Attribute> all(t.constant.getValues<Attribute>());
  r.constant = DenseElementsAttr::get(
      r.type.clone(t.constant.getElementType()),
      ArrayRef<Attribute>(all).slice(offset * inner, size * inner));
  if (r.grid && r.grid->axis == 0) {
    r.grid->scales.assign(t.grid->scales.begin() + offset,
                          t.grid->scales.begin() + offset + size);
    r.grid->zeroPoints.assign(t.grid->zeroPoints.begin() + offset,
                              t.grid->zeroPoints.begin() + offset + size);
  }
  return r;
}

/// ONNX Conv (NCHW, weights F x C/G x KH x KW, optional bias) as NHWC
/// convolutions (HWCF weights) or a depthwise convolution (HWC weights),
/// the layouts qat's kernels take. A grouped convolution is one NHWC
/// convolution per group on a channel slice, concatenated: qat moves the
/// slices onto the integer storage and distributes the output's quantize
/// over the concatenation, so every group becomes integer code.
FailureOr<Tensor> Importer::conv(const onnx::NodeProto &node, Tensor &x,
                                 Tensor &w, Tensor *bias) {
  if (x.type.getRank() != 4 || w.type.getRank() != 4)
    return nodeError("is not a 2-D convolution (input rank " +
                     Twine(x.type.getRank()) + ", weight rank " +
                     Twine(w.type.getRank()) + ")");
  if (!x.isFloat() || !w.isFloat())
    return nodeError("convolves non-float tensors");
  int64_t n = x.type.getDimSize(0), c = x.type.getDimSize(1);
  int64_t f = w.type.getDimSize(0), cg = w.type.getDimSize(1);
  int64_t kh = w.type.getDimSize(2), kw = w.type.getDimSize(3);
  int64_t groups = intAttr(node, "group", 1);
  if (groups < 1 || c % groups || f % groups || cg * groups != c)
    return nodeError("has " + Twine(groups) + " groups for " + Twine(c) +
                     " input channels and a weight of " + Twine(cg) +
                     " channels per group");
  if (auto shape = intsAttr(node, "kernel_shape"))
    if (*shape != SmallVector<int64_t>{kh, kw})
      return nodeError("kernel_shape differs from the weight's shape");
  if (bias && bias->type.getNumElements() != f)
    return nodeError("the bias has " + Twine(bias->type.getNumElements()) +
                     " values for " + Twine(f) + " output channels");
  bool depthwise = groups != 1 && groups == c && f == c && cg == 1;
  if (groups != 1 && !depthwise && (!w.constant || (bias && !bias->constant)))
    return nodeError("is a grouped convolution with a non-constant weight or "
                     "bias; qat needs them constant");
  SmallVector<int64_t> strides, dilations, pads, out;
  if (failed(readWindow(node, {x.type.getDimSize(2), x.type.getDimSize(3)},
                        {kh, kw}, strides, dilations, pads, out, false)))
    return failure();
  FailureOr<Value> xv = materialize(x, /*nhwc=*/true);
  if (failed(xv))
    return failure();
  SmallVector<NamedAttribute> attrs = {
      b.getNamedAttr("strides", b.getI64TensorAttr(strides)),
      b.getNamedAttr("dilations", b.getI64TensorAttr(dilations))};

  // One convolution of `input` (NHWC, unpadded) with `weight` (ONNX
  // layout), plus `groupBias`.
  auto convolve = [&](Value input, Tensor &weight, Tensor *groupBias,
                      bool isDepthwise) -> FailureOr<Tensor> {
    int64_t outChannels = weight.type.getDimSize(0);
    Value padded = padNHWC(b, loc, input, pads, 0.0f);
    FailureOr<Tensor> packed =
        isDepthwise ? reshapeTensor(weight, {outChannels, kh, kw})
                    : transposeTensor(weight, {2, 3, 1, 0});
    if (succeeded(packed) && isDepthwise)
      packed = transposeTensor(*packed, {1, 2, 0});
    if (failed(packed))
      return failure();
    FailureOr<Value> wv = materialize(*packed);
    if (failed(wv))
      return failure();
    Value init = zeroFilled({n, out[0], out[1], outChannels}, b.getF32Type(),
                            b.getF32FloatAttr(0));
    Operation *op;
    if (isDepthwise)
      op = linalg::DepthwiseConv2DNhwcHwcOp::create(
          b, loc, TypeRange{init.getType()}, ValueRange{padded, *wv},
          ValueRange{init}, attrs);
    else
      op = linalg::Conv2DNhwcHwcfOp::create(b, loc, TypeRange{init.getType()},
                                            ValueRange{padded, *wv},
                                            ValueRange{init}, attrs);
    Tensor r;
    r.type =
        RankedTensorType::get({n, outChannels, out[0], out[1]}, b.getF32Type());
    r.value = op->getResult(0);
    r.nhwc = true;
    return groupBias ? addBias(r, *groupBias, 1) : FailureOr<Tensor>(r);
  };
  if (groups == 1 || depthwise)
    return convolve(*xv, w, bias, depthwise);

  int64_t fg = f / groups;
  int64_t h = x.type.getDimSize(2), wd = x.type.getDimSize(3);
  SmallVector<Value> parts;
  for (int64_t g = 0; g < groups; ++g) {
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                         b.getIndexAttr(0),
                                         b.getIndexAttr(g * cg)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(n), b.getIndexAttr(h),
                                       b.getIndexAttr(wd), b.getIndexAttr(cg)};
    SmallVector<OpFoldResult> ones(4, b.getIndexAttr(1));
    Value slice = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({n, h, wd, cg}, b.getF32Type()), *xv,
        offsets, sizes, ones);
    Tensor weight = sliceConstant(w, g * fg, fg);
    std::optional<Tensor> groupBias;
    if (bias) {
      FailureOr<Tensor> flat = reshapeTensor(*bias, {f});
      if (failed(flat))
        return failure();
      groupBias = sliceConstant(*flat, g * fg, fg);
    }
    FailureOr<Tensor> part =
        convolve(slice, weight, groupBias ? &*groupBias : nullptr, false);
    if (failed(part))
      return failure();
    parts.push_back(part->value);
  }
  Tensor r;
  r.type = RankedTensorType::get({n, f, out[0], out[1]}, b.getF32Type());
  r.value = tensor::ConcatOp::create(b, loc, /*dim=*/3, parts);
  r.nhwc = true;
  return r;
}

FailureOr<Tensor> Importer::pool(const onnx::NodeProto &node, Tensor &x,
                                 bool isMax) {
  if (x.type.getRank() != 4 || !x.isFloat())
    return nodeError("pools a tensor that is not a 4-D float tensor");
  std::optional<SmallVector<int64_t>> kernel = intsAttr(node, "kernel_shape");
  if (!kernel || kernel->size() != 2)
    return nodeError("needs a 2-D kernel_shape");
  if (node.output_size() > 1 && !node.output(1).empty())
    return nodeError("has an Indices output, which qat does not compute");
  if (intAttr(node, "storage_order", 0) != 0)
    return nodeError("has storage_order 1");
  bool ceilMode = intAttr(node, "ceil_mode", 0) != 0;
  bool countPad = intAttr(node, "count_include_pad", 0) != 0;
  SmallVector<int64_t> strides, dilations, pads, out;
  int64_t h = x.type.getDimSize(2), w = x.type.getDimSize(3);
  if (failed(readWindow(node, {h, w}, *kernel, strides, dilations, pads, out,
                        ceilMode)))
    return failure();
  // The declared pads (ceil_mode adds padding past them).
  SmallVector<int64_t> declared, unusedOut;
  if (failed(readWindow(node, {h, w}, *kernel, strides, dilations, declared,
                        unusedOut, false)))
    return failure();
  FailureOr<Value> xv = materialize(x, /*nhwc=*/true);
  if (failed(xv))
    return failure();
  float padValue = isMax ? -std::numeric_limits<float>::infinity() : 0.0f;
  Value input = padNHWC(b, loc, *xv, pads, padValue);
  int64_t n = x.type.getDimSize(0), c = x.type.getDimSize(1);
  Value window = emptyTensor(*kernel, b.getF32Type());
  Value init = zeroFilled({n, out[0], out[1], c}, b.getF32Type(),
                          b.getF32FloatAttr(padValue));
  SmallVector<NamedAttribute> attrs = {
      b.getNamedAttr("strides", b.getI64TensorAttr(strides)),
      b.getNamedAttr("dilations", b.getI64TensorAttr(dilations))};
  Operation *op;
  if (isMax)
    op = linalg::PoolingNhwcMaxOp::create(b, loc, TypeRange{init.getType()},
                                          ValueRange{input, window},
                                          ValueRange{init}, attrs);
  else
    op = linalg::PoolingNhwcSumOp::create(b, loc, TypeRange{init.getType()},
                                          ValueRange{input, window},
                                          ValueRange{init}, attrs);
  Tensor r;
  r.type = RankedTensorType::get({n, c, out[0], out[1]}, b.getF32Type());
  r.value = op->getResult(0);
  r.nhwc = true;
  if (isMax)
    return r;

  // The divisor per output position: the window's elements inside the
  // input, plus its pads when count_include_pad (never ceil_mode's
  // overhang past the declared pads).
  SmallVector<float> counts;
  bool uniform = true;
  for (int64_t oy = 0; oy < out[0]; ++oy)
    for (int64_t ox = 0; ox < out[1]; ++ox) {
      int64_t count = 0;
      for (int64_t ky = 0; ky < (*kernel)[0]; ++ky)
        for (int64_t kx = 0; kx < (*kernel)[1]; ++kx) {
          int64_t iy = oy * strides[0] + ky * dilations[0] - pads[0];
          int64_t ix = ox * strides[1] + kx * dilations[1] - pads[1];
          bool inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
          if (inside || (countPad && iy >= -declared[0] && ix >= -declared[1] &&
                         iy < h + declared[2] && ix < w + declared[3]))
            ++count;
        }
      counts.push_back(static_cast<float>(count));
      uniform &= count == static_cast<int64_t>(counts.front());
    }
  Tensor divisor;
  if (uniform) {
    divisor.type = RankedTensorType::get({}, b.getF32Type());
    divisor.constant =
        DenseElementsAttr::get(divisor.type, ArrayRef<float>(counts.front()));
  } else {
    divisor.type = RankedTensorType::get({out[0], out[1]}, b.getF32Type());
    divisor.constant =
        DenseElementsAttr::get(divisor.type, ArrayRef<float>(counts));
  }
  return elementwise({&r, &divisor},
                     [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                       return arith::DivFOp::create(nb, l, args[0], args[1]);
                     });
}

FailureOr<Tensor> Importer::globalAveragePool(Tensor &x) {
  if (x.type.getRank() != 4 || !x.isFloat())
    return nodeError("pools a tensor that is not a 4-D float tensor");
  FailureOr<Value> xv = materialize(x, /*nhwc=*/true);
  if (failed(xv))
    return failure();
  int64_t n = x.type.getDimSize(0), c = x.type.getDimSize(1);
  int64_t h = x.type.getDimSize(2), w = x.type.getDimSize(3);
  Value window = emptyTensor({h, w}, b.getF32Type());
  Value init = zeroFilled({n, 1, 1, c}, b.getF32Type(), b.getF32FloatAttr(0));
  SmallVector<NamedAttribute> attrs = {
      b.getNamedAttr("strides", b.getI64TensorAttr({1, 1})),
      b.getNamedAttr("dilations", b.getI64TensorAttr({1, 1}))};
  Tensor r;
  r.type = RankedTensorType::get({n, c, 1, 1}, b.getF32Type());
  r.value = linalg::PoolingNhwcSumOp::create(b, loc, TypeRange{init.getType()},
                                             ValueRange{*xv, window},
                                             ValueRange{init}, attrs)
                .getResult(0);
  r.nhwc = true;
  Tensor divisor;
  divisor.type = RankedTensorType::get({}, b.getF32Type());
  divisor.constant = DenseElementsAttr::get(
      divisor.type, ArrayRef<float>(static_cast<float>(h * w)));
  return elementwise({&r, &divisor},
                     [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                       return arith::DivFOp::create(nb, l, args[0], args[1]);
                     });
}

/// (x - zero point) widened to i32, element-wise.
static Value widenMinusZeroPoint(OpBuilder &b, Location loc, Value v,
                                 bool isUnsigned, int64_t zeroPoint) {
  auto type = cast<RankedTensorType>(v.getType());
  auto i32 = b.getI32Type();
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), i32);
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps(
      2, AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{v}, ValueRange{init},
             maps, iters,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value x =
                   isUnsigned
                       ? Value(arith::ExtUIOp::create(nb, l, i32, args[0]))
                       : Value(arith::ExtSIOp::create(nb, l, i32, args[0]));
               Value zp = arith::ConstantOp::create(
                   nb, l, nb.getI32IntegerAttr(zeroPoint));
               linalg::YieldOp::create(
                   nb, l, Value(arith::SubIOp::create(nb, l, x, zp)));
             })
      .getResult(0);
}

/// MatMulInteger and ConvInteger: exact i32 arithmetic, no grids involved.
/// Per-tensor zero points only.
static FailureOr<int64_t> scalarZeroPoint(DenseElementsAttr zp,
                                          bool isUnsigned) {
  if (!zp.isSplat() && zp.getNumElements() != 1)
    return failure();
  APInt v = *zp.getValues<APInt>().begin();
  return isUnsigned ? v.getZExtValue() : v.getSExtValue();
}

FailureOr<Tensor> Importer::integerMatmul(const onnx::NodeProto &node) {
  FailureOr<Tensor *> a = lookup(node, 0), w = lookup(node, 1);
  if (failed(a) || failed(w))
    return failure();
  int64_t zps[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    if (!hasInput(node, 2 + i))
      continue;
    FailureOr<DenseElementsAttr> zp = constantOf(node, 2 + i, "the zero point");
    if (failed(zp))
      return failure();
    FailureOr<int64_t> v =
        scalarZeroPoint(*zp, values[node.input(2 + i)].isUnsigned);
    if (failed(v))
      return nodeError("has a per-row or per-column zero point; supported: "
                       "one zero point per input");
    zps[i] = *v;
  }
  Tensor *ins[2] = {*a, *w};
  Value widened[2];
  for (int i = 0; i < 2; ++i) {
    auto type = dyn_cast<IntegerType>(ins[i]->type.getElementType());
    if (!type || type.getWidth() != 8)
      return nodeError("input #" + Twine(i) + " is not UINT8 or INT8");
    FailureOr<Value> v = materialize(*ins[i]);
    if (failed(v))
      return failure();
    widened[i] = widenMinusZeroPoint(b, loc, *v, ins[i]->isUnsigned, zps[i]);
  }
  int64_t ra = (*a)->type.getRank(), rw = (*w)->type.getRank();
  if (ra != 2 || rw != 2)
    return nodeError("multiplies ranks " + Twine(ra) + " and " + Twine(rw) +
                     "; supported: 2-D x 2-D");
  int64_t m = (*a)->type.getDimSize(0), k = (*a)->type.getDimSize(1);
  int64_t n = (*w)->type.getDimSize(1);
  if ((*w)->type.getDimSize(0) != k)
    return nodeError("inner sizes differ");
  Value init = zeroFilled({m, n}, b.getI32Type(), b.getI32IntegerAttr(0));
  Tensor r;
  r.type = RankedTensorType::get({m, n}, b.getI32Type());
  r.value = linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                     ValueRange{widened[0], widened[1]},
                                     ValueRange{init})
                .getResult(0);
  return r;
}

FailureOr<Tensor> Importer::integerConv(const onnx::NodeProto &node) {
  FailureOr<Tensor *> x = lookup(node, 0), w = lookup(node, 1);
  if (failed(x) || failed(w))
    return failure();
  if ((*x)->type.getRank() != 4 || (*w)->type.getRank() != 4)
    return nodeError("is not a 2-D convolution");
  if (intAttr(node, "group", 1) != 1)
    return nodeError("has groups; supported: group = 1");
  int64_t zps[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    if (!hasInput(node, 2 + i))
      continue;
    FailureOr<DenseElementsAttr> zp = constantOf(node, 2 + i, "the zero point");
    if (failed(zp))
      return failure();
    FailureOr<int64_t> v =
        scalarZeroPoint(*zp, values[node.input(2 + i)].isUnsigned);
    if (failed(v))
      return nodeError("has a per-channel zero point; supported: one zero "
                       "point per input");
    zps[i] = *v;
  }
  int64_t f = (*w)->type.getDimSize(0);
  int64_t kh = (*w)->type.getDimSize(2), kw = (*w)->type.getDimSize(3);
  SmallVector<int64_t> strides, dilations, pads, out;
  if (failed(readWindow(node,
                        {(*x)->type.getDimSize(2), (*x)->type.getDimSize(3)},
                        {kh, kw}, strides, dilations, pads, out, false)))
    return failure();
  FailureOr<Value> xv = materialize(**x), wv = materialize(**w);
  if (failed(xv) || failed(wv))
    return failure();
  Value xi = widenMinusZeroPoint(b, loc, *xv, (*x)->isUnsigned, zps[0]);
  Value wi = widenMinusZeroPoint(b, loc, *wv, (*w)->isUnsigned, zps[1]);
  // Padding holds the zero point, i.e. 0 after the subtraction.
  auto type = cast<RankedTensorType>(xi.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[2] += pads[0] + pads[2];
  shape[3] += pads[1] + pads[3];
  if (shape != SmallVector<int64_t>(type.getShape())) {
    SmallVector<OpFoldResult> low = {b.getIndexAttr(0), b.getIndexAttr(0),
                                     b.getIndexAttr(pads[0]),
                                     b.getIndexAttr(pads[1])};
    SmallVector<OpFoldResult> high = {b.getIndexAttr(0), b.getIndexAttr(0),
                                      b.getIndexAttr(pads[2]),
                                      b.getIndexAttr(pads[3])};
    Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
    xi = tensor::PadOp::create(b, loc,
                               RankedTensorType::get(shape, b.getI32Type()), xi,
                               low, high, zero);
  }
  int64_t n = (*x)->type.getDimSize(0);
  Value init = zeroFilled({n, f, out[0], out[1]}, b.getI32Type(),
                          b.getI32IntegerAttr(0));
  SmallVector<NamedAttribute> attrs = {
      b.getNamedAttr("strides", b.getI64TensorAttr(strides)),
      b.getNamedAttr("dilations", b.getI64TensorAttr(dilations))};
  Tensor r;
  r.type = RankedTensorType::get({n, f, out[0], out[1]}, b.getI32Type());
  r.value = linalg::Conv2DNchwFchwOp::create(b, loc, TypeRange{init.getType()},
                                             ValueRange{xi, wi},
                                             ValueRange{init}, attrs)
                .getResult(0);
  return r;
}

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
      // The int32 bias has scale x_scale * w_scale, zero point 0.
      FailureOr<DenseElementsAttr> xs = constantOf(node, 1, "x_scale");
      FailureOr<DenseElementsAttr> ws = constantOf(node, 4, "w_scale");
      FailureOr<Tensor *> bq = input(8);
      if (failed(xs) || failed(ws) || failed(bq))
        return failure();
      if (!(*bq)->constant)
        return nodeError("the bias must be a constant");
      float sx = *xs->getValues<float>().begin();
      SmallVector<float> sw(ws->getValues<float>());
      SmallVector<float> bias;
      int64_t i = 0;
      for (const APInt &v : (*bq)->constant.getValues<APInt>()) {
        float s = sw.size() > 1 ? sw[i % sw.size()] : sw[0];
        bias.push_back(static_cast<float>(v.getSExtValue()) * (sx * s));
        ++i;
      }
      bt.emplace();
      bt->type = RankedTensorType::get({static_cast<int64_t>(bias.size())},
                                       b.getF32Type());
      bt->constant = DenseElementsAttr::get(bt->type, ArrayRef<float>(bias));
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
