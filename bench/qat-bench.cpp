//===- qat-bench.cpp - qat's kernels side by side with the libraries -----===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// qat-bench [--json file] [--quick] [--min-time seconds] [--max-isa avx2]
//           [--mr N] [--nr-vectors N]
//
// For each GEMM and convolution shape, once with full-range 8-bit weights
// and once with 7-bit weights ("w7"), in one run on the same inputs (u8
// activations with a zero point, per-column requantization to s8):
//   - qat: the integer program qat-to-int produces for the layer, compiled
//     with qat-codegen-cpu and JIT-run, with each kernel the host runs
//     (vpdpbusd with AVX-512 VNNI; on AVX2 vpmaddwd, or vpmaddubsw where
//     the 7-bit weights prove it exact), on 1 and 2 threads;
//   - mlir-loops: the same program through upstream's lowering (loops),
//     timed once, on the smaller shapes only;
//   - oneDNN u8s8s8: matmul or convolution with source zero point and
//     per-column output scales, weights reordered ahead of time into its
//     preferred layout, on 1 and 2 threads;
//   - XNNPACK's qc8 convolution (GEMMs as 1 x 1 convolutions), where
//     libxnnpack-dev is installed, on 1 and 2 threads;
//   - with --ort, ONNX Runtime (bench/ort: one QLinearMatMul or QLinearConv
//     run through node), less the per-call time of a 1 x 1 x 1 model;
//   - oneDNN u8s8s32 and f32 matmul.
// Every kernel's GOP/s (one multiply-add = 2 ops), its ratio to oneDNN
// u8s8s8, and the fraction of a per-core peak that this program measures
// itself (vpmaddwd, vpmaddubsw + vpmaddwd, vpdpbusd) are printed and
// written as JSON. Exactness is reported too: the fraction of sampled
// outputs equal to exact integer arithmetic (oneDNN's AVX2 u8 x s8 path,
// which --max-isa avx2 selects on a VNNI host, saturates int16 pair sums).
//
//===----------------------------------------------------------------------===//

#include "qat/Execution/JitRunner.h"
#include "qat/Pipelines/Pipelines.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <oneapi/dnnl/dnnl.hpp>
#if QAT_HAVE_XNNPACK
#include <xnnpack.h>
#endif

#include <immintrin.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <optional>
#include <random>
#include <thread>

extern "C" void omp_set_num_threads(int);

using namespace mlir;
using namespace mlir::qat;

namespace {
/// qat-bench's options: --help shows these, not LLVM's backend flags.
llvm::cl::OptionCategory qatBenchCategory("qat-bench options");

llvm::cl::opt<std::string> jsonPath("json",
                                    llvm::cl::desc("Write results as JSON"),
                                    llvm::cl::value_desc("file"),
                                    llvm::cl::cat(qatBenchCategory));
llvm::cl::opt<double> minTime("min-time",
                              llvm::cl::desc("Seconds per measurement"),
                              llvm::cl::init(0.3),
                              llvm::cl::cat(qatBenchCategory));
llvm::cl::opt<int64_t> mr("mr",
                          llvm::cl::desc("qat-codegen-cpu's mr (default: the "
                                         "pipeline's choice for the isa)"),
                          llvm::cl::init(0), llvm::cl::cat(qatBenchCategory));
llvm::cl::opt<int64_t>
    nrVectors("nr-vectors",
              llvm::cl::desc("qat-codegen-cpu's nr-vectors (default: the "
                             "pipeline's choice for the isa)"),
              llvm::cl::init(0), llvm::cl::cat(qatBenchCategory));
llvm::cl::opt<std::string>
    maxIsa("max-isa",
           llvm::cl::desc("Limit oneDNN and qat to an instruction set: "
                          "'avx2' measures what a machine without AVX-512 "
                          "VNNI runs (oneDNN's vpmaddubsw kernels, qat's "
                          "vpmaddwd and proven vpmaddubsw ones)"),
           llvm::cl::init(""), llvm::cl::cat(qatBenchCategory));
llvm::cl::opt<std::string>
    only("only",
         llvm::cl::desc("Run only the shapes whose name contains this text"),
         llvm::cl::init(""), llvm::cl::cat(qatBenchCategory));
llvm::cl::opt<std::string> ortDir(
    "ort",
    llvm::cl::desc("Also time ONNX Runtime: the folder where npm installed "
                   "onnxruntime-node (scripts/bench.sh sets it up; needs "
                   "node and Debian's python3-onnx)"),
    llvm::cl::value_desc("dir"), llvm::cl::init(""),
    llvm::cl::cat(qatBenchCategory));
llvm::cl::opt<bool> printPrograms(
    "print-programs",
    llvm::cl::desc("Print each shape's integer program (to stderr)"),
    llvm::cl::cat(qatBenchCategory));
llvm::cl::opt<bool> quick("quick",
                          llvm::cl::desc("Only the smaller shapes (for a "
                                         "smoke test)"),
                          llvm::cl::cat(qatBenchCategory));

using Clock = std::chrono::steady_clock;

/// Best-of-three throughput of `fn` in GOP/s for `ops` operations a call.
/// Afterwards it waits for OpenMP workers to stop spinning (both runtimes
/// spin 200 ms after a parallel region by default), so that they do not
/// take the other core from the next measurement.
double measure(double ops, const std::function<void()> &fn) {
  struct Settle {
    ~Settle() { std::this_thread::sleep_for(std::chrono::milliseconds(300)); }
  } settle;
  fn(); // Warm up (and first-touch the output).
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    int calls = 0;
    auto start = Clock::now();
    double seconds = 0;
    do {
      fn();
      ++calls;
      seconds = std::chrono::duration<double>(Clock::now() - start).count();
    } while (seconds < minTime / 3);
    best = std::max(best, ops * calls / seconds / 1e9);
  }
  return best;
}

/// Per-core instruction peaks. The AVX2 ones run six independent
/// multiply-adds per step, each added into its own accumulator (the
/// kernels' pattern), in inline assembly so that the compiler can neither
/// hoist the loop-invariant products nor chain them through one register;
/// a chain `x = op(x, ...)` would measure latency, not throughput. 512-bit
/// vpdpbusd accumulates in place, 12 chains deep, where the host has
/// AVX-512 VNNI.
constexpr int kChains = 12;
constexpr long kIterations = 10'000'000;

