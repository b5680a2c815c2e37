//===- Pipelines.cpp - qat's pass pipelines -------------------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Pipelines/Pipelines.h"

#include "qat/Codegen/Passes.h"
#include "qat/Conversion/Passes.h"
#include "qat/Dialect/QAT/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using namespace mlir::qat;

/// Upstream's TOSA -> linalg lowering, so that TOSA graphs with fake-quant
/// ops enter qat as linalg graphs; a no-op on graphs without TOSA.
static void addTosaFrontEnd(OpPassManager &pm) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  func.addPass(tosa::createTosaToLinalgNamed());
  func.addPass(tosa::createTosaToLinalg());
  func.addPass(createTosaToArithPass());
  func.addPass(createTosaToTensorPass());
}

void mlir::qat::buildSimulationPipeline(OpPassManager &pm) {
  addTosaFrontEnd(pm);
  QATFoldLearnedParamsPassOptions fold;
  fold.requireStatic = true;
  pm.addPass(createQATFoldLearnedParamsPass(fold));
  pm.addPass(createQATSimulatePass());
  // Graphs that hold integer tensors already (imported ONNX models, whose
  // weights are integer initializers) carry quantize/dequantize ops; their
  // lowering is the same arithmetic (docs/Semantics.md §3).
  pm.addPass(createConvertQATToLinalgPass());
}

void mlir::qat::buildQATToIntPipeline(OpPassManager &pm,
                                      const QATToIntOptions &options) {
  QATFoldLearnedParamsPassOptions fold;
  fold.requireStatic = true;
  pm.addPass(createQATFoldLearnedParamsPass(fold));
  // Weights first: the TOSA conversions fold a fake-quant of a constant into
  // a float constant, which would lose the weight's grid.
  pm.addPass(createQATQuantizeWeightsPass());
  addTosaFrontEnd(pm);
  // Element-wise arithmetic on whole tensors as the generics the integer
  // regions match.
  pm.addPass(createQATTensorOpsToLinalgPass());
  // pow by special constants as LLVM computes it, before tables fold it.
  pm.addPass(createQATExpandPowPass());
  pm.addPass(createQATSplitFakeQuantPass());
  pm.addPass(createQATSinkDequantizePass());
  QATFormIntegerRegionsPassOptions regions;
  regions.fallback = options.fallback;
  regions.requant = options.requant;
  regions.doubleRound = options.doubleRound;
  pm.addPass(createQATFormIntegerRegionsPass(regions));
  // Fixed-point requantization is tosa.apply_scale; lower it to arith.
  TosaToArithPassOptions applyScale;
  applyScale.includeApplyRescale = true;
  pm.addPass(createTosaToArithPass(applyScale));
  pm.addPass(createConvertQATToLinalgPass());
  // Fake-quant ops kept in float (TensorFlow's min/max form) are lowered as
  // the simulation defines them.
  pm.addPass(createQATSimulatePass());
  // Drop the float dequantizations the integer regions made dead.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

/// Upstream's buffer-deallocation-pipeline (as LLVM 22 builds it, default
/// options) with qat-split-deallocs before the simplification, which asks
/// an alias query per pair of memrefs one dealloc frees (a block's dealloc
/// frees all its buffers: quadratic in the number of layers).
static void buildDeallocationPipeline(OpPassManager &pm) {
  memref::ExpandReallocPassOptions expandRealloc;
  expandRealloc.emitDeallocs = false;
  pm.addNestedPass<func::FuncOp>(
      memref::createExpandReallocPass(expandRealloc));
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(
      bufferization::createOwnershipBasedBufferDeallocationPass());
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createQATSplitDeallocsPass());
  pm.addNestedPass<func::FuncOp>(
      bufferization::createBufferDeallocationSimplificationPass());
  pm.addPass(bufferization::createLowerDeallocationsPass());
  pm.addNestedPass<func::FuncOp>(createCSEPass());
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
}

