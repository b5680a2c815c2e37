//===- qat-fuzz-compile.cpp - fuzz the compiler on random QAT graphs ------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// libFuzzer target: the input's bytes drive the differential generator
// (test/Differential/RandomGraphs.h, through a RandomSource: each 8-byte
// word one of its random draws), so every input is a structurally valid QAT
// graph, and a mutation changes a shape, a grid, a layer kind rather than
// the syntax. The graph is checked exactly as qat-difftest checks it
// (test/Differential/CheckGraph.h): compiled with qat-to-int and
// qat-codegen-cpu (the passes of qat-compile) and with both simulations,
// the pass manager verifying after each pass; JIT-run (every size of a
// dynamic batch); every quantized tensor compared with the C++ integer
// reference and with the exact layer. A mismatch, a compile failure of a
// graph inside the integer domain, an error without a location, or invalid
// IR aborts.
//
//===----------------------------------------------------------------------===//

#include "CheckGraph.h"
#include "FuzzSupport.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::qat;
using namespace mlir::qat::difftest;
using namespace mlir::qat::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // The generator draws a few hundred words at most; longer inputs are the
  // same graphs.
  if (size > 4096)
    return -1;
  RandomSource rng(ArrayRef<uint8_t>(data, size));
  // qat-difftest's defaults: every feature, dynamic batches included.
  GeneratorOptions generator;
  generator.dynamic = true;
  Graph graph = generateGraph(rng, generator);
  std::string text = emitMLIR(graph);
  const Requant modes[] = {Requant::Float, Requant::FixedPointDoubleRound,
                           Requant::FixedPointSingleRound};
  Requant requant = modes[rng() % 3];
  Target target{InstructionSet::Host, static_cast<unsigned>(1 + rng() % 2)};
  uint64_t inputSeed = rng();

  MLIRContext ctx(getFuzzRegistry(), MLIRContext::Threading::DISABLED);
  ctx.printOpOnDiagnostic(false);
  Figures figures;
  CaseResult result = checkGraph(ctx, graph, text, requant, target, inputSeed,
                                 CheckOptions(), figures);
  if (result.outcome == CaseResult::Failed)
    reportFinding(result.why + "\n" + result.diagnostics + text);
  // A rejection must say why.
  if (result.outcome == CaseResult::Rejected && result.numErrors == 0)
    reportFinding("rejected without an error:\n" + result.diagnostics + text);
  return 0;
}
