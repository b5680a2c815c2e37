//===- JitRunner.cpp - JIT-compile and run a function ---------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Execution/JitRunner.h"
#include "qat/InitQAT.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/TargetSelect.h"

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace mlir;
using namespace mlir::qat;

// A failed run-time check (cf.assert, e.g. from qat-runtime-shape-checks)
// is lowered to puts(message) and abort(). In the JIT, stdout is often a
// pipe whose buffer abort() would discard, and abort() would end in a crash
// report: the message goes to stderr as an error and the process exits
// with status 1 instead.
extern "C" int qatJitPuts(const char *message) {
  llvm::errs() << "error: " << message << "\n";
  return 0;
}

extern "C" void qatJitAbort() {
  llvm::errs().flush();
  std::fflush(stdout);
  std::_Exit(1);
}

static llvm::orc::SymbolMap
getCheckFailureSymbols(llvm::orc::MangleAndInterner interner) {
  llvm::orc::SymbolMap symbols;
  symbols[interner("puts")] = {llvm::orc::ExecutorAddr::fromPtr(&qatJitPuts),
                               llvm::JITSymbolFlags::Exported};
  symbols[interner("abort")] = {llvm::orc::ExecutorAddr::fromPtr(&qatJitAbort),
                                llvm::JITSymbolFlags::Exported};
  return symbols;
}

void mlir::qat::keepFreedBuffersInHeap() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

DialectRegistry mlir::qat::createQATContextRegistry() {
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerQATDialects(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  return registry;
}

void mlir::qat::initializeJit() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

CompiledFunction::~CompiledFunction() = default;

llvm::Error mlir::qat::matchSignature(const TensorSignature &sig,
                                      ElementKind kind,
                                      ArrayRef<int64_t> shape) {
  bool shapeOk = shape.size() == sig.shape.size();
  for (size_t d = 0; shapeOk && d < sig.shape.size(); ++d)
    shapeOk = ShapedType::isDynamic(sig.shape[d]) || sig.shape[d] == shape[d];
  // Integers are signless in MLIR: unsigned data of the same width fits
  // (ONNX's uint8 tensors arrive as u8 .npy files for i8 arguments).
  auto unsign = [](ElementKind k) {
    return k == ElementKind::I8    ? ElementKind::U8
           : k == ElementKind::I16 ? ElementKind::U16
                                   : k;
  };
  if (shapeOk && unsign(kind) == unsign(sig.kind))
    return llvm::Error::success();
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "expected " + describeTensorType(sig.kind, sig.shape) + ", got " +
          describeTensorType(kind, shape));
}

static FailureOr<TensorSignature> getSignature(Location loc, Type type,
                                               StringRef what) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  std::optional<ElementKind> kind =
      tensor ? getElementKind(tensor.getElementType()) : std::nullopt;
  if (!kind)
    return emitError(loc) << "qat-run supports ranked tensors of f16, bf16, "
                             "f32, f64 and i8..i64 as "
                          << what << ", got " << type;
  return TensorSignature{*kind, SmallVector<int64_t>(tensor.getShape())};
}

/// The JIT links the program and the C library in one namespace of
/// symbols: a function of the program named like a C function the
/// generated code calls (malloc, free, memcpy, tanhf, ...) would take its
/// place (math.tanh in @tanhf calling @tanhf itself, the runtime's malloc
/// calling @malloc with tensors). Every function the module defines gets a
/// prefix that no C library uses (declarations keep their names: they bind
/// to outside symbols). Returns the new name of `entry`.
static FailureOr<std::string> prefixDefinedFunctions(ModuleOp module,
                                                     func::FuncOp entry) {
  SymbolTable symbols(module);
  std::string entryName;
  for (auto func : llvm::to_vector(module.getOps<func::FuncOp>())) {
    if (func.isExternal())
      continue;
    std::string name = ("_qat_jit_" + func.getSymName()).str();
    while (symbols.lookup(name))
      name += "_";
    if (failed(symbols.rename(func, name)))
      return func.emitError() << "cannot rename @" << func.getSymName()
                              << " to @" << name << " for the JIT";
    if (func == entry)
      entryName = name;
  }
  return entryName;
}

