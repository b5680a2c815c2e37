//===- qat-run.cpp - JIT-compile and run a qat program --------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// qat-run file.mlir [-e func] [--input a.npy ...] [--output y.npy ...]
//                   [--mode=int|simulate|lower] [--check]
//                   [--requant=float|fixed-point] [--double-round] [--isa=...]
//
// Compiles one function of a .mlir file with MLIR's JIT and runs it. A QAT
// graph goes through qat-to-int (--mode=int, the default) or through the
// float simulation (--mode=simulate); --mode=lower applies upstream's
// lowering only. Inputs come from .npy files in argument order; missing ones
// are drawn from a seeded generator. Outputs are printed or written as .npy.
//
// --check compares the integer program with the simulation, layer by layer
// (docs/Semantics.md §8.10). A layer ends at each activation fake-quant
// (one whose input depends on the arguments; lib/Execution/Layers.h); a
// result computed after the last one is a float layer of its own.
//
// 1. End to end, for information: the whole program and the simulations
//    in f32 and in f64 on the same inputs; per result, the fraction of
//    equal elements, the largest difference in steps of its grid (absolute
//    without one) and the worst element. A one-step difference in an early
//    layer can grow to several steps here, so this part does not decide.
// 2. Per layer, the verdict: the f64 simulation, traced, gives every
//    boundary's value. A per-layer function (each layer computed from
//    function arguments that take those values, put back on their grid by
//    a copy of the boundary's fake-quant) goes through the integer pipeline
//    and through the simulation, and both run on the traced values, so
//    that no layer inherits an earlier layer's difference. A layer's output
//    must be within one step of the f64 simulation's; a float layer must
//    equal the f32 simulation's bit for bit (isWithinTolerance in
//    qat/Execution/Compare.h says why). The first layer that fails gets an
//    error at its fake-quant's location (or the result's), and qat-run
//    exits 1.
//
// The graph is split rather than instrumented because the integer pipeline
// only sees a grid where a fake-quant is: a function argument carrying the
// reference's tensor, re-quantized by the boundary's own fake-quant, is an
// input the pipeline compiles exactly as the original layer's input. The
// simulations are compiled without LLVM optimizations (they run once); the
// integer program as qat-run always compiles it.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/Transforms/Passes.h"
#include "qat/Execution/Compare.h"
#include "qat/Execution/JitRunner.h"
#include "qat/Execution/Layers.h"
#include "qat/Execution/Npy.h"
#include "qat/InitQAT.h"
#include "qat/Pipelines/Pipelines.h"
#include "qat/Tools/ToolDiagnostics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <limits>

#include <random>

using namespace mlir;
using namespace mlir::qat;

