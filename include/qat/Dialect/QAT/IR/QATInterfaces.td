//===- QATInterfaces.td - qat op interfaces ----------------*- tablegen -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_DIALECT_QAT_IR_QATINTERFACES_TD
#define QAT_DIALECT_QAT_IR_QATINTERFACES_TD

include "mlir/IR/OpBase.td"

def QAT_FakeQuantOpInterface : OpInterface<"FakeQuantOpInterface"> {
  let cppNamespace = "::mlir::qat";
  let description = [{
    An op that rounds a float tensor onto an integer grid and maps it back
    to float. Passes that lower fake quantization use this interface rather
    than a list of op kinds, so that every form (scale/zero point, min/max)
    is handled alike.
  }];
  let methods =
      [InterfaceMethod<"Returns the float tensor that is fake-quantized.",
                       "::mlir::Value", "getInput">,
       InterfaceMethod<"Returns true when every quantization parameter is an "
                       "attribute, i.e. "
                       "known without evaluating any SSA value.",
                       "bool", "hasStaticParameters">,
       InterfaceMethod<
           "Returns the integer grid as an upstream `!quant.uniform` type "
           "(`UniformQuantizedType` or `UniformQuantizedPerAxisType`) with the "
           "smallest of i8/i16 as storage and the storage range narrowed to "
           "the "
           "op's bit width; null when the parameters are not static or when "
           "upstream's quant types cannot hold them (no channels, a scale "
           "outside the expressed type's positive range).",
           "::mlir::quant::QuantizedType", "getQuantizedType">];
}

#endif // QAT_DIALECT_QAT_IR_QATINTERFACES_TD
