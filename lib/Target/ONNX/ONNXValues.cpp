//===- ONNXValues.cpp - attributes, initializers, layouts, grids ----------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// What the ONNX importer does with values: reads attributes and
// initializers, materializes a value in the layout an op wants (constants
// transposed and reshaped at import time, so that weights stay constants),
// and maps QuantizeLinear / DequantizeLinear onto qat's ops.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "qat/Dialect/QAT/IR/QATOps.h"
#include "qat/Dialect/QAT/Utils/QuantMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/ADT/Sequence.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qat;
using namespace mlir::qat::onnx_import;

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

/// The name of an attribute type ("INT", "FLOATS", ...), for messages.
static std::string attributeTypeName(onnx::AttributeProto::AttributeType type) {
  std::string name = onnx::AttributeProto::AttributeType_Name(type);
  return name.empty() ? "type " + std::to_string(type) : name;
}

FailureOr<const onnx::AttributeProto *>
Importer::typedAttr(const onnx::NodeProto &node, StringRef name,
                    onnx::AttributeProto::AttributeType type) {
  const onnx::AttributeProto *a = attr(node, name);
  if (a && a->type() != type)
    return nodeError("attribute '" + name + "' must be " +
                     attributeTypeName(type) + ", not " +
                     attributeTypeName(a->type()));
  return a;
}

FailureOr<int64_t> Importer::intAttr(const onnx::NodeProto &node,
                                     StringRef name, int64_t dflt) {
  FailureOr<const onnx::AttributeProto *> a =
      typedAttr(node, name, onnx::AttributeProto::INT);
  if (failed(a))
    return failure();
  return *a ? (*a)->i() : dflt;
}

FailureOr<float> Importer::floatAttr(const onnx::NodeProto &node,
                                     StringRef name, float dflt) {
  FailureOr<const onnx::AttributeProto *> a =
      typedAttr(node, name, onnx::AttributeProto::FLOAT);
  if (failed(a))
    return failure();
  return *a ? (*a)->f() : dflt;
}

FailureOr<std::string> Importer::stringAttr(const onnx::NodeProto &node,
                                            StringRef name, StringRef dflt) {
  FailureOr<const onnx::AttributeProto *> a =
      typedAttr(node, name, onnx::AttributeProto::STRING);
  if (failed(a))
    return failure();
  return *a ? (*a)->s() : dflt.str();
}

FailureOr<SmallVector<int64_t>> Importer::intsAttr(const onnx::NodeProto &node,
                                                   StringRef name,
                                                   ArrayRef<int64_t> dflt) {
  FailureOr<const onnx::AttributeProto *> a =
      typedAttr(node, name, onnx::AttributeProto::INTS);
  if (failed(a))
    return failure();
  if (!*a)
    return SmallVector<int64_t>(dflt);
  return SmallVector<int64_t>((*a)->ints().begin(), (*a)->ints().end());
}

FailureOr<int64_t> Importer::normalizeAxis(int64_t axis, int64_t rank,
                                           StringRef what, bool endInclusive) {
  int64_t end = endInclusive ? rank + 1 : rank;
  // Compared before the addition, which could overflow.
  if (axis < -end + (endInclusive ? 1 : 0) || axis >= end)
    return nodeError(what + " " + Twine(axis) + " is out of range for rank " +
                     Twine(rank));
  return axis < 0 ? axis + rank : axis;
}

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

std::optional<int64_t>
mlir::qat::onnx_import::checkedNumElements(ArrayRef<int64_t> shape) {
  int64_t product = 1;
  bool empty = false;
  for (int64_t d : shape) {
    if (d < 0)
      return std::nullopt;
    empty |= d == 0;
    std::optional<int64_t> next =
        llvm::checkedMul(product, std::max<int64_t>(d, 1));
    if (!next || *next > kMaxElements)
      return std::nullopt;
    product = *next;
  }
  return empty ? 0 : product;
}

