//===- Npy.cpp - read and write NumPy .npy files --------------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Execution/Npy.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::qat;

static llvm::Error npyError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "malformed .npy: " + message);
}

/// The value text of `'key':` in the header dictionary.
static std::optional<StringRef> findValue(StringRef header, StringRef key) {
  size_t at = header.find(("'" + key + "'").str());
  if (at == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(at + key.size() + 2).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  return rest.ltrim();
}

llvm::Expected<HostTensor> mlir::qat::parseNpy(StringRef contents) {
  if (!contents.consume_front("\x93NUMPY"))
    return npyError("missing magic string");
  if (contents.size() < 2)
    return npyError("truncated version");
  uint8_t major = contents[0];
  contents = contents.drop_front(2);
  size_t headerLen;
  if (major == 1) {
    if (contents.size() < 2)
      return npyError("truncated header length");
    headerLen = uint8_t(contents[0]) | (size_t(uint8_t(contents[1])) << 8);
    contents = contents.drop_front(2);
  } else if (major == 2 || major == 3) {
    if (contents.size() < 4)
      return npyError("truncated header length");
    headerLen = 0;
    for (int i = 3; i >= 0; --i)
      headerLen = (headerLen << 8) | uint8_t(contents[i]);
    contents = contents.drop_front(4);
  } else {
    return npyError("unsupported version " + Twine(int(major)));
  }
  if (contents.size() < headerLen)
    return npyError("truncated header");
  StringRef header = contents.take_front(headerLen);
  contents = contents.drop_front(headerLen);

  std::optional<StringRef> descr = findValue(header, "descr");
  std::optional<StringRef> fortran = findValue(header, "fortran_order");
  std::optional<StringRef> shapeText = findValue(header, "shape");
  if (!descr || !fortran || !shapeText)
    return npyError("header lacks descr, fortran_order or shape");
  if (!fortran->starts_with("False"))
    return npyError("Fortran order is not supported");
  if (!descr->consume_front("'"))
    return npyError("descr is not a string");
  StringRef dtype = descr->take_until([](char c) { return c == '\''; });
  std::optional<ElementKind> kind = getElementKindFromNumpyDescr(dtype);
  if (!kind)
    return npyError("unsupported dtype '" + dtype + "'");

  if (!shapeText->consume_front("("))
    return npyError("shape is not a tuple");
  StringRef dims = shapeText->take_until([](char c) { return c == ')'; });
  SmallVector<int64_t> shape;
  SmallVector<StringRef> parts;
  dims.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t d;
    if (part.getAsInteger(10, d) || d < 0)
      return npyError("bad dimension '" + part + "'");
    shape.push_back(d);
  }

  HostTensor tensor(*kind, shape);
  if (contents.size() != tensor.bytes.size())
    return npyError("expected " + Twine(tensor.bytes.size()) +
                    " bytes of data for " + tensor.describe() + ", found " +
                    Twine(contents.size()));
  std::copy(contents.begin(), contents.end(), tensor.bytes.begin());
  return tensor;
}

llvm::Expected<HostTensor> mlir::qat::readNpy(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer)
    return llvm::createStringError(buffer.getError(),
                                   "cannot read '" + path + "'");
  auto tensor = parseNpy((*buffer)->getBuffer());
  if (!tensor)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": " +
                                       llvm::toString(tensor.takeError()));
  return tensor;
}

std::string mlir::qat::serializeNpy(const HostTensor &tensor) {
  std::string header;
  llvm::raw_string_ostream os(header);
  os << "{'descr': '" << getNumpyDescr(tensor.kind)
     << "', 'fortran_order': False, 'shape': (";
  for (int64_t d : tensor.shape)
    os << d << (tensor.shape.size() == 1 ? "," : ", ");
  os << "), }";
  // Pad with spaces so that the data starts 64-byte aligned; end with '\n'.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');

  std::string out = "\x93NUMPY";
  out.push_back(1);
  out.push_back(0);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  out.append(tensor.bytes.begin(), tensor.bytes.end());
  return out;
}

llvm::Error mlir::qat::writeNpy(StringRef path, const HostTensor &tensor) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError(ec, "cannot write '" + path + "'");
  os << serializeNpy(tensor);
  return llvm::Error::success();
}
