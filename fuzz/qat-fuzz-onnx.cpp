//===- qat-fuzz-onnx.cpp - fuzz the ONNX importer -------------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// libFuzzer target: the input is a serialized onnx.ModelProto. The importer
// (lib/Target/ONNX) must turn it into verified IR or reject it with an
// error; what imports then goes through qat-to-int, held to FuzzSupport.h's
// rules.
//
// A custom mutator makes the search structure-aware (Debian has no
// libprotobuf-mutator): it parses the model, changes one field where the
// importer's checks live -- an op type, an attribute (extreme integers,
// non-finite floats, list lengths), a node's inputs, an initializer's
// dims, data type or payload, a value's element type or shape, the opset --
// and serializes it again. Inputs that do not parse, and every fourth
// mutation, fall back to libFuzzer's byte mutations.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "qat/Target/ONNX/ImportONNX.h"

#include "mlir/IR/MLIRContext.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <limits>
#include <random>

using namespace mlir;
using namespace mlir::qat;
using namespace mlir::qat::fuzz;

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (64 << 10))
    return -1;
  MLIRContext ctx(getFuzzRegistry(), MLIRContext::Threading::DISABLED);
  ctx.printOpOnDiagnostic(false);
  DiagnosticCollector diagnostics(&ctx);
  StringRef bytes(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module =
      importONNXModel(bytes, "fuzz-input.onnx", &ctx);
  if (!module) {
    if (diagnostics.getNumErrors() == 0)
      reportFinding("the importer rejected the model without an error");
    return 0;
  }
  // The importer names each op's location after its node, which may have
  // no name; so errors need not be located here.
  runPipelineChecked(*module, "qat-to-int", diagnostics,
                     {/*requireLocatedErrors=*/false, /*roundTrip=*/true});
  return 0;
}

