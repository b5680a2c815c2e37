//===- CheckGraph.cpp - one differential test case ------------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "CheckGraph.h"

#include "qat/Dialect/QAT/Transforms/Passes.h"
#include "qat/Execution/JitRunner.h"
#include "qat/Pipelines/Pipelines.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::qat;
using namespace mlir::qat::difftest;

double mlir::qat::difftest::secondsSince(std::clock_t since) {
  return double(std::clock() - since) / CLOCKS_PER_SEC;
}

namespace {
/// The integer program through upstream's loops and through qat's vector
/// code generation, and the two simulations.
enum class Path { Int, IntVectorized, Sim32, Sim64 };

/// One case's check: its options and the figures it adds to.
class GraphChecker {
public:
  GraphChecker(MLIRContext &ctx, const CheckOptions &options, Figures &figures)
      : ctx(ctx), options(options), figures(figures) {}

  FailureOr<std::unique_ptr<CompiledFunction>>
  compile(const std::string &text, Path path, Requant requant,
          Target target = {}, bool floatLayers = false);
  FailureOr<SmallVector<HostTensor>> run(CompiledFunction &fn, Path path,
                                         ArrayRef<HostTensor> inputs);
  void checkProgram(const Graph &graph, Requant requant, StringRef what,
                    ArrayRef<HostTensor> inputs, ArrayRef<HostTensor> results,
                    std::string &why, Agreement *vsReference,
                    Agreement *vsExactLayer);
  /// The whole check; appends what is wrong to `why`.
  CaseResult::Outcome check(const Graph &graph, const std::string &text,
                            Requant requant, Target target, uint64_t inputSeed,
                            std::string &why);

  /// The layers the integer compile reported as running in float.
  llvm::SmallSet<unsigned, 8> remarkedFloatLayers;

private:
  MLIRContext &ctx;
  const CheckOptions &options;
  Figures &figures;
};
} // namespace

FailureOr<std::unique_ptr<CompiledFunction>>
GraphChecker::compile(const std::string &text, Path path, Requant requant,
                      Target target, bool floatLayers) {
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
  jit.optLevel = options.jitOptLevel;
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
  figures.times.pipeline += compileTimes.pipeline;
  figures.times.llvm += compileTimes.llvm;
  return compiled;
}

FailureOr<SmallVector<HostTensor>>
GraphChecker::run(CompiledFunction &fn, Path path,
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
  figures.times.run += secondsSince(start);
  if (!results) {
    llvm::errs() << llvm::toString(results.takeError()) << "\n";
    return failure();
  }
  return std::move(*results);
}

/// The per-tensor grid of `grid` for the comparisons in steps (a per-channel
/// grid's first channel: the figures are indicative there).
static OutputGrid getComparisonGrid(const ActivationGrid &grid,
                                    ArrayRef<int64_t>) {
  OutputGrid out;
  for (double s : grid.scales)
    out.scales.push_back(static_cast<float>(s));
  out.axis = grid.axis;
  return out;
}

/// Checks the results of one compiled integer program (`what`), each layer
/// from the program's own previous tensor: an integer layer equals the
/// integer reference and is within one step of its exact evaluation; a
/// float layer lies within the f32 evaluation's error of the exact value.
/// Appends what is wrong to `why`; accumulates the figures when `stats`.
void GraphChecker::checkProgram(const Graph &graph, Requant requant,
                                StringRef what, ArrayRef<HostTensor> inputs,
                                ArrayRef<HostTensor> results, std::string &why,
                                Agreement *vsReference,
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
  figures.times.reference += secondsSince(start);
}