namespace {
/// A parser of llvm::cl double flags that accepts only finite values >= 0:
/// `--range=nan` or `--time=inf` is an error that names the flag, not an
/// abort (a NaN bound) or a loop that never ends.
struct NonNegativeFiniteParser : llvm::cl::parser<double> {
  using llvm::cl::parser<double>::parser;
  bool parse(llvm::cl::Option &option, StringRef name, StringRef arg,
             double &value) {
    if (llvm::cl::parser<double>::parse(option, name, arg, value))
      return true;
    if (!std::isfinite(value) || value < 0)
      return option.error("'" + arg + "' is not a finite number >= 0");
    return false;
  }
};

enum class Mode { Int, Simulate, SimulateF64, Lower };

/// qat-run's options: --help shows these, not LLVM's backend flags.
llvm::cl::OptionCategory qatRunCategory("qat-run options");

llvm::cl::opt<std::string> inputFile(llvm::cl::Positional,
                                     llvm::cl::desc("<input .mlir>"),
                                     llvm::cl::Required,
                                     llvm::cl::cat(qatRunCategory));
llvm::cl::opt<std::string>
    entry("e", llvm::cl::desc("Function to run (default: the first one)"),
          llvm::cl::value_desc("name"), llvm::cl::cat(qatRunCategory));
llvm::cl::opt<Mode> mode(
    "mode", llvm::cl::desc("How to compile the function"),
    llvm::cl::values(clEnumValN(Mode::Int, "int",
                                "qat-to-int: the integer program (default)"),
                     clEnumValN(Mode::Simulate, "simulate",
                                "fold learned parameters, lower fake-quant to "
                                "float arithmetic (the reference), then LLVM"),
                     clEnumValN(Mode::SimulateF64, "simulate-f64",
                                "the reference evaluated in double precision "
                                "(float inputs widened, results f64)"),
                     clEnumValN(Mode::Lower, "lower",
                                "only upstream's lowering to LLVM")),
    llvm::cl::init(Mode::Int), llvm::cl::cat(qatRunCategory));
/// qat-compile's options: --requant, --double-round, --fallback (for
/// --mode=int), --isa, --kernel-threads, --mr, --nr-vectors (for
/// --codegen=cpu).
CompileCLOptions compileFlags(qatRunCategory);
enum class Codegen { CPU, Loops };
llvm::cl::opt<Codegen> codegen(
    "codegen", llvm::cl::desc("Lowering of the integer program to LLVM"),
    llvm::cl::values(clEnumValN(Codegen::CPU, "cpu",
                                "qat-codegen-cpu: vector micro-kernels "
                                "(default)"),
                     clEnumValN(Codegen::Loops, "loops",
                                "upstream's loops (qat-lower-to-llvm)")),
    llvm::cl::init(Codegen::CPU), llvm::cl::cat(qatRunCategory));
llvm::cl::opt<double, false, NonNegativeFiniteParser>
    timeSeconds("time",
                llvm::cl::desc("Also call the compiled function repeatedly "
                               "for this many seconds and print the best "
                               "of three mean latencies"),
                llvm::cl::init(0), llvm::cl::cat(qatRunCategory));
llvm::cl::opt<bool> check("check",
                          llvm::cl::desc("Compare the integer program with "
                                         "the f64 simulation layer by layer "
                                         "(and end to end, for information)"),
                          llvm::cl::cat(qatRunCategory));
/// Test only (test/Integration/qat-run-check-layers.test): the integer
/// program's layer N computes 2 steps too high (a result without a grid
/// 2^-10 too high), so that the tests can see --check find a wrong layer.
llvm::cl::opt<int> checkPerturbLayer(
    "check-perturb-layer",
    llvm::cl::desc("Test only: make layer N of the integer program wrong"),
    llvm::cl::init(-1), llvm::cl::ReallyHidden, llvm::cl::cat(qatRunCategory));
llvm::cl::list<std::string>
    inputs("input", llvm::cl::desc(".npy file for the next argument"),
           llvm::cl::value_desc("file.npy"), llvm::cl::cat(qatRunCategory));
llvm::cl::list<std::string>
    outputs("output", llvm::cl::desc(".npy file for the next result"),
            llvm::cl::value_desc("file.npy"), llvm::cl::cat(qatRunCategory));
llvm::cl::opt<unsigned> seed("seed",
                             llvm::cl::desc("Seed of the generated inputs"),
                             llvm::cl::init(0), llvm::cl::cat(qatRunCategory));
llvm::cl::opt<double, false, NonNegativeFiniteParser> range(
    "range",
    llvm::cl::desc("Generated float inputs are uniform in [-range, range]"),
    llvm::cl::init(4.0), llvm::cl::cat(qatRunCategory));
llvm::cl::opt<bool> print("print",
                          llvm::cl::desc("Print the results (default when "
                                         "no --output is given)"),
                          llvm::cl::cat(qatRunCategory));
} // namespace

/// A seeded input for an argument without a .npy file; dynamic sizes are 1.
static HostTensor generateInput(const TensorSignature &sig, std::mt19937 &rng) {
  SmallVector<int64_t> shape;
  for (int64_t d : sig.shape)
    shape.push_back(ShapedType::isDynamic(d) ? 1 : d);
  HostTensor t(sig.kind, shape);
  bool isFloat = sig.kind == ElementKind::F16 ||
                 sig.kind == ElementKind::BF16 ||
                 sig.kind == ElementKind::F32 || sig.kind == ElementKind::F64;
  std::uniform_real_distribution<double> real(-range, range);
  std::uniform_int_distribution<int> byte(-128, 127);
  for (int64_t i = 0, e = t.getNumElements(); i < e; ++i)
    t.setFromDouble(i, isFloat ? real(rng) : byte(rng));
  return t;
}

