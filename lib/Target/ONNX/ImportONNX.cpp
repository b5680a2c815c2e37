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

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "qat/Dialect/QAT/IR/QATDialect.h"
#include "qat/Tools/ToolDiagnostics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>

using namespace mlir;
using namespace mlir::qat;
using namespace mlir::qat::onnx_import;

/// The version of the default ONNX domain the model imports (0 if none).
static int64_t getDefaultDomainOpset(const onnx::ModelProto &model) {
  int64_t opset = 0;
  for (const onnx::OperatorSetIdProto &set : model.opset_import())
    if (set.domain().empty() || set.domain() == "ai.onnx")
      opset = set.version();
  return opset;
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
  const OpImporter *op = findOpImporter(opType, opset);
  if (!op)
    return nodeError("is not supported; supported ops: " +
                     getSupportedOpList());
  // Every op qat imports has a result #0, which the importers name.
  if (node.output_size() == 0 || node.output(0).empty())
    return nodeError("has no output #0");
  FailureOr<Tensor> result = (this->*op->import)(node);
  if (failed(result))
    return failure();
  return define(node, 0, std::move(*result));
}

OwningOpRef<ModuleOp> Importer::run() {
  loc = FileLineColLoc::get(ctx, fileName, 0, 0);
  opset = getDefaultDomainOpset(model);
  if (opset < kMinOpset || opset > kMaxOpset) {
    error("the model uses opset " + Twine(opset) +
          " of the default domain; qat imports opsets " + Twine(kMinOpset) +
          " to " + Twine(kMaxOpset));
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
    if (!values.try_emplace(init.name(), *t).second) {
      error("initializer '" + init.name() + "' is defined twice");
      return nullptr;
    }
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
    if (values.count(in.name())) {
      error("graph input '" + in.name() + "' is declared twice");
      return nullptr;
    }
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
    // An output's type is optional in ONNX: compared when fully declared.
    std::optional<RankedTensorType> declared = declaredType(out);
    if (declared &&
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

/// The dialects of the module the importer builds.
static void insertImportedDialects(DialectRegistry &registry) {
  registry.insert<QATDialect, arith::ArithDialect, func::FuncDialect,
                  linalg::LinalgDialect, math::MathDialect, quant::QuantDialect,
                  tensor::TensorDialect>();
}

OwningOpRef<ModuleOp> mlir::qat::importONNXModel(StringRef bytes,
                                                 StringRef fileName,
                                                 MLIRContext *context) {
  DialectRegistry registry;
  insertImportedDialects(registry);
  context->appendDialectRegistry(registry);
  for (StringRef name : registry.getDialectNames())
    context->getOrLoadDialect(name);
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
  int64_t known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance()
                      .Map()
                      .at(onnx::ONNX_DOMAIN)
                      .second;
  try {
    if (getDefaultDomainOpset(model) <= known)
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
        // An .onnx file has no lines: its diagnostics print as
        // "model.onnx: error: node ...", not at a bogus line 0. And
        // mlir-translate exits 0 whenever a module comes back: an import
        // that reported an error returns none, so that the tool fails.
        ToolDiagnostics diagnostics(context, "qat-translate");
        OwningOpRef<Operation *> module = importONNXModel(
            buffer->getBuffer(), buffer->getBufferIdentifier(), context);
        if (diagnostics.hadError())
          return nullptr;
        return module;
      },
      insertImportedDialects);
}