CaseResult::Outcome GraphChecker::check(const Graph &graph,
                                        const std::string &text,
                                        Requant requant, Target target,
                                        uint64_t inputSeed, std::string &why) {
  // Per-channel parameters on a dynamic axis are invalid, and learned
  // parameters that are function arguments unsupported: every pipeline
  // rejects them (qat-fold-learned-params=require-static; qat-simulate
  // needs static parameters too).
  if (hasDynamicAxis(graph)) {
    if (succeeded(compile(text, Path::Int, requant, {}, true)) ||
        succeeded(compile(text, Path::Sim32, requant))) {
      why += "compiled with per-channel parameters on a dynamic axis";
      return CaseResult::Failed;
    }
    return CaseResult::Rejected;
  }
  if (hasArgumentParams(graph)) {
    if (succeeded(compile(text, Path::Int, requant)) ||
        succeeded(compile(text, Path::Sim32, requant))) {
      why += "compiled with run-time parameters";
      return CaseResult::Failed;
    }
    return CaseResult::Rejected;
  }
  bool floatLayers = hasFloatLayers(graph, requant);
  figures.numFloatGraphs += floatLayers;
  remarkedFloatLayers.clear();
  auto integer = compile(text, Path::Int, requant, {}, floatLayers);
  for (size_t l = 0; l < graph.layers.size(); ++l)
    if (!isIntegerLayer(graph, l, requant)) {
      ++figures.numFloatLayers;
      figures.numRemarkedFloatLayers += remarkedFloatLayers.contains(l);
    }
  for (unsigned l : remarkedFloatLayers)
    if (l < graph.layers.size() && isIntegerLayer(graph, l, requant))
      why += llvm::formatv("layer {0} stays in float, but the reference "
                           "has an integer form for it; ",
                           l)
                 .str();
  auto vectorized =
      compile(text, Path::IntVectorized, requant, target, floatLayers);
  FailureOr<std::unique_ptr<CompiledFunction>> sim32 =
      std::unique_ptr<CompiledFunction>();
  FailureOr<std::unique_ptr<CompiledFunction>> sim64 =
      std::unique_ptr<CompiledFunction>();
  if (options.simulations) {
    sim32 = compile(text, Path::Sim32, requant);
    sim64 = compile(text, Path::Sim64, requant);
  }
  if (failed(integer) || failed(vectorized) || failed(sim32) || failed(sim64)) {
    why += std::string("compilation failed (") +
           (failed(integer)      ? "integer"
            : failed(vectorized) ? "vectorized"
            : failed(sim32)      ? "f32 simulation"
                                 : "f64 simulation") +
           ")";
    return CaseResult::Failed;
  }
  // A dynamic batch runs with several sizes.
  std::vector<int64_t> sizes =
      graph.dynamicBatch ? graph.runSizes : std::vector<int64_t>{graph.m};
  for (int64_t size : sizes) {
    Graph sized = graph;
    sized.m = size;
    SmallVector<HostTensor> inputs =
        generateInputs(sized, inputSeed + size * 104729);
    auto intResults = run(**integer, Path::Int, inputs);
    auto vecResults = run(**vectorized, Path::IntVectorized, inputs);
    FailureOr<SmallVector<HostTensor>> sim32Results = SmallVector<HostTensor>();
    FailureOr<SmallVector<HostTensor>> sim64Results = SmallVector<HostTensor>();
    if (options.simulations) {
      sim32Results = run(**sim32, Path::Sim32, inputs);
      sim64Results = run(**sim64, Path::Sim64, inputs);
    }
    ++figures.numRuns;
    if (failed(intResults) || failed(vecResults) || failed(sim32Results) ||
        failed(sim64Results)) {
      why += llvm::formatv("execution failed with batch {0}; ", size).str();
      continue;
    }
    std::string prefix =
        graph.dynamicBatch ? llvm::formatv("batch {0}, ", size).str() : "";
    checkProgram(sized, requant, prefix + "loops", inputs, *intResults, why,
                 &figures.vsReference,
                 &figures.vsExactLayer[static_cast<int>(requant)]);
    checkProgram(sized, requant, prefix + "vector code", inputs, *vecResults,
                 why, nullptr, nullptr);
    for (size_t l = 0; options.simulations && l < graph.layers.size(); ++l) {
      OutputGrid grid =
          getComparisonGrid(graph.layers[l].output, getLayerShape(sized, l));
      accumulate(figures.vsF64,
                 compareOutputs((*intResults)[l], (*sim64Results)[l], grid));
      accumulate(figures.vsF32,
                 compareOutputs((*intResults)[l], (*sim32Results)[l], grid));
    }
  }
  return why.empty() ? CaseResult::Passed : CaseResult::Failed;
}

CaseResult mlir::qat::difftest::checkGraph(MLIRContext &ctx, const Graph &graph,
                                           const std::string &text,
                                           Requant requant, Target target,
                                           uint64_t inputSeed,
                                           const CheckOptions &options,
                                           Figures &figures) {
  CaseResult result;
  GraphChecker checker(ctx, options, figures);
  // Errors are kept, and returned with the case; an error at an unknown
  // location is a failure of its own. Remarks (there are none with
  // fallback=error) are not kept, but the layers they name as running in
  // float are recorded.
  unsigned unlocatedErrors = 0;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    if (d.getSeverity() != DiagnosticSeverity::Remark) {
      llvm::raw_string_ostream os(result.diagnostics);
      os << d.getLocation() << ": " << d << "\n";
      unlocatedErrors += isa<UnknownLoc>(d.getLocation());
      result.numErrors += d.getSeverity() == DiagnosticSeverity::Error;
      return success();
    }
    unsigned layer;
    if (auto name = dyn_cast<NameLoc>(d.getLocation())) {
      StringRef n = name.getName().getValue();
      std::string message = d.str();
      // (A contraction that accumulates in i32 before a float epilogue
      // names its layer as one that ends in float, Semantics.md §8.12.)
      if (n.consume_front("layer") && !n.getAsInteger(10, layer) &&
          (StringRef(message).contains("runs in float") ||
           StringRef(message).contains("continues in f32")))
        checker.remarkedFloatLayers.insert(layer);
    }
    return success();
  });
  result.outcome =
      checker.check(graph, text, requant, target, inputSeed, result.why);
  if (unlocatedErrors) {
    result.why += "an error without a location; ";
    result.outcome = CaseResult::Failed;
  }
  return result;
}
