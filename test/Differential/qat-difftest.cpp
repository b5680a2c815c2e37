//===- qat-difftest.cpp - random differential test of the integer path ----===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// qat-difftest [--cases N] [--seed S]
//
// For each seeded random QAT graph (every layer's quantized tensor is a
// result): compile it with qat-to-int (then upstream's loops, and
// qat-codegen-cpu's vector code, on two threads for every other graph and,
// on a host with AVX-512 VNNI, with the AVX2 kernels for every other pair) and
// with the f32 and f64 simulations,
// run all four on the same inputs, and require (with float requantization
// for half of the graphs, fixed-point double and single rounding for a
// quarter each)
//   - every quantized tensor of the integer program to equal the C++ integer
//     reference bit for bit (docs/Semantics.md §8), with both lowerings;
//   - every quantized tensor to be within one quantization step of the
//     fake-quant graph's layer evaluated with exact arithmetic from the
//     program's own previous tensor (so that one layer's 1-step difference
//     is not counted again, amplified, in later layers).
// It also reports end-to-end agreement with the f64 and f32 simulations.
// Prints the figures and a closing "N passed, N failed" line.
//
//===----------------------------------------------------------------------===//

#include "RandomGraphs.h"

#include "qat/Dialect/QAT/Transforms/Passes.h"
#include "qat/Execution/Compare.h"
#include "qat/Execution/JitRunner.h"
#include "qat/Pipelines/Pipelines.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mlir;
using namespace mlir::qat;
using namespace mlir::qat::difftest;

/// qat-difftest's options: --help shows these, not LLVM's backend flags.
static llvm::cl::OptionCategory difftestCategory("qat-difftest options");

static llvm::cl::opt<unsigned> numCases("cases",
                                        llvm::cl::desc("Number of graphs"),
                                        llvm::cl::init(200),
                                        llvm::cl::cat(difftestCategory));
static llvm::cl::opt<unsigned> seed("seed", llvm::cl::desc("Generator seed"),
                                    llvm::cl::init(1),
                                    llvm::cl::cat(difftestCategory));
static llvm::cl::opt<unsigned>
    firstCase("first", llvm::cl::desc("Index of the first case"),
              llvm::cl::init(0), llvm::cl::cat(difftestCategory));
static llvm::cl::opt<bool> dump("dump",
                                llvm::cl::desc("Print every graph's MLIR"),
                                llvm::cl::cat(difftestCategory));

namespace {
/// The integer program through upstream's loops and through qat's vector
/// code generation, and the two simulations.
enum class Path { Int, IntVectorized, Sim32, Sim64 };

/// The vector code's instruction set and threads.
struct Target {
  InstructionSet isa = InstructionSet::Host;
  unsigned threads = 1;
};

FailureOr<SmallVector<HostTensor>>
compileAndRun(MLIRContext &ctx, const std::string &text, Path path,
              Requant requant, const HostTensor &input, Target target = {},
              bool floatLayers = false) {
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &ctx);
  if (!module)
    return failure();
  HostTensor arg = input;
  if (path == Path::Sim64) {
    PassManager pm(&ctx);
    pm.addPass(createQATPromoteToF64Pass());
    if (failed(pm.run(*module)))
      return failure();
    arg = HostTensor(ElementKind::F64, input.shape);
    for (int64_t i = 0, e = input.getNumElements(); i < e; ++i)
      arg.setFromDouble(i, input.getAsDouble(i));
  }
  auto compiled =
      CompiledFunction::compile(*module, "f", [&](OpPassManager &pm) {
        if (path == Path::Int || path == Path::IntVectorized) {
          QATToIntOptions options;
          // Every layer must become integer code, but those the reference
          // knows stay in float.
          options.fallback =
              floatLayers ? FallbackMode::Float : FallbackMode::Error;
          options.requant = requant == Requant::Float ? RequantMode::Float
                                                      : RequantMode::FixedPoint;
          options.doubleRound = requant == Requant::FixedPointDoubleRound;
          buildQATToIntPipeline(pm, options);
        } else
          buildSimulationPipeline(pm);
        if (path == Path::IntVectorized) {
          CodegenCPUOptions options;
          options.isa = target.isa;
          options.threads = target.threads;
          buildCodegenCPUPipeline(pm, options);
        } else
          buildLowerToLLVMPipeline(pm);
      });
  if (failed(compiled))
    return failure();
  auto results = (*compiled)->run({arg});
  if (!results) {
    llvm::errs() << llvm::toString(results.takeError()) << "\n";
    return failure();
  }
  return std::move(*results);
}