static void printTensor(llvm::raw_ostream &os, const HostTensor &t) {
  os << t.describe() << "\n";
  for (int64_t i = 0, e = t.getNumElements(); i < e; ++i) {
    os << llvm::format("%.9g", t.getAsDouble(i));
    bool rowEnd = !t.shape.empty() && (i + 1) % t.shape.back() == 0;
    os << (i + 1 == e ? "\n" : rowEnd ? "\n" : " ");
  }
}

/// Compiles `name` of `module` (consumed) in `how`, in f64 with
/// `promoteToF64` (applied first, so that the signature is the promoted one),
/// without LLVM's optimizations unless `optimize`.
static FailureOr<std::unique_ptr<CompiledFunction>>
compileAs(ModuleOp module, StringRef name, Mode how, bool promoteToF64,
          bool optimize = true) {
  if (promoteToF64) {
    PassManager pm(module.getContext());
    pm.addPass(createQATPromoteToF64Pass());
    if (failed(pm.run(module)))
      return failure();
  }
  CompileOptions options;
  compileFlags.apply(options);
  auto build = [&](OpPassManager &pm) {
    if (how == Mode::Int) {
      buildQATToIntPipeline(pm, options);
    } else if (how == Mode::Simulate) {
      // The reference stays on upstream's plain lowering.
      buildSimulationPipeline(pm);
      buildLowerToLLVMPipeline(pm);
      return;
    }
    if (codegen == Codegen::CPU)
      buildCodegenCPUPipeline(pm, options);
    else
      buildLowerToLLVMPipeline(pm);
  };
  JitOptions jit;
  jit.optLevel = optimize ? 3 : 0;
  return CompiledFunction::compile(module, name, build, jit);
}

/// f32 tensors as f64 (exact), for the promoted reference.
static HostTensor widen(const HostTensor &t) {
  if (t.kind != ElementKind::F32)
    return t;
  HostTensor wide(ElementKind::F64, t.shape);
  for (int64_t i = 0, e = t.getNumElements(); i < e; ++i)
    wide.setFromDouble(i, t.getAsDouble(i));
  return wide;
}

/// Where qat-run's errors go; set by main.
static ToolDiagnostics *diagnostics;

/// The arguments: .npy files in order, then seeded values. A file whose
/// dtype or shape does not fit its argument is rejected before its data is
/// read.
static FailureOr<SmallVector<HostTensor>>
getArguments(const CompiledFunction &compiled) {
  std::mt19937 rng(seed);
  SmallVector<HostTensor> args;
  for (auto [i, sig] : llvm::enumerate(compiled.getInputs())) {
    if (i >= inputs.size()) {
      args.push_back(generateInput(sig, rng));
      continue;
    }
    auto validate = [&, i = i,
                     sig = sig](ElementKind kind,
                                ArrayRef<int64_t> shape) -> llvm::Error {
      TensorSignature want = sig;
      // f32 data for the f64 reference is widened (exactly).
      if (sig.kind == ElementKind::F64 && kind == ElementKind::F32)
        want.kind = ElementKind::F32;
      if (llvm::Error err = matchSignature(want, kind, shape))
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       "argument #" + Twine(i) + " of @" +
                                           compiled.getName() + ": " +
                                           llvm::toString(std::move(err)));
      return llvm::Error::success();
    };
    llvm::Expected<HostTensor> t = readNpy(inputs[i], validate);
    if (!t) {
      diagnostics->reportError(llvm::toString(t.takeError()));
      return failure();
    }
    args.push_back(sig.kind == ElementKind::F64 ? widen(*t) : std::move(*t));
  }
  return args;
}