void mlir::qat::buildBufferizePipeline(OpPassManager &pm) {
  // As text: qat-expand-pow, qat-tensor-ops-to-linalg,
  // qat-runtime-shape-checks, qat-constant-globals, qat-unshare-tensors,
  // one-shot-bufferize{bufferize-function-boundaries
  // function-boundary-type-conversion=identity-layout-map
  // allow-return-allocs-from-loops},
  // buffer-deallocation-pipeline (with qat-split-deallocs),
  // convert-bufferization-to-memref.
  // pow by special constants as LLVM computes it in scalar code, in vector
  // code too (while the constants are visible).
  pm.addPass(createQATExpandPowPass());
  // Float ops on whole tensors and aggregates have no bufferization.
  pm.addPass(createQATTensorOpsToLinalgPass());
  pm.addPass(createQATRuntimeShapeChecksPass());
  // The constants' globals in program order (after the passes that may add
  // constants): one-shot bufferization would name them in the order of a
  // hash map (output differing from run to run).
  pm.addPass(createQATConstantGlobalsPass());
  // One destination per writer and one constant per reader keep the
  // in-place analysis linear in the length of a chain (CSE gave a chain's
  // writers one tensor.empty, and its table layers one table).
  pm.addPass(createQATUnshareTensorsPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  // A loop that yields a new tensor (a fake-quant inside scf.for) gets a
  // buffer per iteration instead of failing.
  bufferize.allowReturnAllocsFromLoops = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  buildDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
}

void mlir::qat::buildLowerBuffersToLLVMPipeline(OpPassManager &pm) {
  // As text: qat-hoist-deallocs, qat-outline-layers, qat-math-to-libm,
  // scf-forall-to-for, convert-linalg-to-loops, convert-vector-to-scf,
  // lower-affine, qat-scf-to-cf, convert-vector-to-llvm,
  // convert-openmp-to-llvm, expand-strided-metadata, lower-affine,
  // finalize-memref-to-llvm, convert-math-to-llvm, convert-arith-to-llvm,
  // convert-index-to-llvm, convert-func-to-llvm, convert-cf-to-llvm,
  // convert-ub-to-llvm, reconcile-unrealized-casts. (Parallel loops not already
  // given to OpenMP run sequentially.) Before the vector lowering: it unrolls
  // vector math ops into scalar calls with vector.extract/insert. Buffers freed
  // after their last use, then functions of a bounded number of loop nests
  // (LLVM is quadratic in the loops of one function).
  pm.addPass(createQATHoistDeallocsPass());
  pm.addPass(createQATOutlineLayersPass());
  pm.addPass(createQATMathToLibmPass());
  pm.addPass(createForallToForLoopPass());
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createQATSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  // The subviews of tiles leave affine.apply offsets.
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  // The run-time shape checks compute with the index dialect.
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  // The padding of vectorized reads that never go out of bounds.
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::qat::buildLowerToLLVMPipeline(OpPassManager &pm) {
  buildBufferizePipeline(pm);
  buildLowerBuffersToLLVMPipeline(pm);
}

/// The instruction set `isa` names; Host reads the compiling machine's.
static InstructionSet resolveIsa(InstructionSet isa) {
  if (isa != InstructionSet::Host)
    return isa;
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512vnni"))
    return InstructionSet::Avx512Vnni;
  return features.lookup("avx2") ? InstructionSet::Avx2
                                 : InstructionSet::Generic;
}

void mlir::qat::buildCodegenCPUPipeline(OpPassManager &pm,
                                        const CodegenCPUOptions &options) {
  InstructionSet isa = resolveIsa(options.isa);
  QATVectorizeMatmulPassOptions matmul;
  bool vnni = isa == InstructionSet::Avx512Vnni;
  bool avx2 = isa == InstructionSet::Avx2;
  // 8 x 2 accumulators of 16 lanes use half of AVX-512's 32 registers; 4 x 2
  // of 8 lanes half of AVX2's 16 (measured best with qat-bench).
  matmul.rowsPerTile =
      options.rowsPerTile > 0 ? options.rowsPerTile : (vnni ? 8 : 4);
  matmul.vectorsPerRow = options.vectorsPerRow > 0 ? options.vectorsPerRow : 2;
  // A chunk of rows per thread: the panels alone may be fewer than the
  // threads (a depthwise convolution of 32 channels has one).
  matmul.rowChunks = std::max<int64_t>(1, options.threads);
  // Without VNNI, vpmaddubsw where it is proven exact.
  matmul.dotProduct = vnni   ? DotProduct::Quad
                      : avx2 ? DotProduct::QuadI16
                             : DotProduct::Pair;
  pm.addPass(createQATVectorizeMatmulPass(matmul));
  // No CSE of the whole function here: the kernels are CSE'd as they are
  // made (upstream's CSE is quadratic in the number of kernels).
  pm.addPass(createCanonicalizerPass());
  buildBufferizePipeline(pm);
  pm.addPass(createQATStridedCopiesToLinalgPass());
  pm.addPass(createQATVectorizeElementwisePass());
  if (options.threads > 1) {
    // The kernels' panel loops on an OpenMP team.
    pm.addPass(createForallToParallelLoopPass());
    ConvertSCFToOpenMPPassOptions openmp;
    openmp.numThreads = options.threads;
    pm.addPass(createConvertSCFToOpenMPPass(openmp));
    // Inlines the memref.alloca_scope the conversion wraps each iteration
    // in (the kernels allocate nothing); the blocks of the loops lowered
    // later inside it would make it invalid. (It keeps a scope around
    // calls with unknown effects: instruction selection comes after.)
    pm.addPass(createCanonicalizerPass());
  }
  if (vnni)
    pm.addPass(createQATX86VpdpbusdPass());
  if (avx2)
    pm.addPass(createQATX86VpmaddubswPass());
  if (vnni || avx2) {
    QATX86VpmaddwdPassOptions madd;
    madd.avx512 = vnni;
    pm.addPass(createQATX86VpmaddwdPass(madd));
  }
  buildLowerBuffersToLLVMPipeline(pm);
}

void mlir::qat::buildCompilePipeline(OpPassManager &pm,
                                     const CompileOptions &options) {
  buildQATToIntPipeline(pm, options);
  buildCodegenCPUPipeline(pm, options);
}

namespace {
/// A modifier of llvm::cl::opt (like cl::desc or cl::init): the flag takes
/// the description and the default of pipeline option `option`, and goes
/// into `category`.
template <typename T, typename Parser> struct Mirror {
  const mlir::detail::PassOptions::Option<T, Parser> &option;
  llvm::cl::OptionCategory &category;

  template <typename Opt> void apply(Opt &flag) const {
    flag.setDescription(option.HelpStr);
    flag.setInitialValue(option.getValue());
    flag.addCategory(category);
  }
};
} // namespace

template <typename T, typename Parser>
static Mirror<T, Parser>
mirror(const mlir::detail::PassOptions::Option<T, Parser> &option,
       llvm::cl::OptionCategory &category) {
  return {option, category};
}

CompileCLOptions::CompileCLOptions(llvm::cl::OptionCategory &category)
    : fallback("fallback", mirror(defaults.fallback, category)),
      requant("requant", mirror(defaults.requant, category)),
      doubleRound("double-round", mirror(defaults.doubleRound, category)),
      isa("isa", mirror(defaults.isa, category)),
      threads("kernel-threads", mirror(defaults.threads, category)),
      rowsPerTile("mr", mirror(defaults.rowsPerTile, category)),
      vectorsPerRow("nr-vectors", mirror(defaults.vectorsPerRow, category)) {}

void CompileCLOptions::apply(CompileOptions &options) const {
  options.fallback = fallback.getValue();
  options.requant = requant.getValue();
  options.doubleRound = doubleRound.getValue();
  options.isa = isa.getValue();
  options.threads = threads.getValue();
  options.rowsPerTile = rowsPerTile.getValue();
  options.vectorsPerRow = vectorsPerRow.getValue();
}

/// Registers pipeline `arg`, built by `build` from its options, as
/// PassPipelineRegistration does, but fails with an error where the pass
/// manager does not run on builtin.module: every qat pipeline holds module
/// passes, which a pass manager on another operation (`func.func(qat-compile)`)
/// would abort on ("Can't add pass ... restricted to 'builtin.module'").
template <typename Options>
static void
registerPipeline(StringRef arg, StringRef description,
                 std::function<void(OpPassManager &, const Options &)> build) {
  registerPassPipeline(
      arg, description,
      [arg, build](OpPassManager &pm, StringRef text,
                   function_ref<LogicalResult(const Twine &)> errorHandler) {
        StringRef anchor = pm.getOpAnchorName();
        if (anchor != ModuleOp::getOperationName())
          return errorHandler("pipeline '" + arg + "' runs on '" +
                              ModuleOp::getOperationName() + "', not on '" +
                              anchor + "'");
        Options options;
        if (failed(options.parseFromString(text)))
          return failure();
        build(pm, options);
        return success();
      },
      [](function_ref<void(const mlir::detail::PassOptions &)> handler) {
        handler(Options());
      });
}

/// A pipeline without options.
static void registerPipeline(StringRef arg, StringRef description,
                             void (*build)(OpPassManager &)) {
  registerPipeline<EmptyPipelineOptions>(
      arg, description,
      [build](OpPassManager &pm, const EmptyPipelineOptions &) { build(pm); });
}

void mlir::qat::registerQATPipelines() {
  registerPipeline<QATToIntOptions>(
      "qat-to-int",
      "Lower a QAT graph to an integer program on tensors (integer linalg; "
      "operations without an integer lowering stay in float)",
      buildQATToIntPipeline);
  registerPipeline(
      "qat-simulate-pipeline",
      "Fold learned parameters (all must become static), then lower "
      "fake-quant ops to float arithmetic",
      buildSimulationPipeline);
  registerPipeline(
      "qat-lower-to-llvm",
      "Upstream's reference lowering of a tensor program to the LLVM "
      "dialect (bufferize, loops, LLVM)",
      buildLowerToLLVMPipeline);
  registerPipeline(
      "qat-bufferize",
      "One-shot bufferization across function boundaries (identity "
      "layouts), deallocation, bufferization ops to memref",
      buildBufferizePipeline);
  registerPipeline(
      "qat-lower-buffers-to-llvm",
      "A bufferized program (linalg, vector, scf, memref, arith, math) to "
      "the LLVM dialect",
      buildLowerBuffersToLLVMPipeline);
  registerPipeline<CodegenCPUOptions>(
      "qat-codegen-cpu",
      "Integer program on tensors -> LLVM dialect for the host CPU: "
      "register-tiled vector micro-kernels for integer matmuls with fused "
      "epilogues, upstream's lowering for the rest",
      buildCodegenCPUPipeline);
  registerPipeline<CompileOptions>(
      "qat-compile", "QAT graph -> LLVM dialect: qat-to-int, qat-codegen-cpu",
      buildCompilePipeline);
}
