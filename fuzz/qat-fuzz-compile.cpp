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
// the pass manager verifying after each pass; JIT-run; every quantized
// tensor compared with the C++ integer reference. A mismatch, a compile
// failure of a graph inside the integer domain, or an invalid IR aborts.
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
  Graph graph = generateGraph(rng);
  std::string text = emitMLIR(graph);
  HostTensor input = generateInput(graph, rng());
  const Requant modes[] = {Requant::Float, Requant::FixedPointDoubleRound,
                           Requant::FixedPointSingleRound};
  Requant requant = modes[rng() % 3];
  Target target{InstructionSet::Host, static_cast<unsigned>(1 + rng() % 2)};

  MLIRContext ctx(getFuzzRegistry(), MLIRContext::Threading::DISABLED);
  ctx.printOpOnDiagnostic(false);
  DiagnosticCollector diagnostics(&ctx);
  Figures figures;
  CaseResult result =
      checkGraph(ctx, graph, text, input, requant, target, figures);
  if (result.outcome == CaseResult::Failed)
    reportFinding(result.why + "\n" + diagnostics.getText() + text);
  // The rejection of a graph outside the integer domain must say where.
  if (result.outcome == CaseResult::Rejected &&
      (diagnostics.getNumErrors() == 0 ||
       !diagnostics.getUnlocatedError().empty()))
    reportFinding("rejected without a located error:\n" +
                  diagnostics.getText() + text);
  return 0;
}