/// Keeps a vector result alive.
volatile int sink;

double gopsOf(double opsPerIteration, Clock::time_point start) {
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return opsPerIteration * kIterations / seconds / 1e9;
}

/// Six accumulators of i32 lanes, summed into `sink` afterwards.
struct Accumulators {
  __m256i a0, a1, a2, a3, a4, a5;
  __attribute__((target("avx2"))) void keep() {
    __m256i s = _mm256_add_epi32(
        _mm256_add_epi32(a0, a1),
        _mm256_add_epi32(_mm256_add_epi32(a2, a3), _mm256_add_epi32(a4, a5)));
    sink = sink + _mm256_extract_epi32(s, 0);
  }
};

__attribute__((target("avx2"))) double measurePmaddwdPeak() {
  Accumulators acc{};
  __m256i x = _mm256_set1_epi16(3), b = _mm256_set1_epi16(5);
  auto start = Clock::now();
  for (long i = 0; i < kIterations; ++i) {
#define QAT_STEP(n)                                                            \
  "vpmaddwd %[x], %[b], %%ymm" #n "\n\tvpaddd %%ymm" #n ", %[a" #n "], %[a" #n \
  "]\n\t"
    asm volatile(QAT_STEP(0) QAT_STEP(1) QAT_STEP(2) QAT_STEP(3) QAT_STEP(4)
                     QAT_STEP(5)
                 : [a0] "+x"(acc.a0), [a1] "+x"(acc.a1), [a2] "+x"(acc.a2),
                   [a3] "+x"(acc.a3), [a4] "+x"(acc.a4), [a5] "+x"(acc.a5)
                 : [x] "x"(x), [b] "x"(b)
                 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5");
#undef QAT_STEP
  }
  double gops = gopsOf(2.0 * 16 * 6, start);
  acc.keep();
  return gops;
}

__attribute__((target("avx2"))) double measurePmaddubswPeak() {
  Accumulators acc{};
  __m256i x = _mm256_set1_epi8(3), b = _mm256_set1_epi8(5),
          ones = _mm256_set1_epi16(1);
  auto start = Clock::now();
  for (long i = 0; i < kIterations; ++i) {
#define QAT_STEP(n)                                                            \
  "vpmaddubsw %[b], %[x], %%ymm" #n "\n\tvpmaddwd %[ones], %%ymm" #n           \
  ", %%ymm" #n "\n\tvpaddd %%ymm" #n ", %[a" #n "], %[a" #n "]\n\t"
    asm volatile(QAT_STEP(0) QAT_STEP(1) QAT_STEP(2) QAT_STEP(3) QAT_STEP(4)
                     QAT_STEP(5)
                 : [a0] "+x"(acc.a0), [a1] "+x"(acc.a1), [a2] "+x"(acc.a2),
                   [a3] "+x"(acc.a3), [a4] "+x"(acc.a4), [a5] "+x"(acc.a5)
                 : [x] "x"(x), [b] "x"(b), [ones] "x"(ones)
                 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5");
#undef QAT_STEP
  }
  double gops = gopsOf(2.0 * 32 * 6, start);
  acc.keep();
  return gops;
}

__attribute__((target("avx512f,avx512vnni"))) double measureVnniPeak() {
  __m512i acc[kChains], b = _mm512_set1_epi8(5);
  for (int c = 0; c < kChains; ++c)
    acc[c] = _mm512_set1_epi32(c);
  auto start = Clock::now();
  for (long i = 0; i < kIterations; ++i)
    for (__m512i &x : acc)
      x = _mm512_dpbusd_epi32(x, x, b);
  double gops = gopsOf(2.0 * 64 * kChains, start);
  for (__m512i &x : acc)
    sink = sink + _mm512_reduce_add_epi32(x);
  return gops;
}

/// The per-core peaks (GOP/s), best of three runs each.
struct Peaks {
  double pmaddwd = 0, pmaddubsw = 0, vnni = 0;
  bool hasVnni = false;

  static Peaks measure(bool hasVnni) {
    auto best = [](double (*peak)()) {
      double gops = 0;
      for (int i = 0; i < 3; ++i)
        gops = std::max(gops, peak());
      return gops;
    };
    return {best(measurePmaddwdPeak), best(measurePmaddubswPeak),
            hasVnni ? best(measureVnniPeak) : 0, hasVnni};
  }

  /// The peak of the instructions a kernel uses: its own for qat's and the
  /// loops (vpmaddwd), the best int8 instruction of the host for oneDNN's;
  /// 0 for float kernels.
  double of(const std::string &kernel) const {
    if (kernel == "qat vpdpbusd")
      return vnni;
    if (kernel == "qat vpmaddwd" || kernel == "mlir-loops")
      return pmaddwd;
    if (kernel == "qat vpmaddubsw")
      return pmaddubsw;
    if (kernel == "qat depthwise")
      return 0; // Depthwise: bound by loads, no multiply-add peak applies.
    if (kernel.find("f32") != std::string::npos)
      return 0;
    return hasVnni ? vnni : pmaddubsw;
  }
};

/// A GEMM (M x K by K x N), or a convolution seen as one: batch 1, an
/// H x W x C input (NHWC), a kernelSize^2 x C x N filter (HWCF), stride 1,
/// `pad` pixels of zero-point padding, M = OH * OW, K = kernelSize^2 * C.
struct Gemm {
  std::string name;
  int64_t m, k, n;
  int64_t h = 0, w = 0, c = 0, kernelSize = 0, pad = 0;
  /// 8: full-range weights in [-127, 127]; 7: a declared 7-bit range,
  /// [-64, 63].
  int weightBits = 8;
  bool isConv() const { return kernelSize > 0; }
  int64_t outH() const { return h + 2 * pad - kernelSize + 1; }
  int64_t outW() const { return w + 2 * pad - kernelSize + 1; }

  /// Each channel convolved with its own kernelSize^2 filter (HWC): N = C
  /// columns, K = kernelSize^2 taps.
  bool depthwise = false;

  static Gemm depthwiseConv(std::string name, int64_t h, int64_t w, int64_t c,
                            int64_t kernelSize, int64_t pad) {
    Gemm g = conv(std::move(name), h, w, c, c, kernelSize, pad);
    g.k = kernelSize * kernelSize;
    g.depthwise = true;
    return g;
  }

  static Gemm conv(std::string name, int64_t h, int64_t w, int64_t c, int64_t f,
                   int64_t kernelSize, int64_t pad) {
    Gemm g{std::move(name), 0,  kernelSize * kernelSize * c, f, h, w, c,
           kernelSize,      pad};
    g.m = g.outH() * g.outW();
    return g;
  }
};

/// One GEMM problem: u8 activations (zero point 128), s8 weights in
/// [-127, 127] (or [-64, 63] with 7 bits), per-column f32 multipliers, s8
/// outputs with zero point 0.
struct Problem {
  Gemm shape;
  std::vector<uint8_t> a;
  std::vector<int8_t> w; // K x N
  std::vector<float> multiplier;
  std::vector<int32_t> correction; // -z_a * column sums
  static constexpr int32_t zeroPoint = 128;

  explicit Problem(const Gemm &g) : shape(g) {
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> u8(0, 255),
        s8(g.weightBits == 7 ? -64 : -127, g.weightBits == 7 ? 63 : 127);
    a.resize(g.isConv() ? g.h * g.w * g.c : g.m * g.k);
    for (uint8_t &x : a)
      x = u8(rng);
    w.resize(g.k * g.n);
    for (int8_t &x : w)
      x = s8(rng);
    multiplier.resize(g.n);
    correction.assign(g.n, 0);
    for (int64_t c = 0; c < g.n; ++c) {
      // Three standard deviations of the accumulator (74 * 73 * sqrt(K)
      // for full-range weights, half with 7 bits) map to about the s8
      // range.
      float deviation =
          74 * (g.weightBits == 7 ? 37 : 73) * std::sqrt(float(g.k));
      multiplier[c] = 127.0f / (3 * deviation) * (0.75f + 0.5f * c / g.n);
      for (int64_t i = 0; i < g.k; ++i)
        correction[c] -= zeroPoint * w[i * g.n + c];
    }
  }

  /// Activation p of row i for column j: the matrix entry, or the
  /// convolution window's (kh, kw, c) entry (c = j when depthwise), the zero
  /// point in the padding.
  int32_t activation(int64_t i, int64_t p, int64_t j) const {
    const Gemm &g = shape;
    if (!g.isConv())
      return a[i * g.k + p];
    int64_t channels = g.depthwise ? 1 : g.c;
    int64_t c = g.depthwise ? j : p % g.c, kw = p / channels % g.kernelSize,
            kh = p / channels / g.kernelSize;
    int64_t y = i / g.outW() + kh - g.pad, x = i % g.outW() + kw - g.pad;
    if (y < 0 || y >= g.h || x < 0 || x >= g.w)
      return zeroPoint;
    return a[(y * g.w + x) * g.c + c];
  }

  int32_t exactAccumulator(int64_t i, int64_t j) const {
    int32_t acc = 0;
    for (int64_t p = 0; p < shape.k; ++p)
      acc += activation(i, p, j) * w[p * shape.n + j];
    return acc;
  }

  /// The requantized output qat's program defines (float requantization).
  int8_t exactOutput(int64_t i, int64_t j) const {
    float y = float(exactAccumulator(i, j) + correction[j]) * multiplier[j];
    return int8_t(std::clamp(std::nearbyint(y), -128.0f, 127.0f));
  }

  /// The integer program on tensors, as qat-to-int emits it for u8 x s8:
  /// widen, (pad with the zero point,) contract, requantize.
  std::string emitProgram() const {
    std::string text;
    llvm::raw_string_ostream os(text);
    const Gemm &g = shape;
    auto hex = [&](const void *data, size_t bytes) {
      os << "\"0x";
      for (size_t i = 0; i < bytes; ++i)
        os << llvm::format_hex_no_prefix(static_cast<const uint8_t *>(data)[i],
                                         2, true);
      os << "\"";
    };
    // Shapes, and the affine maps of the element-wise ops, by rank.
    std::string in = llvm::formatv("{0}x{1}", g.m, g.k).str(),
                out = llvm::formatv("{0}x{1}", g.m, g.n).str(),
                weight = llvm::formatv("{0}x{1}", g.k, g.n).str(),
                dims = "(m, n)", col = "n", par = "\"parallel\", \"parallel\"";
    if (g.isConv()) {
      in = llvm::formatv("1x{0}x{1}x{2}", g.h, g.w, g.c).str();
      out = llvm::formatv("1x{0}x{1}x{2}", g.outH(), g.outW(), g.n).str();
      weight =
          g.depthwise
              ? llvm::formatv("{0}x{0}x{1}", g.kernelSize, g.c).str()
              : llvm::formatv("{0}x{0}x{1}x{2}", g.kernelSize, g.c, g.n).str();
      dims = "(b, y, x, n)";
      par = "\"parallel\", \"parallel\", \"parallel\", \"parallel\"";
    }
    os << "#id = affine_map<" << dims << " -> " << dims << ">\n"
       << "#col = affine_map<" << dims << " -> (" << col << ")>\n"
       << llvm::formatv("func.func @gemm(%a: tensor<{0}xi8>) -> "
                        "tensor<{1}xi8> {{\n",
                        in, out);
    // The u8 storage widened to i16, as qat-to-int emits it (convolutions
    // pad the storage first, with the zero point).
    auto widen = [&](StringRef from, StringRef to, StringRef shape) {
      os << llvm::formatv("  %e{1} = tensor.empty() : tensor<{2}xi16>\n"
                          "  %{1} = linalg.generic {{indexing_maps = [#id, "
                          "#id], iterator_types = [{3}]} ins(%{0} : "
                          "tensor<{2}xi8>) outs(%e{1} : tensor<{2}xi16>) {{\n"
                          "  ^bb0(%x: i8, %o: i16):\n"
                          "    %y = arith.extui %x : i8 to i16\n"
                          "    linalg.yield %y : i16\n"
                          "  } -> tensor<{2}xi16>\n",
                          from, to, shape, par);
    };
    if (!g.isConv())
      widen("a", "a16", in);
    os << "  %w = arith.constant dense<";
    hex(w.data(), w.size());
    os << llvm::formatv("> : tensor<{0}xi8>\n", weight);
    os << "  %corr = arith.constant dense<";
    hex(correction.data(), correction.size() * 4);
    os << llvm::formatv("> : tensor<{0}xi32>\n", g.n);
    os << "  %mult = arith.constant dense<";
    hex(multiplier.data(), multiplier.size() * 4);
    os << llvm::formatv("> : tensor<{0}xf32>\n", g.n);
    os << llvm::formatv("  %zero = arith.constant 0 : i32\n"
                        "  %lo = arith.constant -128.0 : f32\n"
                        "  %hi = arith.constant 127.0 : f32\n"
                        "  %e = tensor.empty() : tensor<{0}xi32>\n"
                        "  %z = linalg.fill ins(%zero : i32) outs(%e : "
                        "tensor<{0}xi32>) -> tensor<{0}xi32>\n",
                        out);
    if (g.isConv()) {
      std::string padded =
          llvm::formatv("1x{0}x{1}x{2}", g.h + 2 * g.pad, g.w + 2 * g.pad, g.c)
              .str();
      os << llvm::formatv(
          "  %zp = arith.constant {0} : i8\n"
          "  %pa = tensor.pad %a low[0, {1}, {1}, 0] high[0, {1}, {1}, 0] "
          "{{\n  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):\n"
          "    tensor.yield %zp : i8\n  } : tensor<{2}xi8> to "
          "tensor<{3}xi8>\n",
          static_cast<int>(static_cast<int8_t>(zeroPoint)), g.pad, in, padded);
      widen("pa", "p", padded);
      os << llvm::formatv(
          "  %acc = linalg.{3} {{dilations = dense<1> : "
          "tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%p, %w : "
          "tensor<{0}xi16>, tensor<{1}xi8>) outs(%z : tensor<{2}xi32>) -> "
          "tensor<{2}xi32>\n",
          padded, weight, out,
          g.depthwise ? "depthwise_conv_2d_nhwc_hwc" : "conv_2d_nhwc_hwcf");
    } else {
      os << llvm::formatv("  %acc = linalg.matmul ins(%a16, %w : "
                          "tensor<{0}xi16>, tensor<{1}xi8>) outs(%z : "
                          "tensor<{2}xi32>) -> tensor<{2}xi32>\n",
                          in, weight, out);
    }
    os << llvm::formatv(
        "  %o = tensor.empty() : tensor<{0}xi8>\n"
        "  %q = linalg.generic {{indexing_maps = [#id, #col, #col, #id], "
        "iterator_types = [{2}]} ins(%acc, %corr, %mult : tensor<{0}xi32>, "
        "tensor<{1}xi32>, tensor<{1}xf32>) outs(%o : tensor<{0}xi8>) {{\n"
        "  ^bb0(%x: i32, %c: i32, %s: f32, %out: i8):\n"
        "    %t = arith.addi %x, %c : i32\n"
        "    %f = arith.sitofp %t : i32 to f32\n"
        "    %y = arith.mulf %f, %s : f32\n"
        "    %r = math.roundeven %y : f32\n"
        // As qat-to-int emits it: the scaled accumulator is never NaN.
        "    %l = arith.maximumf %r, %lo fastmath<nnan> : f32\n"
        "    %h = arith.minimumf %l, %hi fastmath<nnan> : f32\n"
        "    %i = arith.fptosi %h : f32 to i8\n"
        "    linalg.yield %i : i8\n"
        "  } -> tensor<{0}xi8>\n"
        "  return %q : tensor<{0}xi8>\n}\n",
        out, g.n, par);
    return text;
  }
};

/// Samples of (row, column) to check exactness on.
std::vector<std::pair<int64_t, int64_t>> samples(const Gemm &g) {
  std::mt19937 rng(7);
  std::vector<std::pair<int64_t, int64_t>> s;
  for (int i = 0; i < 2000; ++i)
    s.push_back({rng() % g.m, rng() % g.n});
  return s;
}

struct Row {
  std::string shape, kernel;
  unsigned threads = 1;
  double gops = 0;
  /// Fraction of sampled outputs equal to exact arithmetic; < 0 if unknown.
  double exact = -1;
  /// Fraction of the peak of its instructions; < 0 if none applies.
  double ofPeak = -1;
};

class Bench {
public:
  Bench()
      : ctx(createQATContextRegistry()), engine(dnnl::engine::kind::cpu, 0),
        stream(engine) {
    ctx.loadAllAvailableDialects();
  }

  void run(const Gemm &g, std::vector<Row> &rows);

  /// qat's kernels to measure: name, isa (none: upstream's loops),
  /// threads.
  struct Kernel {
    std::string name;
    std::optional<InstructionSet> isa;
    unsigned threads = 1;
    /// The name where 7-bit weights make a faster step exact, if another.
    std::string sevenBitName = "";
  };
  std::vector<Kernel> qatKernels;

private:
  /// Compiles with qat-codegen-cpu for `isa`, or upstream's loops without
  /// one.
  FailureOr<std::unique_ptr<CompiledFunction>>
  compile(const std::string &text, std::optional<InstructionSet> isa,
          unsigned threads) {
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &ctx);
    if (!module)
      return failure();
    return CompiledFunction::compile(*module, "gemm", [&](OpPassManager &pm) {
      if (!isa)
        return buildLowerToLLVMPipeline(pm);
      CodegenCPUOptions options;
      options.isa = *isa;
      options.threads = threads;
      if (mr > 0)
        options.rowsPerTile = mr;
      if (nrVectors > 0)
        options.vectorsPerRow = nrVectors;
      buildCodegenCPUPipeline(pm, options);
    });
  }

  MLIRContext ctx;
  dnnl::engine engine;
  dnnl::stream stream;

public:
  /// The bundled example graphs end to end (qat-compile with each of
  /// qatKernels, or qat-to-int on upstream's loops): rows whose `gops`
  /// holds microseconds per call.
  void runExamples(std::vector<Row> &rows);
};

void Bench::runExamples(std::vector<Row> &rows) {
  std::string path = QAT_EXAMPLES_DIR "/qat_mlp_cnn.mlir";
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    llvm::errs() << "qat-bench: cannot read " << path << "\n";
    return;
  }
  for (StringRef function : {"mlp", "cnn_block"}) {
    for (const Kernel &kernel : qatKernels) {
      OwningOpRef<ModuleOp> module =
          parseSourceString<ModuleOp>((*buffer)->getBuffer(), &ctx);
      if (!module)
        return;
      bool vectorized = kernel.isa.has_value();
      auto compiled =
          CompiledFunction::compile(*module, function, [&](OpPassManager &pm) {
            if (!vectorized) {
              buildQATToIntPipeline(pm, QATToIntOptions());
              return buildLowerToLLVMPipeline(pm);
            }
            CompileOptions options;
            options.isa = *kernel.isa;
            options.threads = kernel.threads;
            buildCompilePipeline(pm, options);
          });
      if (failed(compiled)) {
        llvm::errs() << "qat-bench: compiling @" << function << " failed\n";
        continue;
      }
      SmallVector<HostTensor> args;
      std::mt19937 rng(3);
      std::uniform_real_distribution<float> uniform(-2, 2);
      for (const TensorSignature &sig : (*compiled)->getInputs()) {
        HostTensor t(sig.kind, sig.shape);
        for (int64_t i = 0, e = t.getNumElements(); i < e; ++i)
          t.setFromDouble(i, uniform(rng));
        args.push_back(std::move(t));
      }
      auto call = [&] {
        llvm::cantFail((*compiled)->run(args, /*collectResults=*/false));
      };
      // With 1e9 "operations" a call, measure() returns calls per second.
      double callsPerSecond = measure(1e9, call);
      Row row{("example @" + function).str(),
              vectorized ? ("qat " + stringifyOptionChoice(*kernel.isa)).str()
                         : "mlir-loops",
              kernel.threads};
      row.gops = 1e6 / callsPerSecond;
      rows.push_back(row);
    }
  }
}

