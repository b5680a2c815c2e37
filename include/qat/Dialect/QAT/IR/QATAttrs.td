//===- QATAttrs.td - qat attributes and enums --------------*- tablegen -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_DIALECT_QAT_IR_QATATTRS_TD
#define QAT_DIALECT_QAT_IR_QATATTRS_TD

include "mlir/IR/EnumAttr.td"
include "qat/Dialect/QAT/IR/QATDialect.td"

def QAT_RoundingMode : I32EnumAttr<"RoundingMode",
    "how a real quotient is rounded to the integer grid", [
      // PyTorch (torch.round / nearbyint) and ONNX QuantizeLinear.
      I32EnumAttrCase<"half_to_even", 0>,
      // C's round(); TFLite's reference TfLiteRound.
      I32EnumAttrCase<"half_away_from_zero", 1>,
      // floor(x + 0.5): ties toward +infinity, TensorFlow's fake-quant kernels.
      I32EnumAttrCase<"half_up", 2>
    ]> {
  let cppNamespace = "::mlir::qat";
  let genSpecializedAttr = 0;
}

def QAT_RoundingModeAttr : EnumAttr<QAT_Dialect, QAT_RoundingMode, "rounding"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // QAT_DIALECT_QAT_IR_QATATTRS_TD
