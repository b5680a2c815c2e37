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
#include "llvm/ADT/SmallSet.h"
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
/// The integer program through upstream's loops and through qat's vector
/// code generation, and the two simulations.
enum class Path { Int, IntVectorized, Sim32, Sim64 };

/// The vector code's instruction set and threads.
struct Target {
  InstructionSet isa = InstructionSet::Host;
  unsigned threads = 1;
};

/// Processor seconds spent in each stage, over all cases.
struct Times {
  double generate = 0, pipeline = 0, llvm = 0, run = 0, reference = 0;
};
Times times;

/// Processor seconds since `since` (of all threads: the OpenMP team's too).
double seconds(std::clock_t since) {
  return double(std::clock() - since) / CLOCKS_PER_SEC;
}

/// The layers the integer compile reported as running in float.
llvm::SmallSet<unsigned, 8> remarkedFloatLayers;
/// The case's error messages, and how many had no location.
std::string caseDiagnostics;
unsigned unlocatedErrors = 0;

FailureOr<std::unique_ptr<CompiledFunction>>
compile(MLIRContext &ctx, const std::string &text, Path path, Requant requant,
        Target target = {}, bool floatLayers = false) {
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &ctx);
  if (!module)
    return failure();
  if (path == Path::Sim64) {
    PassManager pm(&ctx);
    pm.addPass(createQATPromoteToF64Pass());
    if (failed(pm.run(*module)))
      return failure();
  }
  JitOptions jit;
  jit.optLevel = jitOptLevel;
  CompileTimes compileTimes;
  auto compiled = CompiledFunction::compile(
      *module, "f",
      [&](OpPassManager &pm) {
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
      },
      jit, &compileTimes);
  times.pipeline += compileTimes.pipeline;
  times.llvm += compileTimes.llvm;
  return compiled;
}

