//===- Passes.td - qat CPU code generation passes ----------*- tablegen -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_CODEGEN_PASSES_TD
#define QAT_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def QATVectorizeMatmulPass : Pass<"qat-vectorize-matmul"> {
  let summary = "Integer matmuls and convolutions with constant weights as "
                "exact vector micro-kernels, with the element-wise consumer "
                "fused";
  let description = [{
    Rewrites an integer `linalg.matmul` (i8 or i16 activations M x K, a
    constant i8 or i16 weight K x N, i32 accumulation from zero; a
    `linalg.batch_matmul` with a constant weight per batch is one such
    kernel per batch) or
    `linalg.conv_2d_nhwc_hwcf` (static shapes, constant HWCF weight; rows
    are output pixels, K is (kh, kw, c) with the channels padded to whole
    groups, read from the activations without im2col), together with the
    element-wise
    `linalg.generic` that consumes its result (the requantization epilogue
    of `qat-to-int`), into a register-tiled loop nest on tensors:

    - the weight is packed at compile time into N/nr panels of K/g groups
      of nr interleaved runs of g consecutive K entries
      (`tensor<N/nr x K/g x g*nr x iB>`, zero-padded), the layout the
      multiply-add instruction wants (i8 for the pair step when the weights
      fit, sign-extended as they are loaded);
    - each mr x nr output tile accumulates in `mr * nr / lanes` i32 vectors
      held in registers across the K loop; one step broadcasts a group of
      g activations to every lane, multiplies it by a weight vector and
      sums each lane's g products into its accumulator. Two steps exist
      (option `dot`), both exact in i32 modulo 2^32, which is all the i32
      accumulation needs (its final value is proved to fit):
      - pairs (g = 2, 8 lanes): activations widened to i16, products of
        i16 pairs added (`qat-x86-vpmaddwd` selects `vpmaddwd`); a pair
        sum leaves i32 only for 2 * (-2^15)^2, which wraps to the same
        value modulo 2^32;
      - quads (g = 4, 16 lanes): u8 activations times s8 weights, four
        products summed in i32 (`qat-x86-vpdpbusd` selects the AVX-512
        VNNI `vpdpbusd`, which does not saturate), for matmuls whose
        activations are zero-extended u8 storage and whose weights fit s8;
      - quads with int16 pair sums (g = 4, 8 lanes, `quad-i16`): the same
        operands, each adjacent pair of products summed with int16
        saturation, then adjacent pair sums added in i32
        (`qat-x86-vpmaddubsw` selects AVX2's `vpmaddubsw` and `vpmaddwd`).
        Chosen only where it is proven exact: no (weight pair, column)
        entry can leave int16 with the largest activation the producers'
        clamps allow (7-bit weights or 7-bit activations always pass);
        elsewhere pairs, and a remark that names the layer and how many
        entries fail;
    - a `linalg.depthwise_conv_2d_nhwc_hwc` (static shapes, constant HWC
      weight) gets its own step: columns are channels and K the kh x kw
      taps; each tap reads a vector of channels per row, zero-extends each
      (i16) value into an i32 lane, (a, 0) as an i16 pair, and takes the
      pair step with weights packed as (w, 0) pairs: a * w per lane, lanes
      kept apart (8, or 16 with `dot=quad`);
    - the consumer's body (bias, zero-point corrections, requantization,
      clamp) runs on the accumulator vectors, its per-column operands read
      as vectors and per-row operands broadcast, so no i32 tensor goes
      through memory; rows beyond the last full tile use 1 x nr tiles.

    Integer contractions it cannot handle (non-constant weights, wider
    element types, transposed maps; NCHW and grouped convolutions) are
    left unchanged to the generic lowering,
    correct but slow, each with a remark that names the op and the reason.
  }];
  let options = [
    Option<"rowsPerTile", "mr", "int64_t", "4",
           "Output rows per register tile">,
    Option<"vectorsPerRow", "nr-vectors", "int64_t", "2",
           "Accumulator vectors per tile row (nr = lanes * nr-vectors "
           "columns)">,
    Option<"rowChunks", "row-chunks", "int64_t", "1",
           "Chunks of rows the kernel's forall splits the rows into, besides "
           "the column panels (matmuls, and convolutions of one image in "
           "whole output rows), so that threads share few panels">,
    // The enum's values are declared in qat/Options.h; the description
    // names them for the generated pass reference.
    Option<"dotProduct", "dot", "::mlir::qat::DotProduct",
           "::mlir::qat::DotProduct::Pair",
           "Inner-product step: 'pair' (i16 pairs into 8 x i32, vpmaddwd), "
           "'quad' (u8 x s8 quads into 16 x i32, vpdpbusd; for matmuls "
           "whose activations are zero-extended u8 and weights fit s8, "
           "pairs for the others) or 'quad-i16' (u8 x s8 quads with int16 "
           "pair sums into 8 x i32, vpmaddubsw + vpmaddwd; where proven "
           "exact, pairs for the others)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def QATX86VpmaddwdPass : Pass<"qat-x86-vpmaddwd"> {
  let summary = "Pair multiply-adds of i16 vectors as the AVX2 vpmaddwd "
                "intrinsic";
  let description = [{
    Replaces `x[2i] * y[2i] + x[2i+1] * y[2i+1]` over `vector<16xi16>`
    operands (even and odd lanes shuffled out, sign-extended to i32,
    multiplied and added: the form `qat-vectorize-matmul` emits) with
    `llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"`. Both compute the same
    value modulo 2^32. The portable form is correct everywhere, but LLVM's
    optimizer rewrites it into vpmulld before instruction selection can
    match vpmaddwd, and x86vector has no op for it; so the pipeline selects
    the instruction here, on hosts with AVX2, after bufferization (whose
    deallocation analysis rejects calls with unknown side effects). With
    `avx512`, the same form over `vector<32xi16>` becomes AVX-512BW's
    `llvm.x86.avx512.pmaddw.d.512`.
  }];
  let options = [
    Option<"avx512", "avx512", "bool", "false",
           "Also select the 512-bit vpmaddwd (AVX-512BW) for vector<32xi16> "
           "operands">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def QATX86VpdpbusdPass : Pass<"qat-x86-vpdpbusd"> {
  let summary = "u8 x s8 quad dot products as the AVX-512 VNNI vpdpbusd "
                "intrinsic";
  let description = [{
    Replaces `acc + sum_g(zext(x) * sext(y))[4i + g]` over `vector<64xi8>`
    operands (products of the zero-extended and sign-extended lanes,
    lanes 4i .. 4i+3 shuffled out and added into `vector<16xi32>`: the form
    `qat-vectorize-matmul dot=quad` emits) with
    `llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"`, which computes the
    same sums in i32 without saturation (unlike vpmaddubsw, whose int16
    pair sums saturate). Like `qat-x86-vpmaddwd`, it runs after
    bufferization, on hosts with AVX-512 VNNI.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def QATX86VpmaddubswPass : Pass<"qat-x86-vpmaddubsw"> {
  let summary = "u8 x s8 quad dot products with int16 pair sums as AVX2's "
                "vpmaddubsw and vpmaddwd intrinsics";
  let description = [{
    Replaces `sum2(sat16(sum2(zext(x) * sext(y))))` over `vector<32xi8>`
    operands (adjacent lanes added, `sat16` an `arith.maxsi`/`arith.minsi`
    clamp to [-2^15, 2^15 - 1]: the form `qat-vectorize-matmul
    dot=quad-i16` emits) with `llvm.call_intrinsic
    "llvm.x86.avx2.pmadd.ub.sw"` followed by `"llvm.x86.avx2.pmadd.wd"` by
    a vector of ones. The replacement computes the same value bit for bit,
    saturation included; whether the saturation can act is decided, and
    proven not to, where the form is emitted. Runs after bufferization, on
    hosts with AVX2.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def QATVectorizeElementwisePass : Pass<"qat-vectorize-elementwise"> {
  let summary = "Element-wise linalg ops and NHWC poolings on buffers as "
                "loops over vectors";
  let description = [{
    Tiles every linalg op on buffers whose loops are all parallel and whose
    bounds are static (element-wise generics and maps, fills, copies: the
    quantization of inputs, widenings, the fill and copy of a padding) to
    1 x ... x 1 x w tiles, w the innermost extent when it is at most 64,
    else the widest power of two from 64 down to 8 that divides it (at most
    2048 bits of the widest element), and vectorizes each tile with
    upstream's linalg vectorizer; leading unit dimensions are dropped from
    the vectors. A 2-D NHWC pooling (max, min, sum; static shapes) becomes
    loops over (n, oh, ow, channel vector) that read the output vector,
    combine it with each input vector of the window (its body's scalar ops
    cloned on vectors, window unrolled) and write it back: upstream
    vectorizes only 1-D poolings and decomposes 2-D ones only on tensors.
    Other ops with reductions, dynamic shapes or an innermost extent
    without such a width stay loops. Runs after bufferization, where a
    padding is already a fill and a copy.
  }];
  let dependentDialects = [
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

def QATStridedCopiesToLinalgPass : Pass<"qat-strided-copies-to-linalg"> {
  let summary = "memref.copy between non-contiguous buffers as linalg.copy";
  let description = [{
    Bufferization copies into or out of subviews (e.g. the zero-point
    padding of a convolution's input) with `memref.copy`. Upstream lowers a
    copy whose operands are not both contiguous to a call to the C runner
    utilities' `memrefCopy`, which moves one element at a time (a fifth of
    a 3x3 convolution's time in qat-bench). As `linalg.copy` it becomes
    loops whose contiguous inner dimension LLVM vectorizes. Contiguous
    copies stay `memref.copy` (lowered to `llvm.memcpy`).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def QATExpandPowPass : Pass<"qat-expand-pow"> {
  let summary = "pow by 0, 1, 2, -1 or 0.5, or of a power of two, as the "
                "operations LLVM would replace it with";
  let description = [{
    LLVM's library-call simplifier replaces a scalar `pow` by some constant
    exponents or bases even without fast-math flags, but leaves a vector
    `pow` to the C library, whose `powf` differs from the replacements in
    the last place (glibc's `powf(x, 2)` is not `x * x` on 0.07 % of the
    floats in [1, 2)). A graph would then compute one value in a vectorized
    loop and another in its scalar remainder. This pass makes LLVM's
    replacements itself, on tensors and in the bodies of generics (where a
    splat constant input is still visible), so that the value is the same
    everywhere and the tables of `qat-form-integer-regions` (Semantics.md
    §8.11), which fold the replaced ops, agree with it:
    `pow(x, 0)` and `pow(1, x)` are 1, `pow(x, 1)` is x, `pow(x, 2)` is
    `x * x`, `pow(x, -1)` is `1 / x`, `pow(x, 0.5)` is `|sqrt(x)|` (+inf for
    -inf), `pow(2^n, x)` is `exp2(n * x)`. Every other `pow` stays the C
    library's.

    ```mlir
    %y = math.powf %x, %two : f32
    // becomes
    %y = arith.mulf %x, %x : f32
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def QATMathToLibmPass : Pass<"qat-math-to-libm", "ModuleOp"> {
  let summary = "Math functions LLVM has no exact lowering for as C library "
                "calls";
  let description = [{
    Upstream's `convert-math-to-llvm` has no lowering for `math.erf`,
    `math.erfc`, `math.cbrt`, `math.acosh`, `math.asinh` and `math.atanh`
    (a program using one fails in LLVM translation), and lowers
    `math.expm1` and `math.log1p` as `exp(x) - 1` and `log(1 + x)`, which
    lose the precision the functions exist for and differ from what the
    ops' folders compute. This pass rewrites exactly these ops, scalar or
    vector, with upstream's `convert-math-to-libm` patterns into calls of
    the C library's functions (`erff`, `expm1f`, ...; vectors one element
    at a time), the functions the folders call at compile time, so that
    a lookup table computed by folding (docs/Semantics.md §8.11) and the
    compiled float program agree. Every other math op keeps its LLVM
    intrinsic (`math.sqrt` a native instruction, not a call).

    ```mlir
    %y = math.erf %x : f32
    // becomes
    %y = call @erff(%x) : (f32) -> f32
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::vector::VectorDialect"];
}

def QATTensorOpsToLinalgPass : Pass<"qat-tensor-ops-to-linalg"> {
  let summary = "Element-wise and aggregate ops on tensors as linalg generics";
  let description = [{
    Ops left in float (by policy, or because they have no integer lowering)
    must still compile. Two kinds do not survive bufferization and the
    lowering to loops as they are: element-wise ops applied to whole tensors
    (`math.tanh %t : tensor<...>`, `arith.addf` on tensors), which have no
    bufferization, and aggregate linalg ops such as `linalg.softmax`, which
    `convert-linalg-to-loops` cannot lower. This pass rewrites the first as
    `linalg.generic` (upstream's element-wise-to-linalg patterns) and
    decomposes the second through their `AggregatedOpInterface` (max,
    subtract, exp, sum, divide for softmax), before bufferization. An op
    without side effects whose results have no elements computes nothing:
    its results become `tensor.empty` (upstream's bufferization of, e.g., a
    `tensor.pad` of an empty tensor builds an invalid subview).

    Before:
    ```mlir
    %t = math.tanh %x : tensor<4x8xf32>
    ```
    After:
    ```mlir
    %t = linalg.generic {...} ins(%x : tensor<4x8xf32>) outs(%e : ...) {
    ^bb0(%in: f32, %out: f32):
      %0 = math.tanh %in : f32
      linalg.yield %0 : f32
    } -> tensor<4x8xf32>
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::arith::ArithDialect"];
}

def QATRuntimeShapeChecksPass : Pass<"qat-runtime-shape-checks"> {
  let summary =
      "Check dynamic sizes at run time before the code relies on them";
  let description = [{
    A dynamic size is a promise the caller keeps at run time: both operands
    of an `arith.addf` on `tensor<?x?xf32>` have the same shape, a matmul's
    K agrees between its operands. Compiled code that trusted a broken
    promise would read past a buffer and return wrong numbers silently. For
    every op with a dynamically shaped operand or result this pass emits the
    op's own run-time checks (upstream's `RuntimeVerifiableOpInterface`,
    implemented by linalg, tensor and memref ops) as `cf.assert`s that name
    the op's source location; a failed check prints it and aborts. Ops with
    static shapes only (everything in a static program) get no check and no
    cost.

    Before:
    ```mlir
    %s = linalg.generic ... ins(%x, %y : tensor<?xf32>, tensor<?xf32>) ...
    ```
    After (schematically):
    ```mlir
    %dx = tensor.dim %x, %c0 : tensor<?xf32>
    %dy = tensor.dim %y, %c0 : tensor<?xf32>
    %same = index.cmp eq(%dx, %dy)
    cf.assert %same, "file.mlir:3:8: run-time shape check failed: ..."
    %s = linalg.generic ...
    ```
  }];
  let dependentDialects = ["::mlir::cf::ControlFlowDialect",
                           "::mlir::index::IndexDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def QATUnshareTensorsPass : Pass<"qat-unshare-tensors"> {
  let summary = "Every use of a tensor.empty or a tensor constant gets a "
                "copy of its own";
  let description = [{
    Replaces each use of a `tensor.empty` or of a tensor-typed
    `arith.constant` after the first by a fresh copy of it, created in the
    original's block just before the user (or the op that holds the user).
    An empty tensor has no contents and a constant is never written (it is
    not writable to one-shot bufferization), so the program's meaning is
    unchanged; what changes is the cost of one-shot bufferization, whose
    in-place analysis checks every use of a tensor against the reads and
    writes of all the values it aliases:
    - CSE merges the destinations of a whole chain of ops into one
      `tensor.empty`; each of the N writers was then checked against all N
      aliases of that one value, which made a chain of 1,000 fake-quants
      take minutes (cubic in the chain's length);
    - CSE merges the lookup tables of a chain of table layers (the same
      function between the same grids) into one constant; each of its N
      `tensor.extract` reads was then checked against all N reads
      (quadratic: 4,000 relu layers spent 1.5 s there).
    With one copy per use each alias set is small and bufferization is
    linear. Each writer gets the allocation it would otherwise have got from
    a conflict (freed, as every buffer, at the end of its block); the
    copies of a constant all read the one global that holds its value.

    ```mlir
    %e = tensor.empty() : tensor<4xi8>
    %1 = linalg.generic ... ins(%x : tensor<4xf32>) outs(%e : tensor<4xi8>)
    %2 = linalg.generic ... ins(%1 : tensor<4xi8>) outs(%e : tensor<4xi8>)
    // becomes
    %e = tensor.empty() : tensor<4xi8>
    %1 = linalg.generic ... ins(%x : tensor<4xf32>) outs(%e : tensor<4xi8>)
    %e_0 = tensor.empty() : tensor<4xi8>
    %2 = linalg.generic ... ins(%1 : tensor<4xi8>) outs(%e_0 : tensor<4xi8>)
    ```
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def QATSplitDeallocsPass : Pass<"qat-split-deallocs"> {
  let summary = "A bufferization.dealloc of distinct allocations becomes one "
                "per allocation";
  let description = [{
    Ownership-based deallocation frees all the buffers a block allocates in
    one `bufferization.dealloc` at the block's end. Upstream's
    `buffer-deallocation-simplification` then splits it by asking, for each
    of its N memrefs, whether it may alias any of the other N - 1: quadratic
    in the number of layers (4,000 relu layers spent 3 s there). When every
    memref of the op is the result of its own `memref.alloc`, no two of them
    alias, and this pass splits the op without asking: one
    `bufferization.dealloc` per allocation, with the same condition and the
    same retained values, whose ownership results are or-ed (a retained
    value is owned when any allocation it aliases was owned: the op's
    definition). A dealloc with any other memref (a view, a block argument)
    is left to upstream's simplification.

    ```mlir
    %o = bufferization.dealloc (%a, %b : memref<4xi8>, memref<4xi8>)
        if (%ca, %cb) retain (%r : memref<4xi8>)
    // becomes
    %oa = bufferization.dealloc (%a : memref<4xi8>) if (%ca)
        retain (%r : memref<4xi8>)
    %ob = bufferization.dealloc (%b : memref<4xi8>) if (%cb)
        retain (%r : memref<4xi8>)
    %o = arith.ori %oa, %ob : i1
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect"];
}

def QATSCFToControlFlowPass : Pass<"qat-scf-to-cf"> {
  let summary = "Upstream's scf-to-cf lowering, linear in the number of "
                "loops";
  let description = [{
    Lowers `scf.for`, `scf.if`, `scf.while`, `scf.parallel`, `scf.forall`,
    `scf.index_switch` and `scf.execute_region` to blocks and `cf` branches
    with upstream's patterns (`populateSCFToControlFlowConversionPatterns`:
    the same IR as `convert-scf-to-cf`), visiting the ops last to first.
    Lowering a loop splits its block and moves every op after the loop into
    a new block; upstream's pass visits the loops first to last, so a
    function of N loops in sequence (a chain of N layers) moves O(N) ops N
    times. Last to first, a split moves only the ops up to the next loop,
    already lowered: linear.

    ```mlir
    scf.for %i = %c0 to %c4 step %c1 {
      memref.store %v, %m[%i] : memref<4xf32>
    }
    // becomes
      cf.br ^bb1(%c0 : index)
    ^bb1(%i: index):
      %0 = arith.cmpi slt, %i, %c4 : index
      cf.cond_br %0, ^bb2, ^bb3
    ^bb2:
      memref.store %v, %m[%i] : memref<4xf32>
      %1 = arith.addi %i, %c1 : index
      cf.br ^bb1(%1 : index)
    ^bb3:
    ```

    An op that no pattern lowers (an `scf.forall` on tensors) is an error.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::cf::ControlFlowDialect"];
}

def QATHoistDeallocsPass : Pass<"qat-hoist-deallocs"> {
  let summary = "A buffer is freed right after its last use";
  let description = [{
    Ownership-based deallocation frees every buffer at the end of the block
    that allocated it, so a chain of N layers holds all its N intermediate
    buffers until it returns (peak memory the sum of all activations), and
    every buffer stays live across the whole function, which defeats
    `qat-outline-layers` (each run would return all its buffers to be freed
    at the end). This pass moves a `memref.dealloc` of a `memref.alloc`'s
    result up to just after the last op of the block that uses the buffer
    or a view of it (through `ViewLikeOpInterface`), when every use is one
    it can see the end of: a use in the same block (or nested in an op of
    it) by an op that neither returns, yields, branches to, calls with nor
    otherwise makes a new memref of the buffer other than a view it
    follows. Any other use (the buffer returned, passed to a call, carried
    by a loop, its pointer taken) leaves the dealloc where it is.

    ```mlir
    %a = memref.alloc() : memref<4xi8>
    linalg.generic ... outs(%a : memref<4xi8>)
    linalg.generic ... ins(%a : memref<4xi8>) outs(%b : memref<4xi8>)
    ... (later layers)
    memref.dealloc %a : memref<4xi8>
    // becomes
    %a = memref.alloc() : memref<4xi8>
    linalg.generic ... outs(%a : memref<4xi8>)
    linalg.generic ... ins(%a : memref<4xi8>) outs(%b : memref<4xi8>)
    memref.dealloc %a : memref<4xi8>
    ... (later layers)
    ```
  }];
}

def QATOutlineLayersPass : Pass<"qat-outline-layers", "ModuleOp"> {
  let summary = "A function of many loop nests becomes calls of functions "
                "of at most `max-layers` each";
  let description = [{
    LLVM's optimizer is quadratic in the number of loops of one function:
    its dominator tree and scalar evolution walk the chain of blocks before
    each loop (a chain of 1,000 relu layers took 13 s to JIT at -O3, 4,000
    took 313 s). This pass keeps each function LLVM sees small: the body of
    a single-block function that holds more than `max-layers` ops with
    regions (loop nests, kernels, OpenMP teams) is cut into runs of at most
    `max-layers` such ops, and each run becomes a private function (internal
    linkage in LLVM), called in its place by a `no_inline` call. The values a run uses from before it
    become its arguments (constants and `memref.get_global`s are cloned into
    it instead, so LLVM still sees them); the values used after it become
    its results. Run with `qat-hoist-deallocs` first: a buffer freed at the
    end of the function would be a result of every run that made one.

    A run is left in place when it would return a buffer of its own stack
    (a `memref.alloca`, or a view of one). Functions of at most `max-layers`
    loop nests are unchanged.

    ```mlir
    func.func @chain(%x: memref<4xf32>) -> memref<4xf32> {
      %a = memref.alloc() : memref<4xf32>
      scf.for ... { ... %x ... %a ... }   // layer 1
      ...                                  // layers 2 .. N
      return %z : memref<4xf32>
    }
    // becomes, with max-layers = 64
    func.func @chain(%x: memref<4xf32>) -> memref<4xf32> {
      %a, ... = call @chain_layers0(%x) : (memref<4xf32>) -> (...)
      ...
    }
    func.func private @chain_layers0(%x: memref<4xf32>) -> (...)
        attributes {no_inline} { ... }
    ```
  }];
  let options =
      [Option<"maxLayers", "max-layers", "unsigned", /*default=*/"64",
              "Loop nests (ops with regions) per function (0 counts as 1)">,
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def QATConstantGlobalsPass : Pass<"qat-constant-globals", "ModuleOp"> {
  let summary = "Tensor constants get their memref.global in program order";
  let description = [{
    Creates, for each used tensor-valued `arith.constant` in program order,
    the `memref.global` that one-shot bufferization would create for it
    (same name scheme, alignment and uniquing: upstream's `getGlobalFor`),
    so that bufferization finds and reuses them. Without it the globals'
    names (`@__constant_32xi32` vs `@__constant_32xi32_0`) depend on the
    order in which one-shot bufferization visits functions, which LLVM 22
    takes from a hash map (llvm/llvm-project#184722): two runs of
    `qat-compile` on one module gave different output.

    ```mlir
    func.func @f() -> tensor<2xi32> {
      %c = arith.constant dense<[1, 2]> : tensor<2xi32>
      return %c : tensor<2xi32>
    }
    // becomes
    memref.global "private" constant @__constant_2xi32 : memref<2xi32> =
        dense<[1, 2]> {alignment = 64 : i64}
    func.func @f() -> tensor<2xi32> { ... unchanged ... }
    ```
  }];
  let dependentDialects = ["memref::MemRefDialect"];
  let options = [
    Option<"alignment", "alignment", "uint64_t", "64",
           "Alignment of the globals (one-shot bufferization's "
           "buffer-alignment)">,
  ];
}

#endif // QAT_CODEGEN_PASSES_TD