/// `shape` printed as ONNX writes it ("[2, 3]"), for messages.
static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << '[';
  llvm::interleaveComma(shape, os);
  os << ']';
  return s;
}

FailureOr<RankedTensorType> Importer::checkedType(ArrayRef<int64_t> shape,
                                                  Type elementType,
                                                  const Twine &what) {
  if (llvm::any_of(shape, [](int64_t d) { return d < 0; }))
    return error(what + " has a negative size in shape " + shapeString(shape));
  if (!checkedNumElements(shape))
    return error(what + " has shape " + shapeString(shape) +
                 ", larger than the " + Twine(kMaxElements) +
                 " elements qat imports");
  return RankedTensorType::get(shape, elementType);
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

std::string mlir::qat::onnx_import::typeString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

std::string mlir::qat::onnx_import::dataTypeName(int64_t dataType) {
  if (onnx::TensorProto::DataType_IsValid(dataType))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(dataType));
  return "data type " + std::to_string(dataType);
}

/// The end of the error for a value whose data type elementTypeOf does not
/// map.
static std::string unsupportedDataType(int32_t dataType) {
  return "has data type " + dataTypeName(dataType) +
         "; supported: FLOAT, UINT8, INT8, INT32, INT64";
}

FailureOr<Tensor> Importer::readInitializer(const onnx::TensorProto &proto) {
  bool isUnsigned;
  std::optional<Type> elementType =
      elementTypeOf(ctx, proto.data_type(), isUnsigned);
  if (!elementType)
    return error("initializer '" + proto.name() + "' " +
                 unsupportedDataType(proto.data_type()));
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    return error("initializer '" + proto.name() +
                 "' keeps its data in an external file, which qat does not "
                 "read; save the model with its data inside");
  SmallVector<int64_t> shape(proto.dims().begin(), proto.dims().end());
  FailureOr<RankedTensorType> checked =
      checkedType(shape, *elementType, "initializer '" + proto.name() + "'");
  if (failed(checked))
    return failure();
  RankedTensorType type = *checked;
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
    // int32_data holds 8-bit values widened: one out of the type's range
    // is not a value of the tensor, and truncating it would change it.
    bool fits =
        isUnsigned ? v >= 0 && llvm::isUIntN(width, v) : llvm::isIntN(width, v);
    if (!fits)
      return error("initializer '" + proto.name() + "' holds " + Twine(v) +
                   ", out of the range of " + dataTypeName(proto.data_type()));
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
    return error("graph value '" + info.name() + "' " +
                 unsupportedDataType(tensor.elem_type()));
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
  return checkedType(shape, *elementType, "graph value '" + info.name() + "'");
}

