//===- qat-aot.cpp - compile a QAT graph to an object file and C header ---===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// qat-aot graph.mlir -e NAME -o NAME.o --header NAME.h
//         [--requant=float|fixed-point] [--isa=host|...] [--kernel-threads=N]
//         [the other options of qat-compile: --fallback, --double-round, ...]
//
// Compiles function NAME (static tensor shapes) with qat-compile for the
// host CPU into an object file, and writes a C header declaring
//   void NAME(const T0 *arg0, ..., T *result0, ...);
// with row-major buffers the caller owns. The object calls malloc/free and
// libm; with --kernel-threads > 1 it also needs the OpenMP runtime (-lomp).
//
// NAME is also the C name: the header declares NAME and _mlir_ciface_NAME
// and the object defines them. A function whose name is not usable in C
// (not an identifier, a C or C++ keyword, reserved, or a name the header's
// own includes declare) is rejected; --c-name=CNAME compiles it under
// CNAME instead (the function is renamed in the module, and must not
// collide with another symbol of it).
//
//===----------------------------------------------------------------------===//

#include "qat/Execution/JitRunner.h"
#include "qat/Pipelines/Pipelines.h"
#include "qat/Tools/ToolDiagnostics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

using namespace mlir;
using namespace mlir::qat;

namespace {
/// qat-aot's options: --help shows these, not LLVM's backend flags.
llvm::cl::OptionCategory qatAotCategory("qat-aot options");

llvm::cl::opt<std::string> inputFile(llvm::cl::Positional,
                                     llvm::cl::desc("<graph.mlir>"),
                                     llvm::cl::Required,
                                     llvm::cl::cat(qatAotCategory));
llvm::cl::opt<std::string> entry("e", llvm::cl::desc("Function to compile"),
                                 llvm::cl::Required,
                                 llvm::cl::cat(qatAotCategory));
llvm::cl::opt<std::string> objectFile("o", llvm::cl::desc("Object file"),
                                      llvm::cl::Required,
                                      llvm::cl::cat(qatAotCategory));
llvm::cl::opt<std::string> headerFile("header",
                                      llvm::cl::desc("C header to write"),
                                      llvm::cl::Required,
                                      llvm::cl::cat(qatAotCategory));
llvm::cl::opt<std::string>
    cName("c-name",
          llvm::cl::desc("Name of the compiled function in the object and "
                         "the header (default: the function's name)"),
          llvm::cl::value_desc("identifier"), llvm::cl::cat(qatAotCategory));
/// qat-compile's options: --requant, --isa, --kernel-threads, ...
CompileCLOptions compileFlags(qatAotCategory);

/// The C type of a tensor element, or empty.
std::string getCType(Type t) {
  if (t.isF32())
    return "float";
  if (t.isF64())
    return "double";
  if (t.isInteger(8) || t.isInteger(16) || t.isInteger(32) || t.isInteger(64))
    return llvm::formatv("int{0}_t", t.getIntOrFloatBitWidth()).str();
  return "";
}

/// Why `name` cannot name the function in C and C++ code that includes the
/// header, or std::nullopt if it can.
std::optional<std::string> getCNameProblem(StringRef name) {
  auto isIdentifierChar = [](char c) { return llvm::isAlnum(c) || c == '_'; };
  if (name.empty() || llvm::isDigit(name.front()) ||
      !llvm::all_of(name, isIdentifierChar))
    return "is not a C identifier";
  // C23 and C++20 keywords, and the names the header's includes
  // (stdint.h, stdlib.h, string.h) declare that it uses itself.
  static const llvm::StringSet<> taken = {"alignas",
                                          "alignof",
                                          "and",
                                          "and_eq",
                                          "asm",
                                          "auto",
                                          "bitand",
                                          "bitor",
                                          "bool",
                                          "break",
                                          "case",
                                          "catch",
                                          "char",
                                          "char8_t",
                                          "char16_t",
                                          "char32_t",
                                          "class",
                                          "compl",
                                          "concept",
                                          "const",
                                          "consteval",
                                          "constexpr",
                                          "constinit",
                                          "const_cast",
                                          "continue",
                                          "co_await",
                                          "co_return",
                                          "co_yield",
                                          "decltype",
                                          "default",
                                          "delete",
                                          "do",
                                          "double",
                                          "dynamic_cast",
                                          "else",
                                          "enum",
                                          "explicit",
                                          "export",
                                          "extern",
                                          "false",
                                          "float",
                                          "for",
                                          "friend",
                                          "goto",
                                          "if",
                                          "inline",
                                          "int",
                                          "long",
                                          "mutable",
                                          "namespace",
                                          "new",
                                          "noexcept",
                                          "not",
                                          "not_eq",
                                          "nullptr",
                                          "operator",
                                          "or",
                                          "or_eq",
                                          "private",
                                          "protected",
                                          "public",
                                          "register",
                                          "reinterpret_cast",
                                          "requires",
                                          "restrict",
                                          "return",
                                          "short",
                                          "signed",
                                          "sizeof",
                                          "static",
                                          "static_assert",
                                          "static_cast",
                                          "struct",
                                          "switch",
                                          "template",
                                          "this",
                                          "thread_local",
                                          "throw",
                                          "true",
                                          "try",
                                          "typedef",
                                          "typeid",
                                          "typename",
                                          "typeof",
                                          "typeof_unqual",
                                          "union",
                                          "unsigned",
                                          "using",
                                          "virtual",
                                          "void",
                                          "volatile",
                                          "wchar_t",
                                          "while",
                                          "xor",
                                          "xor_eq",
                                          "int8_t",
                                          "int16_t",
                                          "int32_t",
                                          "int64_t",
                                          "uint8_t",
                                          "uint16_t",
                                          "uint32_t",
                                          "uint64_t",
                                          "intptr_t",
                                          "uintptr_t",
                                          "size_t",
                                          "NULL",
                                          "malloc",
                                          "calloc",
                                          "realloc",
                                          "free",
                                          "abort",
                                          "exit",
                                          "memcpy",
                                          "memmove",
                                          "memset",
                                          "memcmp",
                                          "strlen"};
  if (taken.contains(name))
    return "is a C or C++ keyword or a name the header's includes declare";
  if (name.starts_with("__") ||
      (name.size() > 1 && name[0] == '_' && llvm::isUpper(name[1])))
    return "is reserved in C and C++";
  return std::nullopt;
}

/// One argument or result of the function.
struct Buffer {
  std::string cType;
  SmallVector<int64_t> shape;
};

/// The C name of `func` (--c-name or its own), after renaming it to that.
FailureOr<std::string> getCName(func::FuncOp func) {
  std::string name = cName.empty() ? func.getSymName().str() : cName;
  if (std::optional<std::string> problem = getCNameProblem(name))
    return func.emitError()
               << "qat-aot: the C name '" << name << "' " << *problem
               << (cName.empty() ? "; choose one with --c-name" : ""),
           failure();
  if (name == func.getSymName())
    return name;
  auto module = func->getParentOfType<ModuleOp>();
  SymbolTable symbols(module);
  if (Operation *other = symbols.lookup(name)) {
    InFlightDiagnostic diag = func.emitError()
                              << "qat-aot: --c-name=" << name
                              << " collides with another symbol of the module";
    diag.attachNote(other->getLoc()) << "the other symbol";
    return failure();
  }
  if (failed(symbols.rename(func, StringAttr::get(func.getContext(), name))))
    return failure();
  return name;
}

FailureOr<Buffer> getBuffer(Location loc, Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  std::string cType = tensor ? getCType(tensor.getElementType()) : "";
  if (!tensor || !tensor.hasStaticShape() || cType.empty())
    return emitError(loc) << "qat-aot: " << type
                          << " is not a statically shaped tensor of f32, "
                             "f64 or i8..i64",
           failure();
  return Buffer{cType, SmallVector<int64_t>(tensor.getShape())};
}

/// The header: descriptor types, the C interface function, and a plain C
/// wrapper that passes the caller's inputs and copies the results into the
/// caller's buffers.
std::string emitHeader(StringRef name, ArrayRef<Buffer> args,
                       ArrayRef<Buffer> results) {
  std::string text;
  llvm::raw_string_ostream os(text);
  // The name as it is (not upper-cased): @f and @F get distinct guards.
  std::string guard = llvm::formatv("QAT_AOT_{0}_H", name).str();
  os << "/* Generated by qat-aot: @" << name
     << " compiled with qat-compile. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n#include <stdlib.h>\n#include <string.h>\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  auto descriptor = [&](size_t rank) {
    return llvm::formatv("qat_{0}_memref{1}", name, rank).str();
  };
  llvm::SmallSetVector<size_t, 4> ranks;
  for (const Buffer &b : llvm::concat<const Buffer>(args, results))
    ranks.insert(b.shape.size());
  for (size_t rank : ranks)
    os << "typedef struct {\n  void *allocated;\n  void *aligned;\n"
       << "  int64_t offset;\n  int64_t sizes[" << std::max<size_t>(rank, 1)
       << "];\n  int64_t strides[" << std::max<size_t>(rank, 1) << "];\n} "
       << descriptor(rank) << ";\n\n";
  // Several results come back as one struct of descriptors.
  std::string resultType = descriptor(results.front().shape.size());
  if (results.size() > 1) {
    resultType = llvm::formatv("qat_{0}_results", name).str();
    os << "typedef struct {\n";
    for (auto [i, r] : llvm::enumerate(results))
      os << "  " << descriptor(r.shape.size()) << " r" << i << ";\n";
    os << "} " << resultType << ";\n\n";
  }
  os << "void _mlir_ciface_" << name << "(" << resultType << " *results";
  for (auto [i, a] : llvm::enumerate(args))
    os << ", " << descriptor(a.shape.size()) << " *arg" << i;
  os << ");\n\n";

