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

#include "CheckGraph.h"

#include "qat/Execution/JitRunner.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <ctime>
#include <map>

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

static llvm::cl::opt<bool>
    dynamicShapes("dynamic",
                  llvm::cl::desc("Also generate graphs with a dynamic batch "
                                 "dimension, run with several sizes "
                                 "(--dynamic=false: none)"),
                  llvm::cl::init(true), llvm::cl::cat(difftestCategory));
static llvm::cl::opt<bool> emptyTensors(
    "empty",
    llvm::cl::desc("Also generate graphs with a dimension of size 0 (M, K or "
                   "N; --empty=false: none)"),
    llvm::cl::init(true), llvm::cl::cat(difftestCategory));
static llvm::cl::opt<bool>
    baseline("baseline",
             llvm::cl::desc("Only the original features: no wide bits, "
                            "unsigned weights, other axes, empty tensors, "
                            "learned parameters, unused fake-quants, extreme "
                            "scales or deep chains"),
             llvm::cl::cat(difftestCategory));
static llvm::cl::opt<unsigned>
    jitOptLevel("jit-opt-level",
                llvm::cl::desc("LLVM optimization level of the JIT (0-3)"),
                llvm::cl::init(3), llvm::cl::cat(difftestCategory));
static llvm::cl::opt<bool> simulations(
    "simulate",
    llvm::cl::desc("Also compile and run the f32 and f64 simulations (the end "
                   "to end figures; the checks do not need them)"),
    llvm::cl::init(true), llvm::cl::cat(difftestCategory));
static llvm::cl::list<std::string> probabilities(
    "probability",
    llvm::cl::desc("Override a feature's probability: <feature>=<0..1> "
                   "(comma-separated list)"),
    llvm::cl::CommaSeparated, llvm::cl::cat(difftestCategory));
static llvm::cl::opt<std::string> onlyFeature(
    "only",
    llvm::cl::desc("Skip the graphs without this feature (a name of the "
                   "per-feature figures, e.g. wide-bits)"),
    llvm::cl::cat(difftestCategory));
static llvm::cl::opt<bool> progress(
    "progress",
    llvm::cl::desc("Print each case's index to stderr before running it (to "
                   "find the case that crashes a run)"),
    llvm::cl::cat(difftestCategory));
static llvm::cl::opt<bool>
    timing("timing",
           llvm::cl::desc("Print where the time goes (generation, MLIR "
                          "pipelines, LLVM, execution, reference)"),
           llvm::cl::cat(difftestCategory));

namespace {
void print(StringRef name, const Agreement &a) {
  llvm::outs() << llvm::formatv(
      "  {0,-30} {1}/{2} elements exact ({3:P3}), max difference {4} steps\n",
      name, a.exact, a.total, a.exactFraction(), a.maxDifference);
}

/// Per feature of the generator: graphs passed, failed, rejected.
struct FeatureCounts {
  unsigned passed = 0, failed = 0, rejected = 0;
};
std::map<std::string, FeatureCounts> featureCounts;

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::HideUnrelatedOptions(difftestCategory);
  llvm::cl::ParseCommandLineOptions(argc, argv,
                                    "qat random differential test\n");
  MLIRContext ctx(createQATContextRegistry());
  ctx.printOpOnDiagnostic(false);
  GeneratorOptions generator;
  generator.dynamic = dynamicShapes;
  if (!emptyTensors)
    generator.emptyTensor = 0;
  for (const auto &[name, member] : getGeneratorKnobs())
    if (baseline)
      generator.*member = 0;
  for (const std::string &setting : probabilities) {
    auto [knobName, value] = StringRef(setting).split('=');
    StringRef name = knobName; // C++17 lambdas cannot capture a binding.
    double p;
    auto knob = llvm::find_if(getGeneratorKnobs(),
                              [&](const auto &k) { return k.first == name; });
    if (knob == getGeneratorKnobs().end() || value.getAsDouble(p) || p < 0 ||
        p > 1) {
      llvm::errs() << "qat-difftest: --probability " << setting
                   << ": expected <feature>=<0..1> with a feature of:";
      for (const auto &k : getGeneratorKnobs())
        llvm::errs() << " " << k.first;
      llvm::errs() << "\n";
      return 2;
    }
    generator.*(knob->second) = p;
  }

