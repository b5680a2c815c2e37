//===- Options.h - qat's choice options -------------------------*- C++ -*-===//
//
// Part of the qat project.
//
//===----------------------------------------------------------------------===//
//
// The choices qat's passes, pipelines and tools take (fallback,
// requantization, instruction set, dot-product step) as enums, each with the
// one table that spells its values.
//
// llvm::cl's parser for each enum is specialized here (the extension point
// llvm/docs/CommandLine.rst describes) to take its values from that table:
// every option of the type, a pass option in ODS, a pipeline option or a
// tool's flag, accepts exactly these names without a `cl::values` list of
// its own, --help lists them, and any other value is an error that names
// them (llvm::cl's generic parser says only "Cannot find option named").
//
// The header sits above the layers that use it: the passes of
// Dialect/QAT/Transforms and Codegen, the pipelines and the tools.
//
//===----------------------------------------------------------------------===//

#ifndef QAT_OPTIONS_H
#define QAT_OPTIONS_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"

#include <optional>
#include <string>

namespace mlir::qat {

/// What qat-form-integer-regions does with an operation between dequantize
/// and quantize that has no integer lowering.
enum class FallbackMode { Float, Error };

/// How an i32 accumulator is requantized (docs/Semantics.md §8.4).
enum class RequantMode { Float, FixedPoint };

/// The instruction set of qat-codegen-cpu's micro-kernels.
enum class InstructionSet { Host, Avx512Vnni, Avx2, Generic };

/// The inner-product step of qat-vectorize-matmul's kernels.
enum class DotProduct { Pair, Quad, QuadI16 };

/// The largest register tile of qat-vectorize-matmul's kernels: `mr` rows of
/// `nr-vectors` accumulator vectors, at most 16 x 4 = 64 accumulators, twice
/// AVX-512's 32 vector registers. Larger tiles only spill, and their
/// compile time grows with the square of the tile (16 x 8 takes 15 s on
/// examples/qat_mlp_cnn.mlir, 32 x 16 over a minute).
inline constexpr int64_t kMaxRowsPerTile = 16;
inline constexpr int64_t kMaxVectorsPerRow = 4;

/// The most threads (OpenMP) and row chunks the kernels are split into.
inline constexpr int64_t kMaxThreads = 1024;

/// One value of a choice option: the enumerator, its name and what it means.
template <typename E> struct OptionChoice {
  E value;
  llvm::StringLiteral name;
  llvm::StringLiteral description;
};

/// The values of a choice option, in the order --help lists them (the
/// default first).
template <typename E> struct OptionChoices;

template <> struct OptionChoices<FallbackMode> {
  static constexpr OptionChoice<FallbackMode> values[] = {
      {FallbackMode::Float, "float",
       "keep them in float between dequantize and quantize, with a remark"},
      {FallbackMode::Error, "error", "fail, naming each"},
  };
};

template <> struct OptionChoices<RequantMode> {
  static constexpr OptionChoice<RequantMode> values[] = {
      {RequantMode::Float, "float", "f32 multiplier (ONNX Runtime's formula)"},
      {RequantMode::FixedPoint, "fixed-point",
       "i32 multiplier and shift (TOSA rescale, TFLite)"},
  };
};

template <> struct OptionChoices<InstructionSet> {
  static constexpr OptionChoice<InstructionSet> values[] = {
      {InstructionSet::Host, "host", "the best the compiling machine has"},
      {InstructionSet::Avx512Vnni, "avx512vnni",
       "vpdpbusd where operands allow, else vpmaddwd"},
      {InstructionSet::Avx2, "avx2", "vpmaddwd, vpmaddubsw where proven exact"},
      {InstructionSet::Generic, "generic", "portable vector code"},
  };
};

template <> struct OptionChoices<DotProduct> {
  static constexpr OptionChoice<DotProduct> values[] = {
      {DotProduct::Pair, "pair", "i16 pairs into 8 x i32 (vpmaddwd)"},
      {DotProduct::Quad, "quad",
       "u8 x s8 quads into 16 x i32 (vpdpbusd) for matmuls whose "
       "activations are zero-extended u8 and weights fit s8; pairs for the "
       "others"},
      {DotProduct::QuadI16, "quad-i16",
       "u8 x s8 quads with int16 pair sums into 8 x i32 (vpmaddubsw + "
       "vpmaddwd) where proven exact; pairs for the others"},
  };
};

/// The name of `value`, as options spell it.
template <typename E> StringRef stringifyOptionChoice(E value) {
  for (const OptionChoice<E> &choice : OptionChoices<E>::values)
    if (choice.value == value)
      return choice.name;
  llvm_unreachable("a value without a name in its OptionChoices");
}

/// The value named `name`, if any.
template <typename E> std::optional<E> parseOptionChoice(StringRef name) {
  for (const OptionChoice<E> &choice : OptionChoices<E>::values)
    if (choice.name == name)
      return choice.value;
  return std::nullopt;
}

namespace detail {
/// llvm::cl's parser of a choice option: llvm::cl::parser<E> with its values
/// from OptionChoices<E> and an error that lists them. The members mirror
/// llvm::cl::parser's, which mlir::PassOptions reads to print an option.
template <typename E>
class OptionChoiceParser : public llvm::cl::generic_parser_base {
protected:
  class OptionInfo : public GenericOptionInfo {
  public:
    OptionInfo(StringRef name, E value, StringRef help)
        : GenericOptionInfo(name, help), V(value) {}
    llvm::cl::OptionValue<E> V;
  };
  SmallVector<OptionInfo, 4> Values;

public:
  using parser_data_type = E;