namespace {
using Rng = std::minstd_rand;

/// Integers at the edges of what the importer's arithmetic must check.
int64_t extremeInt(Rng &rng) {
  static const int64_t values[] = {0,
                                   1,
                                   -1,
                                   2,
                                   3,
                                   -2,
                                   7,
                                   8,
                                   16,
                                   127,
                                   128,
                                   255,
                                   256,
                                   65535,
                                   int64_t(1) << 31,
                                   std::numeric_limits<int32_t>::max(),
                                   std::numeric_limits<int32_t>::min(),
                                   int64_t(1) << 40,
                                   int64_t(1) << 62,
                                   std::numeric_limits<int64_t>::max(),
                                   std::numeric_limits<int64_t>::min()};
  if (rng() % 4 == 0)
    return static_cast<int64_t>(rng() % 64) - 32;
  return values[rng() % std::size(values)];
}

float extremeFloat(Rng &rng) {
  static const float values[] = {0.0f,
                                 -0.0f,
                                 1.0f,
                                 -1.0f,
                                 0.5f,
                                 1e-45f,
                                 1e-38f,
                                 3e38f,
                                 std::numeric_limits<float>::infinity(),
                                 -std::numeric_limits<float>::infinity(),
                                 std::numeric_limits<float>::quiet_NaN(),
                                 65504.0f,
                                 1e5f};
  return values[rng() % std::size(values)];
}

/// The op types the importer knows, and one it does not.
const char *const opTypes[] = {"Add",
                               "AveragePool",
                               "Clip",
                               "Concat",
                               "Constant",
                               "Conv",
                               "ConvInteger",
                               "DequantizeLinear",
                               "Flatten",
                               "Gemm",
                               "GlobalAveragePool",
                               "Identity",
                               "MatMul",
                               "MatMulInteger",
                               "MaxPool",
                               "Mul",
                               "QLinearConv",
                               "QLinearMatMul",
                               "QuantizeLinear",
                               "Relu",
                               "Reshape",
                               "Squeeze",
                               "Transpose",
                               "Unsqueeze",
                               "Softmax"};

const char *const attributeNames[] = {"axis",
                                      "axes",
                                      "pads",
                                      "strides",
                                      "kernel_shape",
                                      "perm",
                                      "group",
                                      "dilations",
                                      "transA",
                                      "transB",
                                      "alpha",
                                      "beta",
                                      "min",
                                      "max",
                                      "saturate",
                                      "block_size",
                                      "auto_pad",
                                      "ceil_mode",
                                      "count_include_pad",
                                      "output_dtype",
                                      "value",
                                      "allowzero"};

template <typename Container> auto &pick(Container &c, Rng &rng) {
  return c[rng() % c.size()];
}

void mutateIntList(google::protobuf::RepeatedField<int64_t> &list, Rng &rng) {
  switch (rng() % 4) {
  case 0:
    if (!list.empty()) {
      list.Set(rng() % list.size(), extremeInt(rng));
      break;
    }
    [[fallthrough]];
  case 1:
    list.Add(extremeInt(rng));
    break;
  case 2:
    if (!list.empty())
      list.RemoveLast();
    break;
  default:
    list.Clear();
    for (unsigned i = 0, n = rng() % 5; i < n; ++i)
      list.Add(extremeInt(rng));
  }
}

void mutateAttribute(onnx::AttributeProto &a, Rng &rng) {
  if (rng() % 8 == 0) {
    // Change the kind: an INT where a list is expected, and so on.
    a.set_type(static_cast<onnx::AttributeProto::AttributeType>(1 + rng() % 8));
  }
  switch (a.type()) {
  case onnx::AttributeProto::INT:
    a.set_i(extremeInt(rng));
    break;
  case onnx::AttributeProto::FLOAT:
    a.set_f(extremeFloat(rng));
    break;
  case onnx::AttributeProto::INTS:
    mutateIntList(*a.mutable_ints(), rng);
    break;
  case onnx::AttributeProto::FLOATS:
    if (a.floats_size() && rng() % 2)
      a.set_floats(rng() % a.floats_size(), extremeFloat(rng));
    else
      a.add_floats(extremeFloat(rng));
    break;
  case onnx::AttributeProto::STRING:
    a.set_s(rng() % 2 ? "SAME_UPPER" : "VALID");
    break;
  default:
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(extremeInt(rng));
  }
}

void mutateTensor(onnx::TensorProto &t, Rng &rng) {
  switch (rng() % 5) {
  case 0:
    mutateIntList(*t.mutable_dims(), rng);
    break;
  case 1:
    t.set_data_type(static_cast<int32_t>(rng() % 17));
    break;
  case 2: {
    std::string *raw = t.mutable_raw_data();
    if (!raw->empty() && rng() % 2)
      raw->resize(rng() % raw->size());
    else
      raw->append(1 + rng() % 8, static_cast<char>(rng()));
    break;
  }
  case 3: {
    std::string *raw = t.mutable_raw_data();
    if (!raw->empty()) {
      // A float payload word set to an extreme.
      float f = extremeFloat(rng);
      size_t at = (rng() % raw->size()) & ~size_t(3);
      if (at + 4 <= raw->size())
        std::memcpy(raw->data() + at, &f, 4);
    } else if (t.float_data_size()) {
      t.set_float_data(rng() % t.float_data_size(), extremeFloat(rng));
    } else {
      t.add_int32_data(static_cast<int32_t>(extremeInt(rng)));
    }
    break;
  }
  default:
    t.clear_raw_data();
    t.add_float_data(extremeFloat(rng));
  }
}

void mutateValueInfo(onnx::ValueInfoProto &v, Rng &rng) {
  onnx::TypeProto::Tensor *tensor = v.mutable_type()->mutable_tensor_type();
  if (rng() % 3 == 0) {
    tensor->set_elem_type(static_cast<int32_t>(rng() % 17));
    return;
  }
  onnx::TensorShapeProto *shape = tensor->mutable_shape();
  switch (rng() % 4) {
  case 0:
    shape->add_dim()->set_dim_value(extremeInt(rng));
    break;
  case 1:
    if (shape->dim_size())
      shape->mutable_dim()->RemoveLast();
    break;
  case 2:
    if (shape->dim_size()) {
      pick(*shape->mutable_dim(), rng).set_dim_param("N");
      break;
    }
    [[fallthrough]];
  default:
    if (shape->dim_size())
      pick(*shape->mutable_dim(), rng).set_dim_value(extremeInt(rng));
    else
      tensor->clear_shape();
  }
}

/// Collects the value names of a graph (inputs, initializers, node
/// outputs), for rewiring a node's inputs.
std::vector<std::string> valueNames(const onnx::GraphProto &g) {
  std::vector<std::string> names{""};
  for (const auto &v : g.input())
    names.push_back(v.name());
  for (const auto &t : g.initializer())
    names.push_back(t.name());
  for (const auto &n : g.node())
    for (const auto &o : n.output())
      names.push_back(o);
  return names;
}

void mutateNode(onnx::GraphProto &g, Rng &rng) {
  onnx::NodeProto &n = pick(*g.mutable_node(), rng);
  switch (rng() % 6) {
  case 0:
    n.set_op_type(opTypes[rng() % std::size(opTypes)]);
    break;
  case 1:
  case 2:
    if (n.attribute_size() && rng() % 3) {
      mutateAttribute(pick(*n.mutable_attribute(), rng), rng);
    } else {
      onnx::AttributeProto *a = n.add_attribute();
      a->set_name(attributeNames[rng() % std::size(attributeNames)]);
      a->set_type(rng() % 2 ? onnx::AttributeProto::INT
                            : onnx::AttributeProto::INTS);
      mutateAttribute(*a, rng);
    }
    break;
  case 3: {
    std::vector<std::string> names = valueNames(g);
    if (n.input_size() && rng() % 2)
      *n.mutable_input(rng() % n.input_size()) = pick(names, rng);
    else
      n.add_input(pick(names, rng));
    break;
  }
  case 4:
    if (n.input_size())
      n.mutable_input()->RemoveLast();
    break;
  default:
    if (n.attribute_size())
      n.mutable_attribute()->DeleteSubrange(rng() % n.attribute_size(), 1);
  }
}

/// One structural mutation of `model`; false when there was nothing to
/// mutate.
bool mutateModel(onnx::ModelProto &model, Rng &rng) {
  onnx::GraphProto &g = *model.mutable_graph();
  switch (rng() % 10) {
  case 0:
  case 1:
  case 2:
  case 3:
    if (g.node_size()) {
      mutateNode(g, rng);
      return true;
    }
    return false;
  case 4:
  case 5:
    if (g.initializer_size()) {
      mutateTensor(pick(*g.mutable_initializer(), rng), rng);
      return true;
    }
    return false;
  case 6:
    if (g.input_size()) {
      mutateValueInfo(pick(*g.mutable_input(), rng), rng);
      return true;
    }
    return false;
  case 7:
    if (g.output_size()) {
      mutateValueInfo(pick(*g.mutable_output(), rng), rng);
      return true;
    }
    return false;
  case 8:
    if (g.node_size() > 1) {
      // Drop or duplicate a node.
      int at = rng() % g.node_size();
      if (rng() % 2)
        g.mutable_node()->DeleteSubrange(at, 1);
      else
        *g.add_node() = g.node(at);
      return true;
    }
    return false;
  default:
    for (auto &set : *model.mutable_opset_import())
      if (set.domain().empty() || set.domain() == "ai.onnx")
        set.set_version(rng() % 4 ? 10 + rng() % 14 : extremeInt(rng));
    return true;
  }
}
} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned seed) {
  Rng rng(seed);
  onnx::ModelProto model;
  if (rng() % 4 != 0 && model.ParseFromArray(data, static_cast<int>(size))) {
    bool mutated = false;
    for (unsigned i = 0, n = 1 + rng() % 3; i < n; ++i)
      mutated |= mutateModel(model, rng);
    std::string out;
    if (mutated && model.SerializeToString(&out) && out.size() <= maxSize) {
      std::memcpy(data, out.data(), out.size());
      return out.size();
    }
  }
  return LLVMFuzzerMutate(data, size, maxSize);
}