FailureOr<std::unique_ptr<CompiledFunction>>
CompiledFunction::compile(ModuleOp module, StringRef name,
                          std::function<void(OpPassManager &)> buildPipeline,
                          const JitOptions &jitOptions, CompileTimes *times) {
  initializeJit();

  auto func = module.lookupSymbol<func::FuncOp>(name);
  if (!func)
    return emitError(module.getLoc()) << "no function @" << name;
  std::unique_ptr<CompiledFunction> compiled(new CompiledFunction());
  compiled->name = name.str();
  for (Type t : func.getArgumentTypes()) {
    FailureOr<TensorSignature> sig =
        getSignature(func.getLoc(), t, "arguments");
    if (failed(sig))
      return failure();
    compiled->inputs.push_back(*sig);
  }
  for (Type t : func.getResultTypes()) {
    FailureOr<TensorSignature> sig = getSignature(func.getLoc(), t, "results");
    if (failed(sig))
      return failure();
    compiled->results.push_back(*sig);
  }
  func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                UnitAttr::get(module.getContext()));
  // The function is lowered away: JIT errors are reported at its location.
  Location funcLoc = func.getLoc();
  FailureOr<std::string> symbol = prefixDefinedFunctions(module, func);
  if (failed(symbol))
    return failure();
  compiled->symbol = *symbol;

  // Processor time: on a loaded machine, wall time would measure the load.
  std::clock_t start = std::clock();
  auto elapsed = [&] {
    std::clock_t now = std::clock();
    double s = double(now - start) / CLOCKS_PER_SEC;
    start = now;
    return s;
  };
  PassManager pm(module.getContext());
  buildPipeline(pm);
  LogicalResult lowered = pm.run(module);
  if (times)
    times->pipeline += elapsed();
  if (failed(lowered))
    return failure();

  // Keep the transformer alive while the engine is created: the options hold
  // a function_ref to it.
  unsigned optLevel = std::min(jitOptions.optLevel, 3u);
  auto transformer = makeOptimizingTransformer(optLevel,
                                               /*sizeLevel=*/0,
                                               /*targetMachine=*/nullptr);
  ExecutionEngineOptions options;
  options.transformer = transformer;
  // The OpenMP runtime runs multi-threaded kernels (qat-codegen-cpu
  // threads=N).
  StringRef runtimeLibs[] = {QAT_MLIR_C_RUNNER_UTILS, QAT_OPENMP_RUNTIME};
  options.sharedLibPaths = runtimeLibs;
  options.jitCodeGenOptLevel =
      static_cast<llvm::CodeGenOptLevel>(optLevel); // None .. Aggressive
  auto engine = ExecutionEngine::create(module, options);
  if (!engine)
    return emitError(funcLoc)
           << "JIT compilation failed: " << llvm::toString(engine.takeError());
  (*engine)->registerSymbols(getCheckFailureSymbols);
  // The JIT generates machine code at the first look-up: do it here, so
  // that compile errors surface now and `times` counts them as compilation.
  if (auto fn = (*engine)->lookupPacked("_mlir_ciface_" + compiled->symbol);
      !fn)
    return emitError(funcLoc)
           << "JIT compilation failed: " << llvm::toString(fn.takeError());
  if (times)
    times->llvm += elapsed();
  compiled->engine = std::move(*engine);
  return compiled;
}

namespace {
/// A ranked memref descriptor as the C interface lays it out:
/// {allocated, aligned, offset, sizes[rank], strides[rank]}, all 8 bytes.
struct Descriptor {
  static size_t words(size_t rank) { return 3 + 2 * rank; }
};
} // namespace

/// Where the JIT puts the `allocated` pointer of a memref.get_global.
static constexpr uintptr_t kGlobalMarker = 0xdeadbeef;

