//===- Npy.cpp - read and write NumPy .npy files --------------------------===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//

#include "qat/Execution/Npy.h"

#include "llvm/Support/FileSystem.h"
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

/// Magic string, major and minor version.
static constexpr size_t kPreambleSize = 8;

/// The header length field of version `major`: its size in bytes, or 0 for
/// an unsupported version.
static size_t getLengthFieldSize(uint8_t major) {
  return major == 1 ? 2 : (major == 2 || major == 3) ? 4 : 0;
}

/// Checks the magic string and version of `prefix` and reads the header
/// length; `prefix` must hold the preamble and the length field.
static llvm::Expected<size_t> parseHeaderLength(StringRef prefix) {
  if (!prefix.starts_with("\x93NUMPY"))
    return npyError("missing magic string");
  if (prefix.size() < kPreambleSize)
    return npyError("truncated version");
  uint8_t major = prefix[6];
  size_t fieldSize = getLengthFieldSize(major);
  if (!fieldSize)
    return npyError("unsupported version " + Twine(int(major)));
  if (prefix.size() < kPreambleSize + fieldSize)
    return npyError("truncated header length");
  uint64_t headerLen = 0;
  for (size_t i = fieldSize; i-- > 0;)
    headerLen = (headerLen << 8) | uint8_t(prefix[kPreambleSize + i]);
  if (headerLen > kMaxNpyHeaderSize)
    return npyError("header of " + Twine(headerLen) +
                    " bytes is longer than the " + Twine(kMaxNpyHeaderSize) +
                    " bytes accepted");
  return kPreambleSize + fieldSize + headerLen;
}

static llvm::Expected<SmallVector<int64_t>> parseShape(StringRef text) {
  if (!text.consume_front("("))
    return npyError("shape is not a tuple");
  size_t close = text.find(')');
  if (close == StringRef::npos)
    return npyError("shape is not a tuple");
  SmallVector<StringRef> parts;
  text.take_front(close).split(parts, ',', -1, /*KeepEmpty=*/false);
  SmallVector<int64_t> shape;
  for (StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t d;
    if (part.getAsInteger(10, d) || d < 0)
      return npyError("bad dimension '" + part + "'");
    shape.push_back(d);
  }
  return shape;
}

llvm::Expected<NpyHeader> mlir::qat::parseNpyHeader(StringRef prefix) {
  llvm::Expected<size_t> dataOffset = parseHeaderLength(prefix);
  if (!dataOffset)
    return dataOffset.takeError();
  if (prefix.size() < *dataOffset)
    return npyError("truncated header");
  StringRef header =
      prefix.take_front(*dataOffset)
          .drop_front(kPreambleSize + getLengthFieldSize(prefix[6]));

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
  llvm::Expected<SmallVector<int64_t>> shape = parseShape(*shapeText);
  if (!shape)
    return shape.takeError();
  std::optional<uint64_t> dataSize = HostTensor::getByteSize(*kind, *shape);
  if (!dataSize)
    return npyError("the size of shape " + shapeText->take_until([](char c) {
      return c == ')';
    }) + ") overflows");
  return NpyHeader{*kind, std::move(*shape), *dataOffset, *dataSize};
}

/// The error for `found` bytes of data where `header` declares others.
static llvm::Error dataSizeError(const NpyHeader &header, uint64_t found,
                                 bool atLeast = false) {
  return npyError("expected " + Twine(header.dataSize) + " bytes of data for " +
                  describeTensorType(header.kind, header.shape) + ", found " +
                  (atLeast ? "more than " : "") + Twine(found));
}

llvm::Expected<HostTensor> mlir::qat::parseNpy(StringRef contents,
                                               NpyValidator validate) {
  llvm::Expected<NpyHeader> header = parseNpyHeader(contents);
  if (!header)
    return header.takeError();
  if (validate)
    if (llvm::Error err = validate(header->kind, header->shape))
      return std::move(err);
  StringRef data = contents.drop_front(header->dataOffset);
  if (data.size() != header->dataSize)
    return dataSizeError(*header, data.size());
  HostTensor tensor(header->kind, header->shape);
  llvm::copy(data, tensor.bytes.begin());
  return tensor;
}