static int runOnce(ModuleOp module, StringRef name) {
  bool f64 = mode == Mode::SimulateF64;
  auto compiled = compileAs(module, name, f64 ? Mode::Simulate : mode,
                            /*promoteToF64=*/f64);
  if (failed(compiled))
    return 1;
  FailureOr<SmallVector<HostTensor>> args = getArguments(**compiled);
  if (failed(args))
    return 1;
  llvm::Expected<SmallVector<HostTensor>> results = (*compiled)->run(*args);
  if (!results) {
    diagnostics->reportError(llvm::toString(results.takeError()));
    return 1;
  }
  if (timeSeconds > 0) {
    // Best of three rounds, each a third of the time. Per call: the
    // compiled code and its output allocations, not the copies into
    // qat-run's host tensors.
    keepFreedBuffersInHeap();
    using Clock = std::chrono::steady_clock;
    double best = std::numeric_limits<double>::infinity();
    for (int round = 0; round < 3; ++round) {
      int calls = 0;
      double seconds = 0;
      auto start = Clock::now();
      do {
        llvm::cantFail((*compiled)->run(*args, /*collectResults=*/false));
        ++calls;
        seconds = std::chrono::duration<double>(Clock::now() - start).count();
      } while (seconds < timeSeconds / 3);
      best = std::min(best, seconds / calls);
    }
    llvm::outs() << llvm::formatv("time: {0:F1} us per call\n", best * 1e6);
  }
  for (auto [i, result] : llvm::enumerate(*results)) {
    if (i < outputs.size()) {
      if (llvm::Error err = writeNpy(outputs[i], result)) {
        diagnostics->reportError(llvm::toString(std::move(err)));
        return 1;
      }
    }
    if (print || outputs.empty())
      printTensor(llvm::outs(), result);
  }
  return 0;
}

/// --check compiles the simulations it compares with without LLVM's
/// optimizations (the same IEEE results: no fast-math at any level): they
/// run once, and LLVM -O3 spent ~10 s of CPU on the f64 simulation of a
/// 64-layer MLP (-O0: 0.2 s). The integer program is compiled as qat-run
/// runs it.
static constexpr bool kOptimizeReference = false;

/// `v` in printf's %g (shortest of fixed and exponent, 6 digits).
static std::string formatNumber(double v) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%g", v);
  return text;
}

/// "12/16 exact (75.000%), max 1.00 steps" (or "max 0.000976562
/// (absolute)" without a grid) and the worst element.
static std::string formatAgreement(const Agreement &a) {
  std::string text = llvm::formatv("{0}/{1} exact ({2:P3}), max ", a.exact,
                                   a.total, a.exactFraction());
  llvm::raw_string_ostream os(text);
  if (a.inSteps)
    os << llvm::formatv("{0} steps", a.maxDifference);
  else
    os << llvm::format("%g (absolute)", a.maxDifference);
  if (a.maxDifference > 0)
    os << llvm::format("; worst element %lld: %.7g vs %.7g",
                       static_cast<long long>(a.worstIndex), a.worstValue,
                       a.worstReference);
  return text;
}

static void printAgreement(StringRef against, const Agreement &a) {
  llvm::outs() << llvm::formatv("  vs {0,-15} {1}\n", against,
                                formatAgreement(a));
}

/// `t` with elements of `kind`: float kinds round to nearest (exact when
/// widening); other tensors are returned as they are.
static HostTensor convertTo(const HostTensor &t, ElementKind kind) {
  auto isFloat = [](ElementKind k) {
    return k == ElementKind::F16 || k == ElementKind::BF16 ||
           k == ElementKind::F32 || k == ElementKind::F64;
  };
  if (t.kind == kind || !isFloat(t.kind) || !isFloat(kind))
    return t;
  HostTensor converted(kind, t.shape);
  for (int64_t i = 0, e = t.getNumElements(); i < e; ++i)
    converted.setFromDouble(i, t.getAsDouble(i));
  return converted;
}

/// `values` converted to the element types `compiled` takes.
static SmallVector<HostTensor> convertTo(ArrayRef<HostTensor> values,
                                         const CompiledFunction &compiled) {
  SmallVector<HostTensor> converted;
  for (auto [value, sig] : llvm::zip_equal(values, compiled.getInputs()))
    converted.push_back(convertTo(value, sig.kind));
  return converted;
}