llvm::Expected<SmallVector<HostTensor>>
CompiledFunction::run(ArrayRef<HostTensor> args, bool collectResults) {
  auto fail = [](const Twine &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
  };
  if (args.size() != inputs.size())
    return fail("@" + name + " takes " + Twine(inputs.size()) +
                " arguments, got " + Twine(args.size()));

  // Argument descriptors.
  std::vector<std::vector<int64_t>> argDescs;
  std::vector<const void *> argBuffers;
  for (auto [i, arg] : llvm::enumerate(args)) {
    if (llvm::Error err = matchSignature(inputs[i], arg.kind, arg.shape))
      return fail("argument #" + Twine(i) + " of @" + name + ": " +
                  llvm::toString(std::move(err)));
    size_t rank = arg.shape.size();
    std::vector<int64_t> desc(Descriptor::words(rank));
    auto ptr = reinterpret_cast<int64_t>(arg.data());
    desc[0] = desc[1] = ptr;
    desc[2] = 0;
    int64_t stride = 1;
    for (size_t d = rank; d-- > 0;) {
      desc[3 + d] = arg.shape[d];
      desc[3 + rank + d] = stride;
      stride *= arg.shape[d];
    }
    argDescs.push_back(std::move(desc));
    argBuffers.push_back(arg.data());
  }

  // Results: one descriptor, or a struct of descriptors, behind a pointer
  // that comes first in the C interface.
  size_t resultWords = 0;
  for (const TensorSignature &sig : results)
    resultWords += Descriptor::words(sig.shape.size());
  std::vector<int64_t> resultStorage(std::max<size_t>(resultWords, 1));
  void *resultPtr = resultStorage.data();

  SmallVector<void *> descPtrs;
  for (std::vector<int64_t> &d : argDescs)
    descPtrs.push_back(d.data());
  SmallVector<void *> packed;
  if (!results.empty())
    packed.push_back(&resultPtr);
  for (void *&p : descPtrs)
    packed.push_back(&p);
  if (llvm::Error err = engine->invokePacked("_mlir_ciface_" + symbol, packed))
    return std::move(err);

  SmallVector<HostTensor> outputs;
  SmallVector<void *> toFree;
  size_t at = 0;
  for (const TensorSignature &sig : results) {
    size_t rank = sig.shape.size();
    const int64_t *desc = resultStorage.data() + at;
    at += Descriptor::words(rank);
    SmallVector<int64_t> shape(desc + 3, desc + 3 + rank);
    auto *allocated = reinterpret_cast<void *>(desc[0]);
    // The caller owns returned buffers, unless they are globals (constants)
    // or the arguments themselves.
    if (reinterpret_cast<uintptr_t>(allocated) != kGlobalMarker &&
        !llvm::is_contained(argBuffers, allocated) &&
        !llvm::is_contained(toFree, allocated))
      toFree.push_back(allocated);
    if (!collectResults)
      continue;
    HostTensor out(sig.kind, shape);
    size_t elemSize = getElementSize(sig.kind);
    auto *base = reinterpret_cast<const uint8_t *>(desc[1]) +
                 desc[2] * static_cast<int64_t>(elemSize);
    // Row-major results in one copy; others element by element. An empty
    // result's buffer may be null, and memcpy from null is undefined even
    // for 0 bytes.
    bool rowMajor = true;
    for (int64_t d = rank, stride = 1; d-- > 0; stride *= shape[d])
      rowMajor &= shape[d] == 1 || desc[3 + rank + d] == stride;
    SmallVector<int64_t> index(rank, 0);
    if (rowMajor && !out.bytes.empty())
      std::memcpy(out.bytes.data(), base, out.bytes.size());
    for (int64_t n = 0, e = rowMajor ? 0 : out.getNumElements(); n < e; ++n) {
      int64_t offset = 0;
      for (size_t d = 0; d < rank; ++d)
        offset += index[d] * desc[3 + rank + d];
      std::memcpy(out.bytes.data() + n * elemSize, base + offset * elemSize,
                  elemSize);
      for (size_t d = rank; d-- > 0;) {
        if (++index[d] < shape[d])
          break;
        index[d] = 0;
      }
    }
    outputs.push_back(std::move(out));
  }
  for (void *p : toFree)
    std::free(p);
  return outputs;
}
