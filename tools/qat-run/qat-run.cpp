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
// --check runs the integer program and the simulation in f32 and in f64 on
// the same inputs and reports, per output, the fraction of equal elements,
// the largest difference in quantization steps and the worst element. It
// fails when the integer program is more than one step from the f64
// simulation.
//
//===----------------------------------------------------------------------===//

#include "qat/Dialect/QAT/Transforms/Passes.h"
#include "qat/Execution/Compare.h"
#include "qat/Execution/JitRunner.h"
#include "qat/Execution/Npy.h"
#include "qat/InitQAT.h"
#include "qat/Pipelines/Pipelines.h"
#include "qat/Tools/ToolDiagnostics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
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
                                         "the f32 and f64 simulations"),
                          llvm::cl::cat(qatRunCategory));
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
/// `promoteToF64` (applied first, so that the signature is the promoted one).
static FailureOr<std::unique_ptr<CompiledFunction>>
compileAs(ModuleOp module, StringRef name, Mode how, bool promoteToF64) {
  if (promoteToF64) {
    PassManager pm(module.getContext());
    pm.addPass(createQATPromoteToF64Pass());
    if (failed(pm.run(module)))
      return failure();
  }
  CompileOptions options;
  compileFlags.apply(options);
  return CompiledFunction::compile(module, name, [&](OpPassManager &pm) {
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
  });
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

static void printAgreement(StringRef against, const Agreement &a) {
  llvm::outs() << llvm::formatv(
      "  vs {0,-15} {1}/{2} exact ({3:P3}), max {4} {5}", against, a.exact,
      a.total, a.exactFraction(), a.maxDifference,
      a.inSteps ? "steps" : "(absolute)");
  if (a.maxDifference > 0)
    llvm::outs() << llvm::formatv("; worst element {0}: {1} vs {2}",
                                  a.worstIndex, a.worstValue, a.worstReference);
  llvm::outs() << "\n";
}

static int runCheck(ModuleOp module, StringRef name) {
  auto func = module.lookupSymbol<func::FuncOp>(name);
  if (!func) {
    llvm::errs() << "no function @" << name << "\n";
    return 1;
  }
  SmallVector<std::optional<OutputGrid>> grids = getOutputGrids(func);
  OwningOpRef<ModuleOp> sim32 = module.clone();
  OwningOpRef<ModuleOp> sim64 = module.clone();
  auto integer = compileAs(module, name, Mode::Int, false);
  auto float32 = compileAs(*sim32, name, Mode::Simulate, false);
  auto float64 = compileAs(*sim64, name, Mode::Simulate, true);
  if (failed(integer) || failed(float32) || failed(float64))
    return 1;
  FailureOr<SmallVector<HostTensor>> args = getArguments(**integer);
  if (failed(args))
    return 1;
  SmallVector<HostTensor> wideArgs;
  for (const HostTensor &t : *args)
    wideArgs.push_back(widen(t));
  auto intOut = (*integer)->run(*args);
  auto f32Out = (*float32)->run(*args);
  auto f64Out = (*float64)->run(wideArgs);
  for (auto *r : {&intOut, &f32Out, &f64Out})
    if (!*r) {
      llvm::errs() << llvm::toString(r->takeError()) << "\n";
      return 1;
    }
  bool withinOneStep = true;
  for (size_t i = 0; i < intOut->size(); ++i) {
    const HostTensor &got = (*intOut)[i];
    llvm::outs() << "result #" << i << " " << got.describe()
                 << (grids[i] ? "" : " (no output grid)") << "\n";
    printAgreement("simulation f32",
                   compareOutputs(got, (*f32Out)[i], grids[i]));
    Agreement exact = compareOutputs(got, (*f64Out)[i], grids[i]);
    printAgreement("simulation f64", exact);
    withinOneStep &= !exact.inSteps || exact.maxDifference <= 1;
  }
  if (!withinOneStep) {
    llvm::errs() << "error: the integer program is more than one step from "
                    "the f64 simulation\n";
    return 1;
  }
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