  OptionChoiceParser(llvm::cl::Option &option) : generic_parser_base(option) {
    for (const OptionChoice<E> &choice : OptionChoices<E>::values)
      Values.emplace_back(choice.name, choice.value, choice.description);
  }

  unsigned getNumOptions() const override { return Values.size(); }
  StringRef getOption(unsigned n) const override { return Values[n].Name; }
  StringRef getDescription(unsigned n) const override {
    return Values[n].HelpStr;
  }
  const llvm::cl::GenericOptionValue &
  getOptionValue(unsigned n) const override {
    return Values[n].V;
  }

  /// Returns true on error, as llvm::cl's parsers do.
  bool parse(llvm::cl::Option &option, StringRef argName, StringRef arg,
             E &value) {
    if (std::optional<E> parsed = parseOptionChoice<E>(arg)) {
      value = *parsed;
      return false;
    }
    std::string names = llvm::join(
        llvm::map_range(Values,
                        [](const OptionInfo &info) { return info.Name; }),
        ", ");
    return option.error("unknown value '" + arg + "'; valid values: " + names,
                        argName);
  }
};
} // namespace detail

/// llvm::cl's parser of an integer option whose values lie in [Min, Max]:
/// the same parser for a pipeline option and a tool's flag, so that a value
/// out of range is an error where it is written (a negative tile count
/// silently meant the default, a huge one compiled for minutes).
template <typename T, int64_t Min, int64_t Max>
class BoundedIntParser : public llvm::cl::basic_parser<T> {
public:
  BoundedIntParser(llvm::cl::Option &option)
      : llvm::cl::basic_parser<T>(option), integer(option) {}

  /// Returns true on error, as llvm::cl's parsers do.
  bool parse(llvm::cl::Option &option, StringRef argName, StringRef arg,
             T &value) {
    if (integer.parse(option, argName, arg, value))
      return true;
    if (static_cast<int64_t>(value) >= Min &&
        static_cast<int64_t>(value) <= Max)
      return false;
    return option.error("value " + arg + " is out of range; valid values: " +
                            Twine(Min) + " to " + Twine(Max),
                        argName);
  }

  StringRef getValueName() const override { return integer.getValueName(); }

  /// llvm::cl prints the value (--print-options) through parser<T>.
  operator const llvm::cl::parser<T> &() const { return integer; }

private:
  /// llvm::cl's parser of T (final: it cannot be the base).
  llvm::cl::parser<T> integer;
};

} // namespace mlir::qat

/// One llvm::cl parser per choice enum (a partial specialization for all of
/// them would need C++20's constraints).
#define QAT_OPTION_CHOICE_PARSER(E)                                            \
  template <>                                                                  \
  class parser<E> : public ::mlir::qat::detail::OptionChoiceParser<E> {        \
  public:                                                                      \
    using OptionChoiceParser::OptionChoiceParser;                              \
  };
namespace llvm::cl {
QAT_OPTION_CHOICE_PARSER(::mlir::qat::FallbackMode)
QAT_OPTION_CHOICE_PARSER(::mlir::qat::RequantMode)
QAT_OPTION_CHOICE_PARSER(::mlir::qat::InstructionSet)
QAT_OPTION_CHOICE_PARSER(::mlir::qat::DotProduct)
} // namespace llvm::cl
#undef QAT_OPTION_CHOICE_PARSER

#endif // QAT_OPTIONS_H