/// A copy of `module` in which `add` puts a function next to @`name`, and
/// without @`name` itself when nothing calls it (its compilation would be
/// wasted); returns the new function's name.
static std::string
cloneWith(ModuleOp module, StringRef name, OwningOpRef<ModuleOp> &copy,
          function_ref<func::FuncOp(func::FuncOp, const LayerSplit &)> add) {
  copy = module.clone();
  auto func = copy->lookupSymbol<func::FuncOp>(name);
  // The split of the original succeeded, so this one does.
  LayerSplit split = *findLayers(func);
  std::string added = add(func, split).getSymName().str();
  if (SymbolTable::symbolKnownUseEmpty(func, *copy))
    func.erase();
  return added;
}

/// --check's first part, for information: the program's results against
/// the two simulations of the whole graph. Fills `traced` with the f64
/// simulation's value of every layer boundary.
static LogicalResult checkEndToEnd(ModuleOp module, ModuleOp intModule,
                                   StringRef name,
                                   SmallVector<HostTensor> &args,
                                   SmallVector<HostTensor> &traced) {
  auto func = module.lookupSymbol<func::FuncOp>(name);
  SmallVector<std::optional<OutputGrid>> grids = getOutputGrids(func);
  unsigned numResults = func.getNumResults();
  OwningOpRef<ModuleOp> sim32 = module.clone(), sim64;
  std::string trace = cloneWith(
      module, name, sim64, [](func::FuncOp f, const LayerSplit &split) {
        return addTraceFunction(f, split, "__qat_check_trace");
      });
  // One compilation at a time: a graph that fails to compile reports its
  // errors once, not once per pipeline.
  auto integer = compileAs(intModule, name, Mode::Int, false);
  if (failed(integer))
    return failure();
  auto float32 =
      compileAs(*sim32, name, Mode::Simulate, false, kOptimizeReference);
  if (failed(float32))
    return failure();
  auto float64 =
      compileAs(*sim64, trace, Mode::Simulate, true, kOptimizeReference);
  if (failed(float64))
    return failure();
  FailureOr<SmallVector<HostTensor>> inputs = getArguments(**integer);
  if (failed(inputs))
    return failure();
  args = std::move(*inputs);
  auto intOut = (*integer)->run(args);
  auto f32Out = (*float32)->run(args);
  auto f64Out = (*float64)->run(convertTo(args, **float64));
  for (auto *r : {&intOut, &f32Out, &f64Out})
    if (!*r) {
      llvm::errs() << llvm::toString(r->takeError()) << "\n";
      return failure();
    }
  llvm::outs() << "end to end (for information: a one-step difference in a "
                  "layer moves the layers after it):\n";
  for (unsigned i = 0; i < numResults; ++i) {
    const HostTensor &got = (*intOut)[i];
    llvm::outs() << "result #" << i << " " << got.describe()
                 << (grids[i] ? "" : " (no output grid)") << "\n";
    printAgreement("simulation f32",
                   compareOutputs(got, (*f32Out)[i], grids[i]));
    printAgreement("simulation f64",
                   compareOutputs(got, (*f64Out)[i], grids[i]));
  }
  traced.assign(std::make_move_iterator(f64Out->begin() + numResults),
                std::make_move_iterator(f64Out->end()));
  return success();
}

/// Prints each layer's agreement (`got`, the integer program's outputs of
/// the per-layer function, against `f64` for a boundary and `f32` for a
/// tail) and reports an error at the first layer that breaks
/// isWithinTolerance.
static LogicalResult judgeLayers(func::FuncOp func, const LayerSplit &split,
                                 ArrayRef<HostTensor> got,
                                 ArrayRef<HostTensor> f64,
                                 ArrayRef<HostTensor> f32) {
  llvm::outs() << "per layer (each computed from the f64 simulation's values "
                  "of its inputs):\n";
  // The first failure's error, completed with the count at the end.
  std::optional<InFlightDiagnostic> first;
  size_t numErrors = 0;
  for (size_t l = 0; l < split.size(); ++l) {
    Operation *end = getLayerEnd(func, split, l);
    std::optional<unsigned> tail = split.getTailResult(l);
    std::optional<OutputGrid> grid;
    if (!tail)
      grid = getGrid(cast<FakeQuantOpInterface>(end));
    Agreement a = compareOutputs(got[l], tail ? f32[l] : f64[l], grid);
    std::string what = tail ? llvm::formatv("result #{0}", *tail).str()
                            : llvm::formatv("layer {0}", l).str();
    std::string loc;
    llvm::raw_string_ostream(loc) << end->getLoc();
    llvm::outs() << llvm::formatv(
        "  {0,-10} {1} {2} {3}{4}\n    vs {5,-15} {6}\n", what, end->getName(),
        loc, got[l].describe(), tail ? " (float: no fake-quant ends it)" : "",
        tail ? "simulation f32" : "simulation f64", formatAgreement(a));
    if (isWithinTolerance(a))
      continue;
    ++numErrors;
    if (first)
      continue;
    first.emplace(emitError(end->getLoc()));
    if (tail)
      *first << "--check: result #" << *tail << " of @" << func.getSymName()
             << " is computed in float (no fake-quant ends it) and differs "
                "from the f32 simulation computed from the same inputs by "
             << formatNumber(a.maxDifference) << " (it must equal it)";
    else
      *first << "--check: layer " << l << " of @" << func.getSymName() << " ("
             << end->getName() << ") is " << formatNumber(a.maxDifference)
             << " steps from the f64 simulation computed from the same inputs "
                "(at most one is allowed)";
  }
  if (!first)
    return success();
  *first << "; " << numErrors << " of " << split.size()
         << " layers fail, this is the first";
  return failure();
}

