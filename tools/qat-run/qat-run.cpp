//===- qat-run.cpp - JIT-compile and run a qat program --------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// qat-run file.mlir [-e func] [--input a.npy ...] [--output y.npy ...]
//
// Compiles one function of a .mlir file with MLIR's JIT and runs it. A QAT
// graph goes through the simulation (--mode=simulate, the default); a
// module already lowered by hand through --mode=lower (upstream's lowering
// only). Inputs come from .npy files in argument order; missing ones are
// drawn from a seeded generator. Outputs are printed or written as .npy.
//
//===----------------------------------------------------------------------===//

#include "qat/Execution/JitRunner.h"
#include "qat/Execution/Npy.h"
#include "qat/InitQAT.h"
#include "qat/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <random>

using namespace mlir;
using namespace mlir::qat;

namespace {
enum class Mode { Simulate, Lower };

llvm::cl::opt<std::string> inputFile(llvm::cl::Positional,
                                     llvm::cl::desc("<input .mlir>"),
                                     llvm::cl::Required);
llvm::cl::opt<std::string>
    entry("e", llvm::cl::desc("Function to run (default: the first one)"),
          llvm::cl::value_desc("name"));
llvm::cl::opt<Mode> mode(
    "mode", llvm::cl::desc("How to compile the function"),
    llvm::cl::values(clEnumValN(Mode::Simulate, "simulate",
                                "fold learned parameters, lower fake-quant to "
                                "float arithmetic (the reference), then LLVM"),
                     clEnumValN(Mode::Lower, "lower",
                                "only upstream's lowering to LLVM")),
    llvm::cl::init(Mode::Simulate));
llvm::cl::list<std::string>
    inputs("input", llvm::cl::desc(".npy file for the next argument"),
           llvm::cl::value_desc("file.npy"));
llvm::cl::list<std::string>
    outputs("output", llvm::cl::desc(".npy file for the next result"),
            llvm::cl::value_desc("file.npy"));
llvm::cl::opt<unsigned> seed("seed",
                             llvm::cl::desc("Seed of the generated inputs"),
                             llvm::cl::init(0));
llvm::cl::opt<double> range(
    "range",
    llvm::cl::desc("Generated float inputs are uniform in [-range, range]"),
    llvm::cl::init(4.0));
llvm::cl::opt<bool> print("print",
                          llvm::cl::desc("Print the results (default when "
                                         "no --output is given)"));
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

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAllPasses();
  qat::registerAllQATPasses();
  llvm::cl::ParseCommandLineOptions(argc, argv, "qat JIT runner\n");

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  qat::registerQATDialects(registry);
  qat::registerJitTranslations(registry);
  MLIRContext context(registry);

  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(inputFile, sourceMgr, &context);
  if (!module)
    return 1;

  std::string name = entry;
  if (name.empty()) {
    auto funcs = module->getOps<func::FuncOp>();
    auto first =
        llvm::find_if(funcs, [](func::FuncOp f) { return !f.isExternal(); });
    if (first == funcs.end()) {
      llvm::errs() << inputFile << ": no function to run\n";
      return 1;
    }
    name = (*first).getSymName().str();
  }

  auto compiled =
      CompiledFunction::compile(*module, name, [](OpPassManager &pm) {
        if (mode == Mode::Simulate)
          buildSimulationPipeline(pm);
        buildLowerToLLVMPipeline(pm);
      });
  if (failed(compiled))
    return 1;

  std::mt19937 rng(seed);
  SmallVector<HostTensor> args;
  for (auto [i, sig] : llvm::enumerate((*compiled)->getInputs())) {
    if (i < inputs.size()) {
      llvm::Expected<HostTensor> t = readNpy(inputs[i]);
      if (!t) {
        llvm::errs() << llvm::toString(t.takeError()) << "\n";
        return 1;
      }
      args.push_back(std::move(*t));
    } else {
      args.push_back(generateInput(sig, rng));
    }
  }

  llvm::Expected<SmallVector<HostTensor>> results = (*compiled)->run(args);
  if (!results) {
    llvm::errs() << llvm::toString(results.takeError()) << "\n";
    return 1;
  }
  for (auto [i, result] : llvm::enumerate(*results)) {
    if (i < outputs.size()) {
      if (llvm::Error err = writeNpy(outputs[i], result)) {
        llvm::errs() << llvm::toString(std::move(err)) << "\n";
        return 1;
      }
    }
    if (print || outputs.empty())
      printTensor(llvm::outs(), result);
  }
  return 0;
}