#if QAT_HAVE_XNNPACK
/// XNNPACK's signed 8-bit convolution with per-channel kernel scales (qc8),
/// a GEMM as a 1 x 1 convolution over M pixels: the u8 activations with
/// zero point 128 are the s8 values a - 128 with zero point 0 (the same
/// corrected accumulator), the per-column multipliers are the kernel
/// scales (input and output scales 1), weights in its OHWI layout.
void runXnnpack(const Problem &p, unsigned threads, std::vector<Row> &rows) {
  const Gemm &g = p.shape;
  static bool initialized = xnn_initialize(nullptr) == xnn_status_success;
  if (!initialized)
    return;
  int64_t ks = g.isConv() ? g.kernelSize : 1, c = g.isConv() ? g.c : g.k;
  int64_t groups = g.depthwise ? g.c : 1;
  int64_t groupIn = g.depthwise ? 1 : c, groupOut = g.depthwise ? 1 : g.n;
  // OHWI: [group * groupOut + o][kh][kw][i].
  std::vector<int8_t> kernel(g.n * ks * ks * groupIn);
  for (int64_t f = 0; f < g.n; ++f)
    for (int64_t t = 0; t < ks * ks; ++t)
      for (int64_t i = 0; i < groupIn; ++i) {
        int64_t row = g.depthwise ? t : t * c + i;
        kernel[(f * ks * ks + t) * groupIn + i] = p.w[row * g.n + f];
      }
  std::vector<int8_t> input(p.a.size());
  for (size_t i = 0; i < p.a.size(); ++i)
    input[i] = static_cast<int8_t>(p.a[i] - Problem::zeroPoint);
  int64_t h = g.isConv() ? g.h : g.m, w = g.isConv() ? g.w : 1;
  int64_t outSize = g.isConv() ? g.outH() * g.outW() * g.n : g.m * g.n;
  std::vector<int8_t> output(outSize);
  uint32_t pad = g.isConv() ? g.pad : 0;
  xnn_operator_t op = nullptr;
  if (xnn_create_convolution2d_nhwc_qc8(
          pad, pad, pad, pad, ks, ks, 1, 1, 1, 1, groups, groupIn, groupOut,
          groups * groupIn, g.n, 0, 1.0f, p.multiplier.data(), kernel.data(),
          nullptr, 0, 1.0f, -128, 127, 0, &op) != xnn_status_success) {
    llvm::errs() << "qat-bench: XNNPACK rejects " << g.name << "\n";
    return;
  }
  pthreadpool_t pool = threads > 1 ? pthreadpool_create(threads) : nullptr;
  if (xnn_setup_convolution2d_nhwc_qc8(op, 1, h, w, input.data(), output.data(),
                                       pool) != xnn_status_success) {
    llvm::errs() << "qat-bench: XNNPACK setup failed for " << g.name << "\n";
  } else {
    Row row{g.name, "XNNPACK qc8", threads};
    row.gops =
        measure(2.0 * g.m * g.n * g.k, [&] { xnn_run_operator(op, pool); });
    int equal = 0, total = 0;
    for (auto [i, j] : samples(g)) {
      equal += output[i * g.n + j] == p.exactOutput(i, j);
      ++total;
    }
    row.exact = double(equal) / total;
    rows.push_back(row);
  }
  xnn_delete_operator(op);
  if (pool)
    pthreadpool_destroy(pool);
}
#endif

