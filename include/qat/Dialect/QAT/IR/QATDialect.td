//===- QATDialect.td - qat dialect definition --------------*- tablegen -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_DIALECT_QAT_IR_QATDIALECT_TD
#define QAT_DIALECT_QAT_IR_QATDIALECT_TD

include "mlir/IR/OpBase.td"

def QAT_Dialect : Dialect {
  let name = "qat";
  let summary = "Fake-quantization ops of quantization-aware-training graphs";
  let description = [{
    The `qat` dialect holds the fake-quantization ops that a network trained
    with quantization-aware training (QAT) carries in its forward pass. Each
    op rounds and clamps a float tensor onto an integer grid and maps it back
    to float. Their exact numeric semantics, bit for bit, are declared in
    `docs/Semantics.md`; the shared implementation of that arithmetic lives
    in `qat/Dialect/QAT/Utils/QuantMath.h`.

    When the parameters are static, the grid can be read back as an upstream
    `!quant.uniform` type (see `FakeQuantOpInterface`), so later passes can
    reason with the `quant` dialect's types.
  }];
  let cppNamespace = "::mlir::qat";
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::quant::QuantDialect"
  ];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 1;
}

class QAT_Op<string mnemonic, list<Trait> traits = []>
    : Op<QAT_Dialect, mnemonic, traits>;

#endif // QAT_DIALECT_QAT_IR_QATDIALECT_TD