  // The wrapper.
  os << "/* Plain C entry point: row-major buffers the caller owns.\n";
  for (auto [i, a] : llvm::enumerate(args)) {
    os << " *   arg" << i << ": " << a.cType;
    for (int64_t d : a.shape)
      os << "[" << d << "]";
    os << "\n";
  }
  for (auto [i, r] : llvm::enumerate(results)) {
    os << " *   result" << i << ": " << r.cType;
    for (int64_t d : r.shape)
      os << "[" << d << "]";
    os << "\n";
  }
  os << " */\nstatic inline void " << name << "(";
  for (auto [i, a] : llvm::enumerate(args))
    os << (i ? ", " : "") << "const " << a.cType << " *arg" << i;
  for (auto [i, r] : llvm::enumerate(results))
    os << (i || !args.empty() ? ", " : "") << r.cType << " *result" << i;
  os << ") {\n";
  for (auto [i, a] : llvm::enumerate(args)) {
    os << "  " << descriptor(a.shape.size()) << " a" << i << " = {(void *)arg"
       << i << ", (void *)arg" << i << ", 0, {";
    int64_t stride = 1;
    SmallVector<int64_t> strides(a.shape.size());
    for (size_t d = a.shape.size(); d-- > 0;) {
      strides[d] = stride;
      stride *= a.shape[d];
    }
    llvm::interleaveComma(a.shape, os);
    if (a.shape.empty())
      os << "0";
    os << "}, {";
    llvm::interleaveComma(strides, os);
    if (a.shape.empty())
      os << "0";
    os << "}};\n";
  }
  os << "  " << resultType << " r;\n  _mlir_ciface_" << name << "(&r";
  for (size_t i = 0; i < args.size(); ++i)
    os << ", &a" << i;
  os << ");\n";
  for (auto [i, r] : llvm::enumerate(results)) {
    std::string d = results.size() > 1 ? llvm::formatv("r.r{0}", i).str() : "r";
    size_t rank = r.shape.size();
    os << "  {\n    /* Into the caller's row-major buffer: one memcpy when "
          "the result is\n       row-major too, else element by element. "
          "*/\n"
       << "    const " << r.cType << " *base = (const " << r.cType << " *)" << d
       << ".aligned + " << d << ".offset;\n"
       << "    int64_t index[" << std::max<size_t>(rank, 1) << "] = {0};\n"
       << "    int64_t n, total = 1, k, expected = 1;\n"
       << "    int contiguous = 1;\n"
       << "    for (k = " << rank << " - 1; k >= 0; --k) {\n"
       << "      if (" << d << ".sizes[k] != 1 && " << d
       << ".strides[k] != expected)\n        contiguous = 0;\n"
       << "      expected *= " << d << ".sizes[k];\n    }\n"
       << "    total = expected;\n"
       // memcpy's pointers must not be null, even for 0 bytes (an empty
       // result may have none).
       << "    if (contiguous && total > 0)\n      memcpy(result" << i
       << ", base, (size_t)total * sizeof(*base));\n"
       << "    for (n = 0; !contiguous && n < total; ++n) {\n"
       << "      int64_t offset = 0;\n"
       << "      for (k = 0; k < " << rank << "; ++k) offset += index[k] * "
       << d << ".strides[k];\n"
       << "      result" << i << "[n] = base[offset];\n"
       << "      for (k = " << rank << " - 1; k >= 0; --k) {\n"
       << "        if (++index[k] < " << d << ".sizes[k]) break;\n"
       << "        index[k] = 0;\n      }\n    }\n"
       // Returned buffers are the caller's to free, except constants (a
       // memref.get_global's allocated pointer is 0xdeadbeef) and the
       // arguments themselves.
       << "    if ((uintptr_t)" << d << ".allocated != 0xdeadbeef";
    for (size_t a = 0; a < args.size(); ++a)
      os << " && " << d << ".allocated != (void *)arg" << a;
    for (size_t p = 0; p < i; ++p)
      os << " && " << d << ".allocated != "
         << (results.size() > 1 ? llvm::formatv("r.r{0}", p).str() : "r")
         << ".allocated";
    os << ")\n      free(" << d << ".allocated);\n  }\n";
  }
  os << "}\n\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return text;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::HideUnrelatedOptions(qatAotCategory);
  llvm::cl::ParseCommandLineOptions(
      argc, argv, "qat ahead-of-time compiler: object file + C header\n");
  initializeJit();
  MLIRContext ctx(createQATContextRegistry());
  // The diagnostics name the operation and its location; a dump of it (a
  // whole function for a pass failure) adds nothing.
  ctx.printOpOnDiagnostic(false);

  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &ctx);
  ToolDiagnostics diagnostics(&ctx, "qat-aot");
  if (failed(diagnostics.addInputFile(inputFile, sourceMgr)))
    return 1;
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&ctx));
  if (!module)
    return 1;
  auto func = module->lookupSymbol<func::FuncOp>(entry);
  if (!func) {
    diagnostics.reportError("no function @" + entry + " in " + inputFile);
    return 1;
  }
  FailureOr<std::string> name = getCName(func);
  if (failed(name))
    return 1;
  SmallVector<Buffer> args, results;
  for (Type t : func.getArgumentTypes()) {
    FailureOr<Buffer> b = getBuffer(func.getLoc(), t);
    if (failed(b))
      return 1;
    args.push_back(*b);
  }
  for (Type t : func.getResultTypes()) {
    FailureOr<Buffer> b = getBuffer(func.getLoc(), t);
    if (failed(b))
      return 1;
    results.push_back(*b);
  }
  if (results.empty()) {
    emitError(func.getLoc())
        << "qat-aot: @" << func.getSymName() << " has no results";
    return 1;
  }
  func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                UnitAttr::get(&ctx));

  PassManager pm(&ctx);
  CompileOptions options;
  compileFlags.apply(options);
  buildCompilePipeline(pm, options);
  if (failed(pm.run(*module)) || diagnostics.hadError())
    return 1;

  // The host's target machine; the object is for this CPU.
  std::string error;
  llvm::Triple triple(llvm::sys::getProcessTriple());
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) {
    diagnostics.reportError(error);
    return 1;
  }
  llvm::SubtargetFeatures features;
  for (const auto &f : llvm::sys::getHostCPUFeatures())
    features.AddFeature(f.first(), f.second);
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, llvm::sys::getHostCPUName(), features.getString(),
      llvm::TargetOptions(), llvm::Reloc::PIC_));

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext);
  if (!llvmModule) {
    diagnostics.reportError("translation to LLVM IR failed");
    return 1;
  }
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());
  if (llvm::Error err =
          makeOptimizingTransformer(3, 0, machine.get())(llvmModule.get())) {
    diagnostics.reportError(llvm::toString(std::move(err)));
    return 1;
  }

  std::error_code ec;
  llvm::ToolOutputFile object(objectFile, ec, llvm::sys::fs::OF_None);
  if (ec) {
    diagnostics.reportError(objectFile + ": " + ec.message());
    return 1;
  }
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, object.os(), nullptr,
                                   llvm::CodeGenFileType::ObjectFile)) {
    diagnostics.reportError("the target cannot emit object files");
    return 1;
  }
  codegen.run(*llvmModule);
  object.keep();

  llvm::ToolOutputFile header(headerFile, ec, llvm::sys::fs::OF_Text);
  if (ec) {
    diagnostics.reportError(headerFile + ": " + ec.message());
    return 1;
  }
  header.os() << emitHeader(*name, args, results);
  header.keep();
  return diagnostics.exitCode(success());
}
