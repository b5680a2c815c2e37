//===- Npy.h - read and write NumPy .npy files ------------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// A small reader/writer of the .npy format (versions 1-3, little-endian,
// C order) for the element kinds of HostTensor. Our own rather than
// xtensor's xnpy.hpp: it maps dtypes straight onto HostTensor and reports
// malformed files as llvm::Error instead of throwing (LLVM builds without
// exceptions).
//
//===----------------------------------------------------------------------===//

#ifndef QAT_EXECUTION_NPY_H
#define QAT_EXECUTION_NPY_H

#include "qat/Execution/HostTensor.h"

#include "llvm/Support/Error.h"

namespace mlir::qat {

/// Parses the bytes of a .npy file.
llvm::Expected<HostTensor> parseNpy(StringRef contents);
/// Reads a .npy file.
llvm::Expected<HostTensor> readNpy(StringRef path);
/// Serializes `tensor` in .npy version 1.0.
std::string serializeNpy(const HostTensor &tensor);
/// Writes `tensor` to a .npy file.
llvm::Error writeNpy(StringRef path, const HostTensor &tensor);

} // namespace mlir::qat

#endif // QAT_EXECUTION_NPY_H