/// Runs `program` with `args`; its standard output into `out` if given.
bool runProgram(StringRef program, ArrayRef<StringRef> args,
                StringRef out = "") {
  auto path = llvm::sys::findProgramByName(program);
  if (!path) {
    llvm::errs() << "qat-bench: " << program << " not found\n";
    return false;
  }
  SmallVector<StringRef> argv{*path};
  argv.append(args.begin(), args.end());
  std::optional<StringRef> redirects[] = {std::nullopt, out, std::nullopt};
  if (out.empty())
    redirects[1] = std::nullopt;
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(*path, argv, std::nullopt, redirects, 0, 0,
                                     &error);
  if (rc != 0)
    llvm::errs() << "qat-bench: " << program << " failed: " << error << "\n";
  return rc == 0;
}

/// ONNX Runtime (npm onnxruntime-node through node, optimizations all) on
/// the problem as one QLinearMatMul or QLinearConv (bench/ort): GOP/s after
/// subtracting the per-call time of a 1 x 1 x 1 model, and exactness.
void runOrt(const Problem &p, unsigned threads, std::vector<Row> &rows) {
  const Gemm &g = p.shape;
  SmallString<128> dir;
  if (llvm::sys::fs::createUniqueDirectory("qat-bench-ort", dir))
    return;
  auto write = [&](StringRef name, const void *data, size_t bytes) {
    std::error_code ec;
    llvm::raw_fd_ostream os((dir + "/" + name).str(), ec);
    os.write(static_cast<const char *>(data), bytes);
  };
  // The input in the model's layout: M x K, or NCHW.
  std::vector<uint8_t> x = p.a;
  llvm::json::Array shape;
  if (g.isConv()) {
    for (int64_t y = 0; y < g.h; ++y)
      for (int64_t xx = 0; xx < g.w; ++xx)
        for (int64_t c = 0; c < g.c; ++c)
          x[(c * g.h + y) * g.w + xx] = p.a[(y * g.w + xx) * g.c + c];
    shape = llvm::json::Array{1, g.c, g.h, g.w};
  } else {
    shape = llvm::json::Array{g.m, g.k};
  }
  llvm::json::Object meta{{"m", g.m},
                          {"k", g.k},
                          {"n", g.n},
                          {"h", g.h},
                          {"w", g.w},
                          {"c", g.c},
                          {"kernel", g.kernelSize},
                          {"pad", g.pad},
                          {"depthwise", g.depthwise},
                          {"ort_input_shape", std::move(shape)}};
  std::string metaText;
  llvm::raw_string_ostream(metaText) << llvm::json::Value(std::move(meta));
  write("meta.json", metaText.data(), metaText.size());
  write("w.bin", p.w.data(), p.w.size());
  write("mult.bin", p.multiplier.data(), p.multiplier.size() * 4);
  write("x.bin", x.data(), x.size());
  std::string script = QAT_BENCH_DIR "/ort/make_model.py",
              runner = QAT_BENCH_DIR "/ort/run.mjs";
  std::string out = (dir + "/timing.json").str();
  std::string threadText = std::to_string(threads),
              seconds = std::to_string(minTime.getValue());
  // Debian's python3, which sees python3-onnx.
  if (runProgram("/usr/bin/python3", {script, dir}) &&
      runProgram("/usr/bin/python3", {script, dir, "--unit"}) &&
      runProgram("node", {runner, ortDir, dir, threadText, seconds}, out)) {
    auto text = llvm::MemoryBuffer::getFile(out);
    auto y = llvm::MemoryBuffer::getFile((dir + "/y.bin").str());
    llvm::Expected<llvm::json::Value> timing =
        text ? llvm::json::parse((*text)->getBuffer())
             : llvm::Expected<llvm::json::Value>(
                   llvm::createStringError("no timing"));
    if (timing && y) {
      const llvm::json::Object *o = timing->getAsObject();
      double perCall = o->getNumber("seconds").value_or(0) -
                       o->getNumber("overhead").value_or(0);
      Row row{g.name, "ORT (MLAS)", threads};
      row.gops = perCall > 0 ? 2.0 * g.m * g.n * g.k / perCall / 1e9 : 0;
      auto *q = reinterpret_cast<const int8_t *>((*y)->getBufferStart());
      int equal = 0, total = 0;
      for (auto [i, j] : samples(g)) {
        // u8 with zero point 128; NCHW for convolutions.
        auto *u = reinterpret_cast<const uint8_t *>(q);
        int v = (g.isConv() ? u[j * g.m + i] : u[i * g.n + j]) - 128;
        equal += v == p.exactOutput(i, j);
        ++total;
      }
      row.exact = double(equal) / total;
      rows.push_back(row);
    } else {
      llvm::consumeError(timing.takeError());
    }
  }
  llvm::sys::fs::remove_directories(dir);
}