/// --check's verdict: every layer computed by the integer program from the
/// f64 simulation's values of its inputs (`args`, then `traced` for the
/// boundaries), against the simulation of the same layer from the same
/// values (isWithinTolerance). Errors at the first layer that fails.
static LogicalResult checkLayers(ModuleOp module, ModuleOp intModule,
                                 StringRef name, ArrayRef<HostTensor> args,
                                 ArrayRef<HostTensor> traced) {
  auto func = module.lookupSymbol<func::FuncOp>(name);
  LayerSplit split = *findLayers(func);
  auto addLayers = [](func::FuncOp f, const LayerSplit &s) {
    return addPerLayerFunction(f, s, "__qat_check_layers");
  };
  OwningOpRef<ModuleOp> intCopy, sim64, sim32;
  std::string layers = cloneWith(intModule, name, intCopy, addLayers);
  cloneWith(module, name, sim64, addLayers);
  cloneWith(module, name, sim32, addLayers);
  auto integer = compileAs(*intCopy, layers, Mode::Int, false);
  if (failed(integer))
    return failure();
  auto float64 =
      compileAs(*sim64, layers, Mode::Simulate, true, kOptimizeReference);
  if (failed(float64))
    return failure();
  // Only results without a grid are compared with the f32 simulation.
  std::unique_ptr<CompiledFunction> float32;
  if (!split.tailResults.empty()) {
    auto compiled =
        compileAs(*sim32, layers, Mode::Simulate, false, kOptimizeReference);
    if (failed(compiled))
      return failure();
    float32 = std::move(*compiled);
  }

  SmallVector<HostTensor> inputs(args);
  llvm::append_range(inputs, traced);
  auto intOut = (*integer)->run(convertTo(inputs, **integer));
  auto f64Out = (*float64)->run(convertTo(inputs, **float64));
  llvm::Expected<SmallVector<HostTensor>> f32Out =
      float32 ? float32->run(convertTo(inputs, *float32))
              : SmallVector<HostTensor>();
  for (auto *r : {&intOut, &f64Out, &f32Out})
    if (!*r) {
      llvm::errs() << llvm::toString(r->takeError()) << "\n";
      return failure();
    }

  return judgeLayers(func, split, *intOut, *f64Out, *f32Out);
}