  // Half of the graphs compile with float requantization, a quarter with
  // each fixed-point rounding.
  const Requant modes[] = {Requant::Float, Requant::FixedPointDoubleRound,
                           Requant::Float, Requant::FixedPointSingleRound};
  const char *modeNames[] = {"float", "fixed-point double-round",
                             "fixed-point single-round"};
  CheckOptions options;
  options.jitOptLevel = jitOptLevel;
  options.simulations = simulations;
  Figures figures;
  // The host's kernels, and on an AVX-512 VNNI host the AVX2 ones as well.
  std::vector<InstructionSet> isas{InstructionSet::Host};
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512vnni"))
    isas.push_back(InstructionSet::Avx2);
#endif
  unsigned numPassed = 0, numFailed = 0, numRejected = 0;
  for (unsigned c = firstCase; c < firstCase + numCases; ++c) {
    std::clock_t start = std::clock();
    Graph graph = generateGraph(seed, c, generator);
    std::string text = emitMLIR(graph);
    figures.times.generate += secondsSince(start);
    Requant requant = modes[c % 4];
    std::vector<std::string> features = getFeatures(graph);
    if (!onlyFeature.empty() && !llvm::is_contained(features, onlyFeature))
      continue;
    if (dump)
      llvm::outs() << "// case " << c << "\n" << text;
    if (progress)
      llvm::errs() << "running case " << c << "\n";
    // Every kernel the host can run, on 1 and 2 threads.
    Target target{isas[c / 2 % isas.size()], 1 + c % 2};
    CaseResult result = checkGraph(ctx, graph, text, requant, target,
                                   seed * 7919 + c, options, figures);
    for (const std::string &f : features) {
      FeatureCounts &counts = featureCounts[f];
      counts.passed += result.outcome != CaseResult::Failed;
      counts.failed += result.outcome == CaseResult::Failed;
      counts.rejected += result.outcome == CaseResult::Rejected;
    }
    if (result.outcome == CaseResult::Failed) {
      ++numFailed;
      llvm::errs() << "case " << c << " FAILED: " << result.why << "\n"
                   << result.diagnostics << text;
      continue;
    }
    ++numPassed;
    numRejected += result.outcome == CaseResult::Rejected;
  }
  llvm::outs() << llvm::formatv("qat-difftest: {0} random graphs, seed {1}\n",
                                numCases, seed);
  print("vs integer reference", figures.vsReference);
  for (int m = 0; m < 3; ++m)
    print(llvm::formatv("vs exact layers, {0}", modeNames[m]).str(),
          figures.vsExactLayer[m]);
  print("vs f64 simulation (end to end)", figures.vsF64);
  print("vs f32 simulation (end to end)", figures.vsF32);
  llvm::outs() << llvm::formatv(
      "  {0,-30} {1} graphs (passed: no i32 form, or run-time parameters)\n",
      "rejected with an error", numRejected);
  llvm::outs() << llvm::formatv(
      "  {0,-30} {1} graphs (some layers run in float by design; {2} of "
      "their {3} float layers named by a remark)\n",
      "with float layers", figures.numFloatGraphs,
      figures.numRemarkedFloatLayers, figures.numFloatLayers);
  llvm::outs() << "  per feature (graphs passed / failed / of which "
                  "expected rejections):\n";
  for (const auto &[name, counts] : featureCounts)
    llvm::outs() << llvm::formatv("    {0,-24} {1} / {2} / {3}\n", name,
                                  counts.passed, counts.failed,
                                  counts.rejected);
  if (timing)
    llvm::outs() << llvm::formatv(
        "  time (s): generation {0:f2}, MLIR pipelines {1:f2}, LLVM {2:f2}, "
        "execution {3:f2}, reference {4:f2} ({5} runs)\n",
        figures.times.generate, figures.times.pipeline, figures.times.llvm,
        figures.times.run, figures.times.reference, figures.numRuns);
  llvm::outs() << numPassed << " passed, " << numFailed << " failed\n";
  return numFailed == 0 ? 0 : 1;
}
