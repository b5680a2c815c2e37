//===- Pipelines.h - qat's pass pipelines -----------------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_PIPELINES_PIPELINES_H
#define QAT_PIPELINES_PIPELINES_H

#include "qat/Options.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::qat {

/// The reference path on a QAT graph: fold learned parameters (all must
/// become static) and lower fake quantization to float arithmetic.
void buildSimulationPipeline(OpPassManager &pm);

/// Options of `qat-to-int`. (The values of the enums, with their
/// descriptions, are in qat/Options.h.)
struct QATToIntOptions : public PassPipelineOptions<QATToIntOptions> {
  PassOptions::Option<FallbackMode> fallback{
      *this, "fallback",
      llvm::cl::desc("What to do with operations that have no integer "
                     "lowering"),
      llvm::cl::init(FallbackMode::Float)};
  PassOptions::Option<RequantMode> requant{
      *this, "requant",
      llvm::cl::desc("Requantization of the accumulators "
                     "(docs/Semantics.md §8.4)"),
      llvm::cl::init(RequantMode::Float)};
  PassOptions::Option<bool> doubleRound{
      *this, "double-round",
      llvm::cl::desc("With requant=fixed-point: TFLite's double rounding "
                     "(true) or TOSA's single rounding (false, closer to the "
                     "fake-quant graph)"),
      llvm::cl::init(false)};
};

/// QAT graph -> integer program on tensors: lower TOSA (what torch-mlir and
/// TensorFlow emit) with upstream's TOSA -> linalg passes, fold learned
/// parameters, quantize weights, split activation fake-quants, form integer
/// regions, lower what remains of the quantize/dequantize pairs (and any
/// fake-quant kept in float) to linalg.
void buildQATToIntPipeline(OpPassManager &pm, const QATToIntOptions &options);

/// One-shot bufferization of a tensor program across function boundaries
/// with identity layouts, deallocation, bufferization ops to memref.
void buildBufferizePipeline(OpPassManager &pm);

/// A bufferized program to the LLVM dialect: linalg to loops, vector, scf,
/// memref, arith, math, func and cf to LLVM.
void buildLowerBuffersToLLVMPipeline(OpPassManager &pm);

/// Upstream's plain lowering of a tensor program (linalg, arith, math,
/// tensor) to the LLVM dialect: one-shot bufferization across function
/// boundaries with identity layouts, deallocation, loops, LLVM. Correct but
/// not fast; the codegen pipeline replaces it for speed.
void buildLowerToLLVMPipeline(OpPassManager &pm);

/// The parsers of qat-codegen-cpu's integer options, with their ranges (0
/// is the default tile).
using RowsPerTileParser = BoundedIntParser<int64_t, 0, kMaxRowsPerTile>;
using VectorsPerRowParser = BoundedIntParser<int64_t, 0, kMaxVectorsPerRow>;
using ThreadsParser = BoundedIntParser<unsigned, 1, kMaxThreads>;

/// Options of `qat-codegen-cpu`.
struct CodegenCPUOptions : public PassPipelineOptions<CodegenCPUOptions> {
  PassOptions::Option<int64_t, RowsPerTileParser> rowsPerTile{
      *this, "mr",
      llvm::cl::desc("Output rows per matmul register tile, 0 to 16 (0: 8 "
                     "for avx512vnni's 32 vector registers, else 4)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t, VectorsPerRowParser> vectorsPerRow{
      *this, "nr-vectors",
      llvm::cl::desc("Accumulator vectors per register tile row, 0 to 4 "
                     "(0: 2)"),
      llvm::cl::init(0)};
  PassOptions::Option<InstructionSet> isa{
      *this, "isa", llvm::cl::desc("Instruction set of the micro-kernels"),
      llvm::cl::init(InstructionSet::Host)};
  PassOptions::Option<unsigned, ThreadsParser> threads{
      *this, "threads",
      llvm::cl::desc("Threads the kernels' column panels are spread over, 1 "
                     "to 1024 (OpenMP; 1: sequential). Results do not depend "
                     "on it"),
      llvm::cl::init(1)};
};

/// Integer program on tensors (the output of `qat-to-int`) -> LLVM dialect:
/// exact vector micro-kernels for integer matmuls with their epilogues
/// fused (qat-vectorize-matmul), bufferization, instruction selection
/// (qat-x86-vpdpbusd, qat-x86-vpmaddwd, per `isa`), then upstream's lowering
/// for everything else.
void buildCodegenCPUPipeline(OpPassManager &pm,
                             const CodegenCPUOptions &options);

/// Options of `qat-compile`: those of both halves, declared once in their
/// structs (PassPipelineOptions derives virtually from PassOptions so that
/// one struct can hold the options of several).
struct CompileOptions : public PassPipelineOptions<CompileOptions>,
                        public QATToIntOptions,
                        public CodegenCPUOptions {
  using PassPipelineOptions<CompileOptions>::createFromString;
};

/// QAT graph -> LLVM dialect: qat-to-int, then qat-codegen-cpu.
void buildCompilePipeline(OpPassManager &pm, const CompileOptions &options);

/// The options of `qat-compile` as command-line flags of a tool that
/// compiles a graph (qat-run, qat-aot): --fallback, --requant,
/// --double-round, --isa, --kernel-threads (the pipelines' `threads`), --mr
/// and --nr-vectors, with the descriptions, values and defaults of
/// CompileOptions, in the tool's `category`. Like any llvm::cl::opt, it must
/// exist before llvm::cl::ParseCommandLineOptions: a static at file scope.
class CompileCLOptions {
public:
  explicit CompileCLOptions(llvm::cl::OptionCategory &category);

  /// Sets `options` from the flags (their defaults where not given).
  void apply(CompileOptions &options) const;

private:
  /// Where the flags' descriptions and defaults come from.
  CompileOptions defaults;
  llvm::cl::opt<FallbackMode> fallback;
  llvm::cl::opt<RequantMode> requant;
  llvm::cl::opt<bool> doubleRound;
  llvm::cl::opt<InstructionSet> isa;
  llvm::cl::opt<unsigned, false, ThreadsParser> threads;
  llvm::cl::opt<int64_t, false, RowsPerTileParser> rowsPerTile;
  llvm::cl::opt<int64_t, false, VectorsPerRowParser> vectorsPerRow;
};

/// Registers `qat-to-int`, `qat-simulate-pipeline`, `qat-lower-to-llvm`,
/// `qat-codegen-cpu` and `qat-compile`.
void registerQATPipelines();

} // namespace mlir::qat

#endif // QAT_PIPELINES_PIPELINES_H