void Bench::run(const Gemm &g, std::vector<Row> &rows) {
  Problem p(g);
  double ops = 2.0 * g.m * g.n * g.k;
  auto checks = samples(g);
  auto exactFraction = [&](auto &&value, auto &&expected) {
    int equal = 0;
    for (auto [i, j] : checks)
      equal += value(i, j) == expected(i, j);
    return double(equal) / checks.size();
  };
  auto exactOutput = [&](int64_t i, int64_t j) { return p.exactOutput(i, j); };
  auto exactAcc = [&](int64_t i, int64_t j) {
    return p.exactAccumulator(i, j);
  };

  // qat, and upstream's loops on the same program.
  std::string text = p.emitProgram();
  if (printPrograms)
    llvm::errs() << "// " << g.name << "\n" << text;
  HostTensor input(ElementKind::I8, g.isConv()
                                        ? SmallVector<int64_t>{1, g.h, g.w, g.c}
                                        : SmallVector<int64_t>{g.m, g.k});
  std::memcpy(input.data(), p.a.data(), p.a.size());
  for (const Kernel &kernel : qatKernels) {
    bool vectorized = kernel.isa.has_value();
    // Loops run at 1-3 GOP/s: the smaller shapes only, full-range weights.
    if (!vectorized && (ops > 3e8 || g.weightBits == 7))
      continue;
    auto compiled = compile(text, kernel.isa, kernel.threads);
    if (failed(compiled)) {
      llvm::errs() << "qat-bench: compiling " << g.name << " failed\n";
      continue;
    }
    SmallVector<HostTensor> out;
    auto call = [&] {
      auto results = (*compiled)->run({input});
      if (!results)
        llvm::report_fatal_error(llvm::toString(results.takeError()).c_str());
      out = std::move(*results);
    };
    std::string name = kernel.name;
    if (vectorized && g.depthwise)
      name = "qat depthwise";
    else if (g.weightBits == 7 && !kernel.sevenBitName.empty())
      name = kernel.sevenBitName;
    Row row{g.name, name, kernel.threads};
    if (vectorized) {
      // Timed: the compiled code and its output allocation (as for the
      // libraries, no copy of the result); then one call for the result.
      row.gops = measure(ops, [&] {
        llvm::cantFail((*compiled)->run({input}, /*collectResults=*/false));
      });
      call();
    } else {
      auto start = Clock::now();
      call();
      row.gops = ops /
                 std::chrono::duration<double>(Clock::now() - start).count() /
                 1e9;
    }
    auto *q = static_cast<const int8_t *>(out[0].data());
    row.exact = exactFraction(
        [&](int64_t i, int64_t j) { return q[i * g.n + j]; }, exactOutput);
    rows.push_back(row);
  }

  // oneDNN matmuls, weights reordered into the primitive's layout first.
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  auto oneDNN = [&](const std::string &kernel, dt src, dt wei, dt dst,
                    bool requantize, unsigned threads) {
    // oneDNN fixes its thread count when it creates the primitive.
    omp_set_num_threads(threads);
    dnnl::memory::desc aMd({g.m, g.k}, src, tag::ab),
        wMd({g.k, g.n}, wei, tag::any), cMd({g.m, g.n}, dst, tag::ab),
        wPlainMd({g.k, g.n}, wei, tag::ab);
    if (g.isConv()) {
      // Logical NCHW / OIHW dims in NHWC / HWIO memory, like qat's.
      aMd = {{1, g.c, g.h, g.w}, src, tag::nhwc};
      wMd = {{g.n, g.c, g.kernelSize, g.kernelSize}, wei, tag::any};
      wPlainMd = {{g.n, g.c, g.kernelSize, g.kernelSize}, wei, tag::hwio};
      if (g.depthwise) {
        // Groups of one channel: (g, o, i, h, w) in HWC memory.
        wMd = {{g.c, 1, 1, g.kernelSize, g.kernelSize}, wei, tag::any};
        wPlainMd = {{g.c, 1, 1, g.kernelSize, g.kernelSize}, wei, tag::hwigo};
      }
      cMd = {{1, g.n, g.outH(), g.outW()}, dst, tag::nhwc};
    }
    dnnl::primitive_attr attr;
    if (requantize) {
      attr.set_output_scales(1 << 1, p.multiplier);
      attr.set_zero_points(DNNL_ARG_SRC, 0, {Problem::zeroPoint});
    }
    dnnl::primitive primitive;
    dnnl::memory::desc weightsDesc;
    if (g.isConv()) {
      // oneDNN pads with zeros, qat with the zero point: equal only with
      // the zero point applied, which requantize does.
      dnnl::convolution_forward::primitive_desc pd(
          dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                          dnnl::algorithm::convolution_direct,
                                          aMd, wMd, cMd, {1, 1}, {g.pad, g.pad},
                                          {g.pad, g.pad}),
          attr, engine);
      weightsDesc = pd.weights_desc();
      primitive = dnnl::convolution_forward(pd);
    } else {
      dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(aMd, wMd, cMd), attr,
                                      engine);
      weightsDesc = pd.weights_desc();
      primitive = dnnl::matmul(pd);
    }
    std::vector<float> af, wf;
    dnnl::memory a(aMd, engine), c(cMd, engine), w(weightsDesc, engine);
    dnnl::memory wPlain(wPlainMd, engine);
    if (src == dt::f32) {
      af.assign(p.a.begin(), p.a.end());
      wf.assign(p.w.begin(), p.w.end());
      std::memcpy(a.get_data_handle(), af.data(), af.size() * 4);
      std::memcpy(wPlain.get_data_handle(), wf.data(), wf.size() * 4);
    } else {
      std::memcpy(a.get_data_handle(), p.a.data(), p.a.size());
      std::memcpy(wPlain.get_data_handle(), p.w.data(), p.w.size());
    }
    dnnl::reorder(wPlain, w).execute(stream, wPlain, w);
    auto call = [&] {
      primitive.execute(
          stream,
          {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, c}});
      stream.wait();
    };
    Row row{g.name, kernel, threads};
    row.gops = measure(ops, call);
    omp_set_num_threads(1);
    if (dst == dt::s8) {
      auto *q = static_cast<const int8_t *>(c.get_data_handle());
      row.exact = exactFraction(
          [&](int64_t i, int64_t j) { return q[i * g.n + j]; }, exactOutput);
    } else if (dst == dt::s32) {
      auto *q = static_cast<const int32_t *>(c.get_data_handle());
      row.exact = exactFraction(
          [&](int64_t i, int64_t j) { return q[i * g.n + j]; }, exactAcc);
    }
    rows.push_back(row);
  };
  oneDNN("oneDNN u8s8s8", dt::u8, dt::s8, dt::s8, true, 1);
  oneDNN("oneDNN u8s8s8", dt::u8, dt::s8, dt::s8, true, 2);
  // XNNPACK and ONNX Runtime choose their instructions from the CPU alone:
  // under --max-isa they would not be measured on the limited machine.
  if (maxIsa.empty()) {
#if QAT_HAVE_XNNPACK
    runXnnpack(p, 1, rows);
    runXnnpack(p, 2, rows);
#endif
    if (!ortDir.empty() && g.weightBits == 8) {
      runOrt(p, 1, rows);
      runOrt(p, 2, rows);
    }
  }
  // Convolutions: their zero padding differs from the zero point's.
  if (g.isConv() || g.weightBits == 7)
    return;
  oneDNN("oneDNN u8s8s32", dt::u8, dt::s8, dt::s32, false, 1);
  oneDNN("oneDNN f32", dt::f32, dt::f32, dt::f32, false, 1);
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::HideUnrelatedOptions(qatBenchCategory);
  llvm::cl::ParseCommandLineOptions(argc, argv, "qat GEMM benchmark\n");
  // node resolves the package from an absolute directory only.
  if (!ortDir.empty()) {
    SmallString<256> dir(ortDir);
    llvm::sys::fs::make_absolute(dir);
    ortDir = dir.str().str();
  }
  omp_set_num_threads(1);
  // oneDNN writes into buffers allocated once; qat's functions allocate
  // their results on every call.
  keepFreedBuffersInHeap();

  bool hasVnni = __builtin_cpu_supports("avx512vnni");
  if (maxIsa == "avx2") {
    // Before oneDNN creates anything; qat's kernels follow.
    dnnl::set_max_cpu_isa(dnnl::cpu_isa::avx2);
    hasVnni = false;
    llvm::outs() << "--max-isa avx2: oneDNN and qat limited to AVX2; XNNPACK "
                    "and ONNX Runtime, which cannot be, are left out\n";
  } else if (!maxIsa.empty()) {
    llvm::errs() << "qat-bench: --max-isa takes 'avx2'\n";
    return 1;
  }

  std::vector<Gemm> shapes;
  for (int64_t s : {256, 512, 1024, 2048})
    if (!quick || s <= 256)
      shapes.push_back({llvm::formatv("square {0}", s).str(), s, s, s});
  for (int64_t m : {1, 16, 128}) {
    shapes.push_back(
        {llvm::formatv("mlp M={0} 768->3072", m).str(), m, 768, 3072});
    if (!quick)
      shapes.push_back(
          {llvm::formatv("mlp M={0} 3072->768", m).str(), m, 3072, 768});
  }
  // ResNet-style 3x3 convolutions and a MobileNet-style pointwise one.
  shapes.push_back(Gemm::conv("conv 28x28x128 3x3", 28, 28, 128, 128, 3, 1));
  if (!quick) {
    shapes.push_back(Gemm::conv("conv 56x56x64 3x3", 56, 56, 64, 64, 3, 1));
    shapes.push_back(
        Gemm::conv("conv 56x56x64->256 1x1", 56, 56, 64, 256, 1, 0));
    shapes.push_back(
        Gemm::depthwiseConv("depthwise 112x112x32 3x3", 112, 112, 32, 3, 1));
  }

  if (!only.empty())
    llvm::erase_if(shapes, [](const Gemm &g) {
      return g.name.find(only) == std::string::npos;
    });
  // Each shape with full-range and with 7-bit weights.
  for (size_t i = 0, e = shapes.size(); i < e; ++i) {
    if (shapes[i].depthwise)
      continue; // Its kernel has no faster 7-bit step.
    Gemm seven = shapes[i];
    seven.name += " w7";
    seven.weightBits = 7;
    shapes.push_back(seven);
  }

  // The clock of this machine drifts by tens of percent within a run, so
  // the peaks are measured again before each shape, and the fractions use
  // those.
  Peaks peaks = Peaks::measure(hasVnni);
  llvm::outs() << llvm::formatv(
      "per-core peaks: vpmaddwd {0:F1} GOP/s, vpmaddubsw+vpmaddwd {1:F1} "
      "GOP/s, AVX-512 vpdpbusd {2}\n\n",
      peaks.pmaddwd, peaks.pmaddubsw,
      hasVnni ? llvm::formatv("{0:F1} GOP/s", peaks.vnni).str() : "(absent)");
  llvm::outs() << llvm::formatv(
      "{0,-24} {1,-16} {2,3} {3,8} {4,10} {5,10} {6,9}\n", "shape", "kernel",
      "thr", "GOP/s", "vs oneDNN", "of peak", "exact");
  Bench bench;
  // qat's kernels where the host runs them: vpdpbusd (AVX-512 VNNI), and
  // those of machines without VNNI: vpmaddwd, or vpmaddubsw where 7-bit
  // weights prove it exact.
  if (hasVnni) {
    bench.qatKernels.push_back({"qat vpdpbusd", InstructionSet::Avx512Vnni});
    bench.qatKernels.push_back({"qat vpdpbusd", InstructionSet::Avx512Vnni, 2});
  }
  if (__builtin_cpu_supports("avx2")) {
    bench.qatKernels.push_back(
        {"qat vpmaddwd", InstructionSet::Avx2, 1, "qat vpmaddubsw"});
    bench.qatKernels.push_back(
        {"qat vpmaddwd", InstructionSet::Avx2, 2, "qat vpmaddubsw"});
  }
  bench.qatKernels.push_back({"mlir-loops", std::nullopt});
  std::vector<Row> rows;
  for (const Gemm &g : shapes) {
    size_t first = rows.size();
    Peaks shapePeaks = Peaks::measure(hasVnni);
    bench.run(g, rows);
    // oneDNN u8s8s8 at each thread count is the reference.
    double reference[3] = {0, 0, 0};
    for (size_t i = first; i < rows.size(); ++i)
      if (rows[i].kernel == "oneDNN u8s8s8")
        reference[rows[i].threads] = rows[i].gops;
    for (size_t i = first; i < rows.size(); ++i) {
      const Row &r = rows[i];
      std::string exact =
          r.exact < 0 ? "-" : llvm::formatv("{0:P1}", r.exact).str();
      // Per-core peaks scale with the threads.
      double peak = shapePeaks.of(r.kernel) * r.threads;
      rows[i].ofPeak = peak > 0 ? r.gops / peak : -1;
      std::string ofPeak =
          peak > 0 ? llvm::formatv("{0:P0}", r.gops / peak).str() : "-";
      double ref = reference[r.threads];
      llvm::outs() << llvm::formatv(
          "{0,-24} {1,-16} {2,3} {3,8:F1} {4,9:F2}x {5,10} {6,9}\n", r.shape,
          r.kernel, r.threads, r.gops, ref > 0 ? r.gops / ref : 0, ofPeak,
          exact);
    }
    llvm::outs().flush();
  }

  // The bundled example graphs: latency, not throughput.
  std::vector<Row> examples;
  if (only.empty() || StringRef("example @mlp @cnn_block").contains(only))
    bench.runExamples(examples);
  llvm::outs() << llvm::formatv("\n{0,-24} {1,-16} {2,3} {3,10} {4,10}\n",
                                "example graph", "code", "thr", "us/call",
                                "vs loops");
  for (const Row &r : examples) {
    double loops = 0;
    for (const Row &o : examples)
      if (o.shape == r.shape && o.kernel == "mlir-loops")
        loops = o.gops;
    llvm::outs() << llvm::formatv("{0,-24} {1,-16} {2,3} {3,10:F1} {4,9:F2}x\n",
                                  r.shape, r.kernel, r.threads, r.gops,
                                  r.gops > 0 ? loops / r.gops : 0);
  }

  if (!jsonPath.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream os(jsonPath, ec);
    if (ec) {
      llvm::errs() << "qat-bench: " << ec.message() << "\n";
      return 1;
    }
    os << llvm::formatv("{{\"peaks\": {{\"vpmaddwd\": {0}, "
                        "\"vpmaddubsw_vpmaddwd\": {1}, \"vpdpbusd_512\": "
                        "{2}}, \"results\": [\n",
                        peaks.pmaddwd, peaks.pmaddubsw, peaks.vnni);
    for (size_t i = 0; i < rows.size(); ++i)
      os << llvm::formatv("  {{\"shape\": \"{0}\", \"kernel\": \"{1}\", "
                          "\"threads\": {2}, \"gops\": {3}, \"of_peak\": {4}, "
                          "\"exact\": {5}}{6}\n",
                          rows[i].shape, rows[i].kernel, rows[i].threads,
                          rows[i].gops, rows[i].ofPeak, rows[i].exact,
                          i + 1 < rows.size() ? "," : "");
    os << "], \"examples\": [\n";
    for (size_t i = 0; i < examples.size(); ++i)
      os << llvm::formatv("  {{\"graph\": \"{0}\", \"code\": \"{1}\", "
                          "\"threads\": {2}, \"us_per_call\": {3}}{4}\n",
                          examples[i].shape, examples[i].kernel,
                          examples[i].threads, examples[i].gops,
                          i + 1 < examples.size() ? "," : "");
    os << "]}\n";
  }
  return 0;
}