void print(StringRef name, const Agreement &a) {
  llvm::outs() << llvm::formatv(
      "  {0,-30} {1}/{2} elements exact ({3:P3}), max difference {4} steps\n",
      name, a.exact, a.total, a.exactFraction(), a.maxDifference);
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::HideUnrelatedOptions(difftestCategory);
  llvm::cl::ParseCommandLineOptions(argc, argv,
                                    "qat random differential test\n");
  MLIRContext ctx(createQATContextRegistry());
  ctx.printOpOnDiagnostic(false);
  // Errors print; remarks (there are none with fallback=error) do not.
  ctx.getDiagEngine().registerHandler([](Diagnostic &d) {
    if (d.getSeverity() == DiagnosticSeverity::Remark)
      return success();
    return failure();
  });

  // Half of the graphs compile with float requantization, a quarter with
  // each fixed-point rounding.
  const Requant modes[] = {Requant::Float, Requant::FixedPointDoubleRound,
                           Requant::Float, Requant::FixedPointSingleRound};
  const char *modeNames[] = {"float", "fixed-point double-round",
                             "fixed-point single-round"};
  Agreement vsReference, vsExactLayer[3], vsF64, vsF32;
  // The host's kernels, and on an AVX-512 VNNI host the AVX2 ones as well.
  std::vector<InstructionSet> isas{InstructionSet::Host};
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512vnni"))
    isas.push_back(InstructionSet::Avx2);
#endif
  unsigned numPassed = 0, numFailed = 0, numRejected = 0;
  for (unsigned c = firstCase; c < firstCase + numCases; ++c) {
    Graph graph = generateGraph(seed, c);
    std::string text = emitMLIR(graph);
    if (dump)
      llvm::outs() << "// case " << c << "\n" << text;
    HostTensor input = generateInput(graph, seed * 7919 + c);
    Requant requant = modes[c % 4];
    bool floatLayers = hasFloatLayers(graph, requant);
    auto integer =
        compileAndRun(ctx, text, Path::Int, requant, input, {}, floatLayers);
    // A graph outside the i32 domain must be rejected (with a located
    // error), and only such a graph.
    if (isOutsideIntegerDomain(graph, requant)) {
      if (succeeded(integer)) {
        llvm::errs() << "case " << c << " FAILED: compiled to integers, but "
                     << "its constants have no exact i32 form\n"
                     << text;
        ++numFailed;
      } else {
        ++numRejected;
        ++numPassed;
      }
      continue;
    }
    // Every kernel the host can run, on 1 and 2 threads.
    Target target{isas[c / 2 % isas.size()], 1 + c % 2};
    auto vectorized = compileAndRun(ctx, text, Path::IntVectorized, requant,
                                    input, target, floatLayers);
    auto sim32 = compileAndRun(ctx, text, Path::Sim32, requant, input);
    auto sim64 = compileAndRun(ctx, text, Path::Sim64, requant, input);
    if (failed(integer) || failed(vectorized) || failed(sim32) ||
        failed(sim64)) {
      llvm::errs() << "case " << c << ": compilation or execution failed\n"
                   << text;
      ++numFailed;
      continue;
    }
    SmallVector<HostTensor> reference =
        evaluateIntegerReference(graph, input, requant);
    bool ok = true;
    std::string why;
    for (size_t l = 0; l < graph.layers.size(); ++l) {
      const HostTensor &got = (*integer)[l];
      OutputGrid grid;
      grid.scales = {static_cast<float>(graph.layers[l].output.scale)};
      Agreement ref = compareOutputs(got, reference[l], grid);
      accumulate(vsReference, ref);
      const HostTensor &vec = (*vectorized)[l];
      if (vec.bytes != got.bytes) {
        ok = false;
        why += llvm::formatv("layer {0} differs between loops and vector "
                             "code; ",
                             l)
                   .str();
      }
      if (std::memcmp(got.bytes.data(), reference[l].bytes.data(),
                      got.bytes.size()) != 0) {
        ok = false;
        why += llvm::formatv("layer {0} differs from the integer reference "
                             "({1}/{2} exact); ",
                             l, ref.exact, ref.total)
                   .str();
      }
      const HostTensor &layerInput = l == 0 ? input : (*integer)[l - 1];
      Agreement exact =
          compareOutputs(got, evaluateLayerExactly(graph, l, layerInput), grid);
      accumulate(vsExactLayer[static_cast<int>(requant)], exact);
      if (exact.maxDifference > 1) {
        ok = false;
        why += llvm::formatv("layer {0} is {1} steps from its exact "
                             "evaluation; ",
                             l, exact.maxDifference)
                   .str();
      }
      accumulate(vsF64, compareOutputs(got, (*sim64)[l], grid));
      accumulate(vsF32, compareOutputs(got, (*sim32)[l], grid));
    }
    if (!ok) {
      ++numFailed;
      llvm::errs() << "case " << c << " FAILED: " << why << "\n" << text;
      continue;
    }
    ++numPassed;
  }
  llvm::outs() << llvm::formatv("qat-difftest: {0} random graphs, seed {1}\n",
                                numCases, seed);
  print("vs integer reference", vsReference);
  for (int m = 0; m < 3; ++m)
    print(llvm::formatv("vs exact layers, {0}", modeNames[m]).str(),
          vsExactLayer[m]);
  print("vs f64 simulation (end to end)", vsF64);
  print("vs f32 simulation (end to end)", vsF32);
  llvm::outs() << llvm::formatv(
      "  {0,-30} {1} graphs (passed: their constants have no i32 form)\n",
      "rejected with an error", numRejected);
  llvm::outs() << numPassed << " passed, " << numFailed << " failed\n";
  return numFailed == 0 ? 0 : 1;
}