static int runCheck(ModuleOp module, StringRef name) {
  MLIRContext *ctx = module.getContext();
  // The pipelines below compile the same operations several times; print
  // each diagnostic (a remark about an operation left in float, an error)
  // once.
  llvm::StringSet<> printed;
  ScopedDiagnosticHandler printOnce(ctx, [&](Diagnostic &diag) {
    std::string key;
    llvm::raw_string_ostream os(key);
    os << static_cast<int>(diag.getSeverity()) << diag.getLocation() << diag;
    for (Diagnostic &note : diag.getNotes())
      os << note.getLocation() << note;
    // Success stops the diagnostic here; failure passes it on to the
    // printing handler.
    return success(!printed.insert(key).second);
  });

  auto func = module.lookupSymbol<func::FuncOp>(name);
  if (!func) {
    llvm::errs() << "no function @" << name << "\n";
    return 1;
  }
  // Learned parameters are folded first by every pipeline; folded here
  // once, the layers' grids are known.
  PassManager fold(ctx);
  QATFoldLearnedParamsPassOptions foldOptions;
  foldOptions.requireStatic = true;
  fold.addPass(createQATFoldLearnedParamsPass(foldOptions));
  if (failed(fold.run(module)))
    return 1;
  FailureOr<LayerSplit> split = findLayers(func);
  if (failed(split))
    return 1;

  // The integer program's graph; with the test hook, one layer is wrong.
  OwningOpRef<ModuleOp> intModule = module.clone();
  if (checkPerturbLayer >= 0) {
    if (static_cast<size_t>(checkPerturbLayer) >= split->size()) {
      llvm::errs() << "--check-perturb-layer=" << checkPerturbLayer << ": @"
                   << name << " has " << split->size() << " layers\n";
      return 1;
    }
    auto intFunc = intModule->lookupSymbol<func::FuncOp>(name);
    size_t l = checkPerturbLayer;
    std::optional<OutputGrid> grid;
    if (l < split->boundaries.size())
      grid = getGrid(cast<FakeQuantOpInterface>(split->boundaries[l]));
    double delta = grid ? 2 * *llvm::max_element(grid->scales) : 0x1p-10;
    perturbLayer(intFunc, *findLayers(intFunc), l, delta);
  }
  OwningOpRef<ModuleOp> intEndToEnd = intModule->clone();

  SmallVector<HostTensor> args, traced;
  if (failed(checkEndToEnd(module, *intEndToEnd, name, args, traced)) ||
      failed(checkLayers(module, *intModule, name, args, traced)))
    return 1;
  return 0;
}

/// Flags that would otherwise be ignored are errors: more --input or
/// --output files than the function has arguments or results, and the
/// flags of a single run given with --check.
static LogicalResult checkFlags(ModuleOp module, StringRef name) {
  auto func = module.lookupSymbol<func::FuncOp>(name);
  if (!func)
    return success(); // Reported by the compilation, at the module.
  auto tooMany = [&](const llvm::cl::list<std::string> &files, StringRef flag,
                     size_t count, StringRef what) {
    if (files.size() <= count)
      return false;
    emitError(func.getLoc())
        << files.size() << " --" << flag << " files given, but @" << name
        << " has " << count << " " << what;
    return true;
  };
  if (tooMany(inputs, "input", func.getNumArguments(), "arguments") ||
      tooMany(outputs, "output", func.getNumResults(), "results"))
    return failure();
  if (check && (!outputs.empty() || timeSeconds > 0)) {
    diagnostics->reportError("--output and --time are not used with --check");
    return failure();
  }
  return success();
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAllPasses();
  qat::registerAllQATPasses();
  llvm::cl::HideUnrelatedOptions(qatRunCategory);
  llvm::cl::ParseCommandLineOptions(argc, argv, "qat JIT runner\n");

  MLIRContext context(createQATContextRegistry());
  // Remarks name the operations left in float; the op dump adds nothing.
  context.printOpOnDiagnostic(false);

  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  // --check compiles the module three times: each problem is printed once.
  ToolDiagnostics toolDiagnostics(&context, "qat-run",
                                  /*dropDuplicates=*/check);
  diagnostics = &toolDiagnostics;
  if (failed(toolDiagnostics.addInputFile(inputFile, sourceMgr)))
    return 1;
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  std::string name = entry;
  if (name.empty()) {
    auto funcs = module->getOps<func::FuncOp>();
    auto first =
        llvm::find_if(funcs, [](func::FuncOp f) { return !f.isExternal(); });
    if (first == funcs.end()) {
      toolDiagnostics.reportError(inputFile + ": no function to run");
      return 1;
    }
    name = (*first).getSymName().str();
  }
  if (failed(checkFlags(*module, name)))
    return 1;
  int result = check ? runCheck(*module, name) : runOnce(*module, name);
  return toolDiagnostics.exitCode(success(result == 0));
}
