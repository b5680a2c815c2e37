//===- CheckGraph.h - one differential test case ----------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The check qat-difftest runs on each random graph, shared with the
// compile fuzzer (fuzz/qat-fuzz-compile.cpp): compile the graph with
// qat-to-int (then upstream's loops, and qat-codegen-cpu's vector code) and
// with the f32 and f64 simulations, run them on the same inputs (several
// batch sizes for a dynamic batch), and compare every quantized tensor
// with the C++ integer reference (bit for bit) and with the fake-quant
// layer evaluated exactly (within one step). A graph every pipeline must
// reject (per-channel parameters on a dynamic axis, run-time parameters,
// constants without an i32 form) must be rejected; an error anywhere must
// have a location.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_TEST_DIFFERENTIAL_CHECKGRAPH_H
#define QAT_TEST_DIFFERENTIAL_CHECKGRAPH_H

#include "RandomGraphs.h"

#include "qat/Execution/Compare.h"
#include "qat/Options.h"

#include "mlir/IR/MLIRContext.h"

#include <ctime>
#include <string>

namespace mlir::qat::difftest {

/// The vector code's instruction set and threads.
struct Target {
  InstructionSet isa = InstructionSet::Host;
  unsigned threads = 1;
};

struct CheckOptions {
  /// LLVM optimization level of the JIT (0-3).
  unsigned jitOptLevel = 3;
  /// Also compile and run the f32 and f64 simulations (only for the end to
  /// end figures; the checks do not need them).
  bool simulations = true;
};

/// Processor seconds spent in each stage (of all threads: the OpenMP
/// team's too).
struct Times {
  double generate = 0, pipeline = 0, llvm = 0, run = 0, reference = 0;
};

/// The figures of qat-difftest's summary, summed over graphs.
struct Figures {
  Agreement vsReference;
  /// Per Requant mode.
  Agreement vsExactLayer[3];
  Agreement vsF64, vsF32;
  /// Graphs with layers that run in float by design, and of their float
  /// layers how many a remark named.
  unsigned numFloatGraphs = 0, numFloatLayers = 0, numRemarkedFloatLayers = 0;
  /// Executions (one per batch size of each graph that compiled).
  unsigned numRuns = 0;
  Times times;
};

struct CaseResult {
  enum Outcome {
    Passed,
    /// Passed: every pipeline must reject the graph (no i32 form, run-time
    /// parameters, per-channel parameters on a dynamic axis) and did so.
    Rejected,
    Failed
  } outcome = Passed;
  /// Why it failed.
  std::string why;
  /// The case's diagnostics other than remarks, one per line.
  std::string diagnostics;
  unsigned numErrors = 0;
};

/// Processor seconds since `since`.
double secondsSince(std::clock_t since);

/// Runs the differential check of `graph` (emitted as `text`) with
/// `requant` on the vector code's `target`; the inputs are
/// generateInputs(graph with batch b, inputSeed + b * 104729). The
/// diagnostics on `ctx` are captured in the result, not printed;
/// `figures` accumulates the agreement and the times.
CaseResult checkGraph(MLIRContext &ctx, const Graph &graph,
                      const std::string &text, Requant requant, Target target,
                      uint64_t inputSeed, const CheckOptions &options,
                      Figures &figures);

} // namespace mlir::qat::difftest

#endif // QAT_TEST_DIFFERENTIAL_CHECKGRAPH_H
