//===- QATOps.td - qat operations --------------------------*- tablegen -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_DIALECT_QAT_IR_QATOPS_TD
#define QAT_DIALECT_QAT_IR_QATOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "qat/Dialect/QAT/IR/QATDialect.td"
include "qat/Dialect/QAT/IR/QATAttrs.td"
include "qat/Dialect/QAT/IR/QATInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def QAT_FloatElement : AnyTypeOf<[F16, BF16, F32, F64]>;
def QAT_FloatTensor : RankedTensorOf<[F16, BF16, F32, F64]>;
// A learned zero point is an integer tensor, or a float one (PyTorch's
// learnable fake quant keeps it in float and rounds it in the forward pass).
// Integers are at most 64 bits wide: storage is at most 16 bits, and a wider
// zero point could not even be reported in a diagnostic.
def QAT_ZeroPointTensor : RankedTensorOf<[SignlessIntOfWidths<[8, 16, 32, 64]>,
                                          F16, BF16, F32, F64]>;

def QAT_NumBitsAttr : DefaultValuedAttr<I64Attr, "8">;

//===----------------------------------------------------------------------===//
// fake_quant
//===----------------------------------------------------------------------===//

def QAT_FakeQuantOp : QAT_Op<"fake_quant", [
    Pure, AttrSizedOperandSegments, AllTypesMatch<["input", "output"]>,
    QAT_FakeQuantOpInterface]> {
  let summary = "fake-quantize a float tensor with a scale and zero point";
  let description = [{
    Rounds each element of `input` onto the integer grid given by a scale,
    a zero point and a storage range, and maps it back to float:

    ```
    q = clamp(round(x / scale) + zero_point, qmin, qmax)
    y = (q - zero_point) * scale
    ```

    `docs/Semantics.md` defines every step bit for bit (precision of each
    operation, rounding per mode, NaN and infinities).

    Parameters:
    - the scale comes either from the `scales` attribute (static) or from the
      `scale` operand (a learned parameter: a constant, or a value computed
      from constants); exactly one of the two is given;
    - the zero point comes from the `zero_points` attribute, from the
      `zero_point` operand, or is 0 when neither is given; a float
      `zero_point` operand is rounded half to even and clamped to the storage
      range first, as PyTorch's learnable fake quant does;
    - without `axis` the op is per-tensor (one scale, one zero point); with
      `axis = d` it is per-channel and element `x[..., c, ...]` (index `c` in
      dimension `d`) uses `scales[c]` and `zero_points[c]`;
    - `num_bits` (2 to 16, default 8), `is_signed` (default true) and
      `narrow_range` give the storage range: signed
      `[-2^(b-1), 2^(b-1) - 1]`, unsigned `[0, 2^b - 1]`; `narrow_range` drops
      the lowest value (`[-2^(b-1) + 1, ...]`, `[1, ...]`);
    - `rounding` picks how `x / scale` is rounded; the default
      `half_to_even` is what PyTorch and ONNX do;
    - `reciprocal_scale` computes `x * (1 / scale)` (the reciprocal rounded
      first) instead of `x / scale`: PyTorch's fake-quant kernels do that,
      ONNX Runtime and the TensorFlow Lite reference divide. The two differ
      only where the quotient lands next to a rounding boundary.

    Example:

    ```mlir
    // Per-tensor, static: PyTorch quint8 activation.
    %0 = qat.fake_quant %x {scales = array<f64: 0.05>,
                            zero_points = array<i64: 128>,
                            is_signed = false} : tensor<1x64xf32>
    // Per-channel weight along dimension 0, narrow signed 8-bit.
    %1 = qat.fake_quant %w {axis = 0 : i64, narrow_range,
                            scales = array<f64: 0.01, 0.02>} : tensor<2x64xf32>
    // Learned (LSQ-style) scale as an operand.
    %2 = qat.fake_quant %x scale(%s : tensor<f32>) {num_bits = 4 : i64}
        : tensor<1x64xf32>
    ```
  }];

  let arguments = (ins
    QAT_FloatTensor:$input,
    Optional<QAT_FloatTensor>:$scale,
    Optional<QAT_ZeroPointTensor>:$zero_point,
    OptionalAttr<DenseF64ArrayAttr>:$scales,
    OptionalAttr<DenseI64ArrayAttr>:$zero_points,
    OptionalAttr<I64Attr>:$axis,
    QAT_NumBitsAttr:$num_bits,
    DefaultValuedAttr<BoolAttr, "true">:$is_signed,
    UnitAttr:$narrow_range,
    DefaultValuedAttr<QAT_RoundingModeAttr,
                      "::mlir::qat::RoundingMode::half_to_even">:$rounding,
    UnitAttr:$reciprocal_scale
  );
  let results = (outs QAT_FloatTensor:$output);

  let assemblyFormat = [{
    $input (`scale` `(` $scale^ `:` type($scale) `)`)?
    (`zero_point` `(` $zero_point^ `:` type($zero_point) `)`)?
    attr-dict `:` type($input)
  }];

  let extraClassDeclaration = [{
    /// Storage range [qmin, qmax] implied by num_bits/is_signed/narrow_range.
    ::mlir::qat::StorageRange getStorageRange();
    bool hasStaticParameters();
    ::mlir::quant::QuantizedType getQuantizedType();

    /// The grid of every channel (one without `axis`) in precision F; the
    /// parameters must be static.
    template <typename F>
    ::llvm::SmallVector<::mlir::qat::QuantGrid<F>> getStaticGrids() {
      ::llvm::ArrayRef<double> scales = *getScales();
      std::optional<::llvm::ArrayRef<int64_t>> zeroPoints = getZeroPoints();
      ::llvm::SmallVector<::mlir::qat::QuantGrid<F>> grids;
      for (size_t c = 0; c < scales.size(); ++c) {
        ::mlir::qat::QuantGrid<F> grid;
        grid.scale = static_cast<F>(scales[c]);
        grid.zeroPoint = zeroPoints ? (*zeroPoints)[c] : 0;
        grid.range = getStorageRange();
        grid.rounding = getRounding();
        grid.reciprocalScale = getReciprocalScale();
        grids.push_back(grid);
      }
      return grids;
    }
  }];

  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// fake_quant_min_max
//===----------------------------------------------------------------------===//

def QAT_FakeQuantMinMaxOp : QAT_Op<"fake_quant_min_max", [
    Pure, AttrSizedOperandSegments, AllTypesMatch<["input", "output"]>,
    QAT_FakeQuantOpInterface]> {
  let summary = "TensorFlow-style fake quantization with learned min/max";
  let description = [{
    The form of TensorFlow's `FakeQuantWithMinMaxArgs`, `...Vars` and
    `...VarsPerChannel`. The learned range `[min, max]` is first *nudged* so
    that 0.0 is exactly representable, then each element is clamped to the
    nudged range and rounded onto the unsigned grid `[qmin, qmax]`
    (`qmin = narrow_range ? 1 : 0`, `qmax = 2^num_bits - 1`):

    ```
    scale = (max - min) / (qmax - qmin)
    zp    = clamp(round_half_away(qmin - min / scale), qmin, qmax)
    y     = floor((clamp(x, nmin, nmax) - nmin) / scale - (zp - qmin) + 0.5) * scale
    ```

    `docs/Semantics.md` gives the exact float32 sequence of TensorFlow's
    kernel that this op reproduces. Storage is always unsigned, as in
    TensorFlow. The range is given either by the `mins`/`maxs` attributes or
    by the `min`/`max` operands (learned variables); with `axis` it is
    per-channel. `min < max` is required.

    Example:

    ```mlir
    %0 = qat.fake_quant_min_max %x {mins = array<f64: -6.0>,
                                    maxs = array<f64: 6.0>} : tensor<8xf32>
    %1 = qat.fake_quant_min_max %x min(%lo : tensor<f32>) max(%hi : tensor<f32>)
        {num_bits = 7 : i64, narrow_range} : tensor<8xf32>
    ```
  }];

  let arguments = (ins
    QAT_FloatTensor:$input,
    Optional<QAT_FloatTensor>:$min,
    Optional<QAT_FloatTensor>:$max,
    OptionalAttr<DenseF64ArrayAttr>:$mins,
    OptionalAttr<DenseF64ArrayAttr>:$maxs,
    OptionalAttr<I64Attr>:$axis,
    QAT_NumBitsAttr:$num_bits,
    UnitAttr:$narrow_range
  );
  let results = (outs QAT_FloatTensor:$output);

  let assemblyFormat = [{
    $input (`min` `(` $min^ `:` type($min) `)`)?
    (`max` `(` $max^ `:` type($max) `)`)?
    attr-dict `:` type($input)
  }];

  let extraClassDeclaration = [{
    ::mlir::qat::StorageRange getStorageRange();
    bool hasStaticParameters();
    ::mlir::quant::QuantizedType getQuantizedType();
  }];

  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// quantize / dequantize: the two halves of a static fake_quant
//===----------------------------------------------------------------------===//

def QAT_IntegerTensor : RankedTensorOf<[I8, I16]>;

// The grid is an upstream quant type, so qat does not describe scales, zero
// points and storage ranges a second time.
def QAT_GridAttr : TypeAttrOf<AnyType>;

def QAT_QuantizeOp : QAT_Op<"quantize", [Pure]> {
  let summary = "round a float tensor onto an integer grid";
  let description = [{
    The first half of a static `qat.fake_quant`: computes the storage value
    `q = clamp(round(x / scale) + zero_point, qmin, qmax)` of every element
    (docs/Semantics.md §3) and returns it in an i8 (up to 8 bits) or i16
    container. The grid is an upstream `!quant.uniform` type (per-tensor or
    per-axis); the rounding is the op's own, as for `fake_quant`.

    ```mlir
    %q = qat.quantize %x {grid = !quant.uniform<u8:f32, 0.05:128>}
        : tensor<4x8xf32> -> tensor<4x8xi8>
    ```
  }];
  let arguments = (ins
    QAT_FloatTensor:$input,
    QAT_GridAttr:$grid,
    DefaultValuedAttr<QAT_RoundingModeAttr,
                      "::mlir::qat::RoundingMode::half_to_even">:$rounding,
    UnitAttr:$reciprocal_scale
  );
  let results = (outs QAT_IntegerTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let extraClassDeclaration = [{
    ::mlir::quant::QuantizedType getGridType() {
      return ::llvm::cast<::mlir::quant::QuantizedType>(getGrid());
    }
  }];
  let hasVerifier = 1;
}

def QAT_DequantizeOp : QAT_Op<"dequantize", [Pure]> {
  let summary = "map integer storage values back to float";
  let description = [{
    The second half of a static `qat.fake_quant`: `(q - zero_point) * scale`
    with one rounding in the compute precision (docs/Semantics.md §3),
    converted to the result's element type. The input holds storage values
    of the grid (zero-extended for unsigned grids).

    ```mlir
    %y = qat.dequantize %q {grid = !quant.uniform<u8:f32, 0.05:128>}
        : tensor<4x8xi8> -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins QAT_IntegerTensor:$input, QAT_GridAttr:$grid);
  let results = (outs QAT_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let extraClassDeclaration = [{
    ::mlir::quant::QuantizedType getGridType() {
      return ::llvm::cast<::mlir::quant::QuantizedType>(getGrid());
    }
  }];
  let hasVerifier = 1;
}

#endif // QAT_DIALECT_QAT_IR_QATOPS_TD