FailureOr<SmallVector<HostTensor>> run(CompiledFunction &fn, Path path,
                                       ArrayRef<HostTensor> inputs) {
  std::clock_t start = std::clock();
  SmallVector<HostTensor> args(inputs);
  if (path == Path::Sim64)
    for (HostTensor &arg : args) {
      if (arg.kind != ElementKind::F32)
        continue;
      HostTensor wide(ElementKind::F64, arg.shape);
      for (int64_t i = 0, e = arg.getNumElements(); i < e; ++i)
        wide.setFromDouble(i, arg.getAsDouble(i));
      arg = std::move(wide);
    }
  auto results = fn.run(args);
  times.run += seconds(start);
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

/// The per-tensor grid of `grid` for the comparisons in steps (a per-channel
/// grid's first channel: the figures are indicative there).
OutputGrid getComparisonGrid(const ActivationGrid &grid, ArrayRef<int64_t>) {
  OutputGrid out;
  for (double s : grid.scales)
    out.scales.push_back(static_cast<float>(s));
  out.axis = grid.axis;
  return out;
}

/// Per feature of the generator: graphs passed, failed, rejected.
struct FeatureCounts {
  unsigned passed = 0, failed = 0, rejected = 0;
};
std::map<std::string, FeatureCounts> featureCounts;

/// Checks the results of one compiled integer program (`what`), each layer
/// from the program's own previous tensor: an integer layer equals the
/// integer reference and is within one step of its exact evaluation; a
/// float layer lies within the f32 evaluation's error of the exact value.
/// Appends what is wrong to `why`; accumulates the figures when `stats`.
void checkProgram(const Graph &graph, Requant requant, StringRef what,
                  ArrayRef<HostTensor> inputs, ArrayRef<HostTensor> results,
                  std::string &why, Agreement *vsReference,
                  Agreement *vsExactLayer) {
  std::clock_t start = std::clock();
  for (size_t l = 0; l < graph.layers.size(); ++l) {
    const HostTensor &got = results[l];
    const HostTensor &layerInput = l == 0 ? inputs[0] : results[l - 1];
    OutputGrid grid =
        getComparisonGrid(graph.layers[l].output, getLayerShape(graph, l));
    if (!isIntegerLayer(graph, l, requant)) {
      // The program's storage values against the range.
      auto range = getFloatLayerRange(graph, l, layerInput);
      int64_t outside = 0;
      for (int64_t i = 0, e = got.getNumElements(); i < e; ++i) {
        const ActivationGrid &og = graph.layers[l].output;
        QuantGrid<float> eg = og.gridAt(got.shape, i);
        int64_t q = quantize<float>(static_cast<float>(got.getAsDouble(i)), eg);
        if (q < range[i].first || q > range[i].second)
          ++outside;
      }
      if (outside)
        why += llvm::formatv("{0}: float layer {1} has {2} elements outside "
                             "the f32 error bound of its exact value; ",
                             what, l, outside)
                   .str();
      continue;
    }
    HostTensor reference = evaluateIntegerLayer(graph, l, layerInput, requant);
    Agreement ref = compareOutputs(got, reference, grid);
    if (vsReference)
      accumulate(*vsReference, ref);
    if (got.bytes != reference.bytes)
      why += llvm::formatv("{0}: layer {1} differs from the integer reference "
                           "({2}/{3} exact); ",
                           what, l, ref.exact, ref.total)
                 .str();
    Agreement exact =
        compareOutputs(got, evaluateLayerExactly(graph, l, layerInput), grid);
    if (vsExactLayer)
      accumulate(*vsExactLayer, exact);
    if (exact.maxDifference > 1)
      why += llvm::formatv("{0}: layer {1} is {2} steps from its exact "
                           "evaluation; ",
                           what, l, exact.maxDifference)
                 .str();
  }
  times.reference += seconds(start);
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::HideUnrelatedOptions(difftestCategory);
  llvm::cl::ParseCommandLineOptions(argc, argv,
                                    "qat random differential test\n");
  MLIRContext ctx(createQATContextRegistry());
  ctx.printOpOnDiagnostic(false);
  // Errors are kept, and printed with the case if it fails; an error at an
  // unknown location is a failure of its own. Remarks (there are none with
  // fallback=error) are not printed, but the layers they name as running in
  // float are recorded.
  ctx.getDiagEngine().registerHandler([](Diagnostic &d) {
    if (d.getSeverity() != DiagnosticSeverity::Remark) {
      llvm::raw_string_ostream os(caseDiagnostics);
      os << d.getLocation() << ": " << d << "\n";
      unlocatedErrors += isa<UnknownLoc>(d.getLocation());
      return success();
    }
    unsigned layer;
    if (auto name = dyn_cast<NameLoc>(d.getLocation())) {
      StringRef n = name.getName().getValue();
      if (n.consume_front("layer") && !n.getAsInteger(10, layer) &&
          StringRef(d.str()).contains("runs in float"))
        remarkedFloatLayers.insert(layer);
    }
    return success();
  });

  GeneratorOptions generator;
  generator.dynamic = dynamicShapes;
  if (!emptyTensors)
    generator.emptyTensor = 0;
  for (const auto &[name, member] : getGeneratorKnobs())
    if (baseline)
      generator.*member = 0;
  for (const std::string &setting : probabilities) {
    auto [name, value] = StringRef(setting).split('=');
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
  Agreement vsReference, vsExactLayer[3], vsF64, vsF32;
  // The host's kernels, and on an AVX-512 VNNI host the AVX2 ones as well.
  std::vector<InstructionSet> isas{InstructionSet::Host};
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512vnni"))
    isas.push_back(InstructionSet::Avx2);
#endif
  unsigned numPassed = 0, numFailed = 0, numRejected = 0;
  unsigned numFloatGraphs = 0, numRuns = 0;
  unsigned numFloatLayers = 0, numRemarkedFloatLayers = 0;
  for (unsigned c = firstCase; c < firstCase + numCases; ++c) {
    std::clock_t start = std::clock();
    Graph graph = generateGraph(seed, c, generator);
    std::string text = emitMLIR(graph);
    times.generate += seconds(start);
    Requant requant = modes[c % 4];
    std::vector<std::string> features = getFeatures(graph);
    if (!onlyFeature.empty() && !llvm::is_contained(features, onlyFeature))
      continue;
    if (dump)
      llvm::outs() << "// case " << c << "\n" << text;
    if (progress)
      llvm::errs() << "running case " << c << "\n";
    enum class Outcome { Passed, Failed, Rejected };
    caseDiagnostics.clear();
    unlocatedErrors = 0;
    auto finish = [&](Outcome outcome, std::string why) {
      if (unlocatedErrors) {
        why += "an error without a location; ";
        outcome = Outcome::Failed;
      }
      for (const std::string &f : features) {
        FeatureCounts &counts = featureCounts[f];
        counts.passed += outcome != Outcome::Failed;
        counts.failed += outcome == Outcome::Failed;
        counts.rejected += outcome == Outcome::Rejected;
      }
      if (outcome == Outcome::Failed) {
        ++numFailed;
        llvm::errs() << "case " << c << " FAILED: " << why << "\n"
                     << caseDiagnostics << text;
        return;
      }
      ++numPassed;
      numRejected += outcome == Outcome::Rejected;
    };
    // Per-channel parameters on a dynamic axis are invalid, and learned
    // parameters that are function arguments unsupported: every pipeline
    // rejects them (qat-fold-learned-params=require-static; qat-simulate
    // needs static parameters too).
    if (hasDynamicAxis(graph)) {
      if (succeeded(compile(ctx, text, Path::Int, requant, {}, true)) ||
          succeeded(compile(ctx, text, Path::Sim32, requant)))
        finish(Outcome::Failed, "compiled with per-channel parameters on a "
                                "dynamic axis");
      else
        finish(Outcome::Rejected, "");
      continue;
    }
    if (hasArgumentParams(graph)) {
      if (succeeded(compile(ctx, text, Path::Int, requant)) ||
          succeeded(compile(ctx, text, Path::Sim32, requant)))
        finish(Outcome::Failed, "compiled with run-time parameters");
      else
        finish(Outcome::Rejected, "");
      continue;
    }
    bool floatLayers = hasFloatLayers(graph, requant);
    numFloatGraphs += floatLayers;
    remarkedFloatLayers.clear();
    auto integer = compile(ctx, text, Path::Int, requant, {}, floatLayers);
    std::string why;
    for (size_t l = 0; l < graph.layers.size(); ++l)
      if (!isIntegerLayer(graph, l, requant)) {
        ++numFloatLayers;
        numRemarkedFloatLayers += remarkedFloatLayers.contains(l);
      }
    for (unsigned l : remarkedFloatLayers)
      if (l < graph.layers.size() && isIntegerLayer(graph, l, requant))
        why += llvm::formatv("layer {0} stays in float, but the reference "
                             "has an integer form for it; ",
                             l)
                   .str();
    // Every kernel the host can run, on 1 and 2 threads.
    Target target{isas[c / 2 % isas.size()], 1 + c % 2};
    auto vectorized =
        compile(ctx, text, Path::IntVectorized, requant, target, floatLayers);
    FailureOr<std::unique_ptr<CompiledFunction>> sim32 =
        std::unique_ptr<CompiledFunction>();
    FailureOr<std::unique_ptr<CompiledFunction>> sim64 =
        std::unique_ptr<CompiledFunction>();
    if (simulations) {
      sim32 = compile(ctx, text, Path::Sim32, requant);
      sim64 = compile(ctx, text, Path::Sim64, requant);
    }
    if (failed(integer) || failed(vectorized) || failed(sim32) ||
        failed(sim64)) {
      finish(Outcome::Failed, std::string("compilation failed (") +
                                  (failed(integer)      ? "integer"
                                   : failed(vectorized) ? "vectorized"
                                   : failed(sim32)      ? "f32 simulation"
                                                        : "f64 simulation") +
                                  ")");
      continue;
    }
    // A dynamic batch runs with several sizes.
    std::vector<int64_t> sizes =
        graph.dynamicBatch ? graph.runSizes : std::vector<int64_t>{graph.m};
    for (int64_t size : sizes) {
      Graph sized = graph;
      sized.m = size;
      SmallVector<HostTensor> inputs =
          generateInputs(sized, seed * 7919 + c + size * 104729);
      auto intResults = run(**integer, Path::Int, inputs);
      auto vecResults = run(**vectorized, Path::IntVectorized, inputs);
      FailureOr<SmallVector<HostTensor>> sim32Results =
          SmallVector<HostTensor>();
      FailureOr<SmallVector<HostTensor>> sim64Results =
          SmallVector<HostTensor>();
      if (simulations) {
        sim32Results = run(**sim32, Path::Sim32, inputs);
        sim64Results = run(**sim64, Path::Sim64, inputs);
      }
      ++numRuns;
      if (failed(intResults) || failed(vecResults) || failed(sim32Results) ||
          failed(sim64Results)) {
        why += llvm::formatv("execution failed with batch {0}; ", size).str();
        continue;
      }
      std::string prefix =
          graph.dynamicBatch ? llvm::formatv("batch {0}, ", size).str() : "";
      checkProgram(sized, requant, prefix + "loops", inputs, *intResults, why,
                   &vsReference, &vsExactLayer[static_cast<int>(requant)]);
      checkProgram(sized, requant, prefix + "vector code", inputs, *vecResults,
                   why, nullptr, nullptr);
      for (size_t l = 0; simulations && l < graph.layers.size(); ++l) {
        OutputGrid grid =
            getComparisonGrid(graph.layers[l].output, getLayerShape(sized, l));
        accumulate(vsF64,
                   compareOutputs((*intResults)[l], (*sim64Results)[l], grid));
        accumulate(vsF32,
                   compareOutputs((*intResults)[l], (*sim32Results)[l], grid));
      }
    }
    finish(why.empty() ? Outcome::Passed : Outcome::Failed, why);
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
      "  {0,-30} {1} graphs (passed: no i32 form, or run-time parameters)\n",
      "rejected with an error", numRejected);
  llvm::outs() << llvm::formatv(
      "  {0,-30} {1} graphs (some layers run in float by design; {2} of "
      "their {3} float layers named by a remark)\n",
      "with float layers", numFloatGraphs, numRemarkedFloatLayers,
      numFloatLayers);
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
        times.generate, times.pipeline, times.llvm, times.run, times.reference,
        numRuns);
  llvm::outs() << numPassed << " passed, " << numFailed << " failed\n";
  return numFailed == 0 ? 0 : 1;
}