std::optional<RankedTensorType>
Importer::declaredType(const onnx::ValueInfoProto &info) {
  if (!info.type().has_tensor_type())
    return std::nullopt;
  const onnx::TypeProto::Tensor &tensor = info.type().tensor_type();
  bool isUnsigned;
  std::optional<Type> elementType =
      elementTypeOf(ctx, tensor.elem_type(), isUnsigned);
  if (!elementType || !tensor.has_shape())
    return std::nullopt;
  SmallVector<int64_t> shape;
  for (const auto &dim : tensor.shape().dim()) {
    if (!dim.has_dim_value() || dim.dim_value() < 0)
      return std::nullopt;
    shape.push_back(dim.dim_value());
  }
  if (!checkedNumElements(shape))
    return std::nullopt;
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

FailureOr<Tensor *> Importer::lookupOptional(const onnx::NodeProto &node,
                                             int index) {
  if (!hasInput(node, index))
    return static_cast<Tensor *>(nullptr);
  return lookup(node, index);
}

FailureOr<SmallVector<Tensor *>>
Importer::lookupAll(const onnx::NodeProto &node) {
  SmallVector<Tensor *> ins;
  for (int i = 0; i < node.input_size(); ++i) {
    FailureOr<Tensor *> t = lookup(node, i);
    if (failed(t))
      return failure();
    ins.push_back(*t);
  }
  if (ins.empty())
    return nodeError("has no inputs");
  return ins;
}

LogicalResult Importer::define(const onnx::NodeProto &node, int index,
                               Tensor t) {
  if (index >= node.output_size() || node.output(index).empty())
    return nodeError("has no output #" + Twine(index));
  // Every result the op importers compute passes here: the one check that
  // no shape arithmetic produced a tensor too large to compile.
  if (failed(
          checkedType(t.type.getShape(), t.type.getElementType(),
                      "node '" + nodeName + "' (" + opType + "): the result")))
    return failure();
  // ONNX values are assigned once; a second definition would silently
  // replace what earlier nodes (or a pending QuantizeLinear) refer to.
  if (!values.try_emplace(node.output(index), std::move(t)).second)
    return nodeError("output '" + node.output(index) +
                     "' is already defined (by a graph input, an "
                     "initializer or an earlier node)");
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

FailureOr<DenseElementsAttr>
Importer::floatConstantOf(const onnx::NodeProto &node, int index,
                          StringRef what) {
  FailureOr<Tensor *> t = lookup(node, index);
  if (failed(t))
    return failure();
  if (!(*t)->constant || !(*t)->grid)
    return constantOf(node, index, what);
  const Grid &grid = *(*t)->grid;
  SmallVector<float> scales(grid.scales.begin(), grid.scales.end());
  auto type = RankedTensorType::get((*t)->type.getShape(), b.getF32Type());
  return DenseElementsAttr::get(
      type,
      ArrayRef<float>(dequantizeConstant(
          (*t)->constant, scales, grid.zeroPoints, grid.axis, grid.isSigned)));
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
  int64_t lo = grid.getMinCode(), hi = grid.getMaxCode();
  if (!grid.axis)
    return quant::UniformQuantizedType::get(
        flags, storage, expressed, grid.scales[0], grid.zeroPoints[0], lo, hi);
  int64_t axis = nhwc ? kNCHWToNHWC[*grid.axis] : *grid.axis;
  return quant::UniformQuantizedPerAxisType::get(
      flags, storage, expressed, grid.scales, grid.zeroPoints, axis, lo, hi);
}

/// The fake-quant storage range (num_bits, narrow_range) whose codes are
/// exactly `grid`'s, if there is one.
static std::optional<std::pair<int64_t, bool>>
getFakeQuantRange(const Grid &grid) {
  for (int64_t bits = 2; bits <= 8; ++bits)
    for (bool narrow : {false, true}) {
      int64_t lo = grid.isSigned ? -(int64_t(1) << (bits - 1)) : 0;
      int64_t hi = grid.isSigned ? (int64_t(1) << (bits - 1)) - 1
                                 : (int64_t(1) << bits) - 1;
      if (grid.getMinCode() == lo + narrow && grid.getMaxCode() == hi)
        return std::make_pair(bits, narrow);
    }
  return std::nullopt;
}

FailureOr<Value> Importer::fakeQuant(Value x, const Grid &grid, bool nhwc) {
  std::optional<std::pair<int64_t, bool>> range = getFakeQuantRange(grid);
  if (!range)
    return nodeError("clips the quantized codes to [" +
                     Twine(grid.getMinCode()) + ", " +
                     Twine(grid.getMaxCode()) +
                     "], which is no 2- to 8-bit range (with or without "
                     "its lowest code)");
  for (int64_t zp : grid.zeroPoints)
    if (zp < grid.getMinCode() || zp > grid.getMaxCode())
      return nodeError(
          "has zero point " + Twine(zp) + " outside the clipped codes [" +
          Twine(grid.getMinCode()) + ", " + Twine(grid.getMaxCode()) + "]");
  IntegerAttr axis;
  if (grid.axis)
    axis = b.getI64IntegerAttr(nhwc ? kNCHWToNHWC[*grid.axis] : *grid.axis);
  auto op = FakeQuantOp::create(b, loc, x.getType(), x, Value(), Value(),
                                b.getDenseF64ArrayAttr(grid.scales),
                                b.getDenseI64ArrayAttr(grid.zeroPoints), axis,
                                b.getI64IntegerAttr(range->first),
                                b.getBoolAttr(grid.isSigned));
  if (range->second)
    op.setNarrowRange(true);
  return op.getResult();
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
  // The identity (every permutation of a scalar, whose linalg.transpose
  // upstream's verifier cannot even look at) is the tensor itself.
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return t;
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
  if (shape.empty()) {
    // One element to rank 0 (a reduction over all dimensions): a collapse
    // of all its unit dimensions, which an expansion cannot express.
    r.value = t.type.getRank() == 0
                  ? *v
                  : tensor::CollapseShapeOp::create(
                        b, loc, r.type, *v, SmallVector<ReassociationIndices>{})
                        .getResult();
    return r;
  }
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

FailureOr<SmallVector<float>> Importer::readScales(const onnx::NodeProto &node,
                                                   int index) {
  FailureOr<DenseElementsAttr> scales = constantOf(node, index, "the scale");
  if (failed(scales))
    return failure();
  if (!scales->getElementType().isF32())
    return nodeError("the scale must be FLOAT");
  SmallVector<float> out(scales->getValues<float>());
  if (out.empty())
    return nodeError("the scale is empty");
  for (float s : out)
    if (!(s > 0) || !std::isfinite(s))
      return nodeError("scale " + std::to_string(s) +
                       " is not a positive finite number");
  return out;
}

FailureOr<Grid> Importer::readGrid(const onnx::NodeProto &node, int scaleIndex,
                                   int zeroPointIndex, int64_t rank,
                                   std::optional<int64_t> axis,
                                   bool storageSigned) {
  FailureOr<SmallVector<float>> scales = readScales(node, scaleIndex);
  if (failed(scales))
    return failure();
  Grid g;
  g.isSigned = storageSigned;
  g.scales.assign(scales->begin(), scales->end());
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
                       typeString(zps->getElementType()) +
                       "); 16-bit and float grids are not supported");
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
  FailureOr<int64_t> a = normalizeAxis(axis.value_or(1), rank, "axis");
  if (failed(a))
    return failure();
  g.axis = *a;
  return g;
}

LogicalResult Importer::checkGridFits(RankedTensorType type, const Grid &grid) {
  if (grid.axis &&
      type.getDimSize(*grid.axis) != static_cast<int64_t>(grid.scales.size()))
    return nodeError("has " + Twine(grid.scales.size()) +
                     " scales for a dimension of size " +
                     Twine(type.getDimSize(*grid.axis)));
  return success();
}

FailureOr<Tensor> Importer::quantizeLinear(Tensor &x, const Grid &grid,
                                           StringRef name) {
  if (!x.isFloat())
    return nodeError("quantizes a non-float tensor");
  if (failed(checkGridFits(x.type, grid)))
    return failure();
  Tensor q;
  q.type = RankedTensorType::get(x.type.getShape(), b.getI8Type());
  q.isUnsigned = !grid.isSigned;
  q.grid = grid;
  q.quantizedFrom = name.str();
  return q;
}

/// The storage codes of float initializer `values` on `grid`, by the
/// fake-quant rule (ONNX's QuantizeLinear: x / scale in f32, rounded half
/// to even, plus the zero point, saturated): what the weight's fake-quant
/// stores. Unsigned codes keep their bit pattern in the i8 container.
static DenseElementsAttr quantizeInitializer(DenseElementsAttr values,
                                             const Grid &grid) {
  auto type = cast<RankedTensorType>(values.getType());
  StorageRange range{grid.getMinCode(), grid.getMaxCode()};
  SmallVector<QuantGrid<float>> grids;
  for (auto [scale, zeroPoint] : llvm::zip(grid.scales, grid.zeroPoints))
    grids.push_back({static_cast<float>(scale), zeroPoint, range});
  ChannelIndexer channels(type.getShape(), grid.axis);
  SmallVector<int8_t> codes;
  codes.reserve(type.getNumElements());
  int64_t i = 0;
  for (float x : values.getValues<float>())
    codes.push_back(static_cast<int8_t>(
        quantize<float>(x, grids[channels.channelOf(i++)])));
  return DenseElementsAttr::get(
      type.clone(IntegerType::get(type.getContext(), 8)), ArrayRef(codes));
}

FailureOr<Tensor> Importer::dequantizeLinear(Tensor &q, const Grid &grid) {
  if (failed(checkGridFits(q.type, grid)))
    return failure();
  Tensor r;
  r.type = RankedTensorType::get(q.type.getShape(), b.getF32Type());
  // QuantizeLinear -> DequantizeLinear on one grid (perhaps with a Clip of
  // the codes between them): a fake-quant.
  if (!q.quantizedFrom.empty() && q.grid->withFullRange() == grid) {
    Tensor &x = values[q.quantizedFrom];
    // A weight's fake-quant (PyTorch exports the float weight under its
    // QuantizeLinear): integer storage now, as an int8 initializer is.
    if (x.constant) {
      r.constant = quantizeInitializer(x.constant, *q.grid);
      r.grid = *q.grid;
      return r;
    }
    FailureOr<Value> v = materialize(x, x.nhwc);
    if (failed(v))
      return failure();
    r.nhwc = x.nhwc && x.type.getRank() == 4;
    FailureOr<Value> fq = fakeQuant(*v, *q.grid, r.nhwc);
    if (failed(fq))
      return failure();
    r.value = *fq;
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

SmallVector<float> mlir::qat::onnx_import::dequantizeConstant(
    DenseElementsAttr q, ArrayRef<float> scales, ArrayRef<int64_t> zeroPoints,
    std::optional<int64_t> axis, bool isSigned) {
  ChannelIndexer channels(q.getType().getShape(), axis);
  assert(static_cast<size_t>(channels.getNumChannels()) == scales.size() &&
         scales.size() == zeroPoints.size() && "one grid per channel");
  SmallVector<float> out;
  out.reserve(q.getNumElements());
  int64_t i = 0;
  for (const APInt &v : q.getValues<APInt>()) {
    int64_t c = channels.channelOf(i++);
    // As ONNX: the difference converted to float, times the scale.
    int64_t code =
        isSigned ? v.getSExtValue() : static_cast<int64_t>(v.getZExtValue());
    out.push_back(static_cast<float>(code - zeroPoints[c]) * scales[c]);
  }
  return out;
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
    FailureOr<SmallVector<float>> scales = readScales(node, scale);
    if (failed(scales))
      return failure();
    SmallVector<float> &s = *scales;
    SmallVector<int64_t> zp(s.size(), 0);
    if (hasInput(node, zeroPoint)) {
      FailureOr<DenseElementsAttr> z =
          constantOf(node, zeroPoint, "the zero point");
      if (failed(z))
        return failure();
      // The input's type, as ONNX requires: a wider one could overflow
      // q - zero point below.
      if (!z->getElementType().isInteger(32))
        return nodeError("the zero point of an INT32 input must be INT32");
      zp.clear();
      for (const APInt &v : z->getValues<APInt>())
        zp.push_back(v.getSExtValue());
    }
    int64_t a = axis.value_or(1);
    if (a < 0)
      a += rank;
    if (s.empty() || zp.size() != s.size() ||
        (s.size() > 1 &&
         (a < 0 || a >= rank ||
          (*q)->type.getDimSize(a) != static_cast<int64_t>(s.size()))))
      return nodeError("has " + Twine(s.size()) + " scales and " +
                       Twine(zp.size()) +
                       " zero points that do not match the input's shape");
    std::optional<int64_t> channelAxis;
    if (s.size() > 1)
      channelAxis = a;
    Tensor r;
    r.type = RankedTensorType::get((*q)->type.getShape(), b.getF32Type());
    r.constant = DenseElementsAttr::get(
        r.type, ArrayRef<float>(
                    dequantizeConstant((*q)->constant, s, zp, channelAxis)));
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
