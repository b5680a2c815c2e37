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
// The reader trusts nothing in a file: the header is bounded, the element
// count and byte size are computed with checked arithmetic, the caller may
// reject the dtype and shape before anything is allocated, and exactly the
// bytes the header declares are read (a file that is shorter or longer, or
// a device such as /dev/zero, is an error, not an allocation).
//
//===----------------------------------------------------------------------===//

#ifndef QAT_EXECUTION_NPY_H
#define QAT_EXECUTION_NPY_H

#include "qat/Execution/HostTensor.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

namespace mlir::qat {

/// What a .npy header declares.
struct NpyHeader {
  ElementKind kind;
  SmallVector<int64_t> shape;
  /// Bytes before the data (magic, version, length and header).
  size_t dataOffset;
  /// Bytes of data the shape and dtype imply (no overflow: checked).
  uint64_t dataSize;
};

/// The longest header the reader accepts: numpy's own default limit
/// (`max_header_size` of numpy.load).
constexpr size_t kMaxNpyHeaderSize = 10000;

/// Parses the header at the start of `prefix`, which need not hold the data.
llvm::Expected<NpyHeader> parseNpyHeader(StringRef prefix);

/// Called with the declared dtype and shape before the data is allocated;
/// an error rejects the file.
using NpyValidator =
    llvm::function_ref<llvm::Error(ElementKind, ArrayRef<int64_t>)>;

/// Parses the bytes of a .npy file.
llvm::Expected<HostTensor> parseNpy(StringRef contents,
                                    NpyValidator validate = nullptr);
/// Reads a .npy file. Errors name the file.
llvm::Expected<HostTensor> readNpy(StringRef path,
                                   NpyValidator validate = nullptr);
/// Serializes `tensor` in .npy version 1.0.
std::string serializeNpy(const HostTensor &tensor);
/// Writes `tensor` to a .npy file.
llvm::Error writeNpy(StringRef path, const HostTensor &tensor);

} // namespace mlir::qat

#endif // QAT_EXECUTION_NPY_H