namespace {
/// Reads a file front to back, never more than asked for.
class FileReader {
public:
  explicit FileReader(llvm::sys::fs::file_t fd) : fd(fd) {}
  ~FileReader() { llvm::sys::fs::closeFile(fd); }

  /// Appends up to `n` bytes to `out`; fewer only at the end of the file.
  /// Grows `out` as bytes arrive, so that a file shorter than a size it
  /// declares costs no more memory than it holds.
  llvm::Error read(uint64_t n, std::vector<uint8_t> &out) {
    constexpr uint64_t kChunk = 1 << 20;
    while (n > 0) {
      size_t before = out.size();
      size_t want = std::min(n, kChunk);
      out.resize(before + want);
      llvm::Expected<size_t> got = llvm::sys::fs::readNativeFile(
          fd, llvm::MutableArrayRef<char>(
                  reinterpret_cast<char *>(out.data() + before), want));
      if (!got)
        return got.takeError();
      out.resize(before + *got);
      if (*got == 0)
        break;
      n -= *got;
    }
    return llvm::Error::success();
  }

  llvm::sys::fs::file_t fd;
};
} // namespace

/// readNpy without the file name in its errors.
static llvm::Expected<HostTensor> readNpyFile(FileReader &file,
                                              NpyValidator validate) {
  std::vector<uint8_t> prefix;
  if (llvm::Error err = file.read(kPreambleSize, prefix))
    return std::move(err);
  StringRef text(reinterpret_cast<const char *>(prefix.data()), prefix.size());
  if (!text.starts_with("\x93NUMPY"))
    return npyError("missing magic string");
  if (prefix.size() == kPreambleSize)
    if (llvm::Error err = file.read(getLengthFieldSize(prefix[6]), prefix))
      return std::move(err);
  text =
      StringRef(reinterpret_cast<const char *>(prefix.data()), prefix.size());
  llvm::Expected<size_t> dataOffset = parseHeaderLength(text);
  if (!dataOffset)
    return dataOffset.takeError();
  if (llvm::Error err = file.read(*dataOffset - prefix.size(), prefix))
    return std::move(err);
  llvm::Expected<NpyHeader> header = parseNpyHeader(
      StringRef(reinterpret_cast<const char *>(prefix.data()), prefix.size()));
  if (!header)
    return header.takeError();
  if (validate)
    if (llvm::Error err = validate(header->kind, header->shape))
      return std::move(err);

  // A regular file must hold exactly the declared data: checked before it
  // is read, so that a lying header allocates nothing.
  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(file.fd, status) &&
      status.type() == llvm::sys::fs::file_type::regular_file &&
      status.getSize() != header->dataOffset + header->dataSize)
    return dataSizeError(*header, status.getSize() < header->dataOffset
                                      ? 0
                                      : status.getSize() - header->dataOffset);

  HostTensor tensor;
  tensor.kind = header->kind;
  tensor.shape = header->shape;
  if (llvm::Error err = file.read(header->dataSize, tensor.bytes))
    return std::move(err);
  if (tensor.bytes.size() != header->dataSize)
    return dataSizeError(*header, tensor.bytes.size());
  // Anything after the data (a pipe or device) is an error too.
  std::vector<uint8_t> extra;
  if (llvm::Error err = file.read(1, extra))
    return std::move(err);
  if (!extra.empty())
    return dataSizeError(*header, header->dataSize, /*atLeast=*/true);
  return tensor;
}

llvm::Expected<HostTensor> mlir::qat::readNpy(StringRef path,
                                              NpyValidator validate) {
  llvm::Expected<llvm::sys::fs::file_t> fd =
      llvm::sys::fs::openNativeFileForRead(path);
  if (!fd)
    return llvm::createStringError(llvm::errorToErrorCode(fd.takeError()),
                                   "cannot read '" + path + "'");
  FileReader file(*fd);
  llvm::Expected<HostTensor> tensor = readNpyFile(file, validate);
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
  os.close();
  if (std::error_code error = os.error()) {
    os.clear_error();
    return llvm::createStringError(error, "cannot write '" + path + "'");
  }
  return llvm::Error::success();
}
