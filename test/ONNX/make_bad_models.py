"""Writes one small malformed ONNX model per error of the importer, into DIR.

  /usr/bin/python3 make_bad_models.py DIR

import-errors.test imports each and checks the error. The models use opset
19 unless they say otherwise: past libonnx's checker (opset 17), so that
each reaches the importer's own check. Each case is a single node (or
none) with tiny shapes; HUGE stands for sizes that overflowed the
importer's shape arithmetic before.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
F, U8, I8, I32, I64 = (TensorProto.FLOAT, TensorProto.UINT8, TensorProto.INT8,
                       TensorProto.INT32, TensorProto.INT64)
HUGE = 2**63 - 1


def const(name, value, dtype=None):
    return numpy_helper.from_array(np.array(value, dtype=dtype), name)


def value(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def node(op, inputs, outputs=("y",), **attrs):
    return helper.make_node(op, list(inputs), list(outputs), name="n", **attrs)


def save(name, nodes, inputs=(), outputs=(), inits=(), opset=19):
    graph = helper.make_graph(list(nodes), name, list(inputs), list(outputs),
                              list(inits))
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", opset)])
    # The checker (opsets up to 17) rejects an IR version newer than its own.
    model.ir_version = 9 if opset > 17 else 7
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())


def x(shape, dtype=F, name="x"):
    return [value(name, dtype, shape)]


def y(shape=(1,), dtype=F):
    return [value("y", dtype, list(shape))]


def w(shape, dtype=np.float32, name="w"):
    return const(name, np.ones(shape, dtype))


# Graph ----------------------------------------------------------------------
save("domain", [helper.make_node("Relu", ["x"], ["y"], name="n",
                                 domain="com.microsoft")], x([2]), y())
save("no_output", [node("Relu", ["x"], [])], x([2]))
init = const("c", np.float32([1]))
save("init_twice", [node("Relu", ["c"])], [], y(), [init, init])
save("input_twice", [node("Relu", ["x"])], x([2]) + x([2]), y())
save("output_unset", [node("Relu", ["x"])], x([2]), [value("z", F, [2])])
save("output_already", [node("Relu", ["x"], ["x"])], x([2]), [])
save("input_missing", [node("Add", ["x"])], x([2]), y())
save("input_undefined", [node("Relu", ["nowhere"])], x([2]), y())

# Values -----------------------------------------------------------------------
save("not_tensor", [node("Relu", ["x"])],
     [helper.make_tensor_sequence_value_info("x", F, [2])], y())
save("no_shape", [node("Relu", ["x"])],
     [helper.make_tensor_value_info("x", F, None)], y())
save("huge_input", [node("Relu", ["x"])], x([HUGE, 2]), y())
# No data: 2^62 x 4 elements overflowed to 0, which the empty data matched.
huge = TensorProto(name="c", data_type=F, dims=[2**62, 4])
save("huge_init", [node("Relu", ["c"])], [], y(), [huge])
negative = const("c", np.float32([1, 2]))
negative.dims[0] = -2
save("negative_init", [node("Relu", ["c"])], [], y(), [negative])
save("huge_result", [node("MatMul", ["a", "b"])],
     x([65536, 1], name="a") + x([1, 65536], name="b"), y())
save("init_dtype", [node("Relu", ["c"])], [], y(),
     [const("c", np.float64([1]))])
external = const("c", np.float32([1]))
external.data_location = TensorProto.EXTERNAL
external.ClearField("raw_data")
entry = external.external_data.add()
entry.key, entry.value = "location", "weights.bin"
save("init_external", [node("Relu", ["c"])], [], y(), [external])
raw = const("c", np.float32([1]))
raw.raw_data = b"\0\0\0"
save("init_raw_size", [node("Relu", ["c"])], [], y(), [raw])
save("init_values", [node("Relu", ["c"])], [], y(),
     [TensorProto(name="c", data_type=F, dims=[2], float_data=[1.0])])
save("init_range", [node("Relu", ["c"])], [], y(),
     [TensorProto(name="c", data_type=U8, dims=[1], int32_data=[300])])

# Attributes -------------------------------------------------------------------
save("attr_type", [node("Flatten", ["x"], axis=1.5)], x([2, 3]), y())
save("axis_negative", [node("Flatten", ["x"], axis=-7)], x([2, 3]), y())
save("constant_no_value", [node("Constant", [], value_float=1.0)], [], y())

# Element-wise ops and matmuls ------------------------------------------------
save("add_int", [node("Add", ["x", "x"])], x([2], I8), y())
save("add_broadcast", [node("Add", ["x", "c"])], x([2, 3]), y(), [w([4], name="c")])
save("matmul_int", [node("MatMul", ["x", "x"])], x([2, 2], I8), y())
save("matmul_rank", [node("MatMul", ["x", "w"])], x([2]), y(), [w([2, 3])])
save("matmul_batch", [node("MatMul", ["x", "w"])], x([2, 3, 4]), y(),
     [w([3, 4, 5])])
save("clip_bounds", [node("Clip", ["x", "lo"])], x([2]), y(),
     [const("lo", np.int32(0))], opset=13)
save("gemm_rank", [node("Gemm", ["x", "w"])], x([2, 3, 4]), y(), [w([4, 2])])
save("gemm_beta", [node("Gemm", ["x", "w", "c"], beta=2.0)],
     x([2, 3]) + x([2], name="c"), y(), [w([3, 2])])

# Convolutions and poolings ---------------------------------------------------
def conv(name, shape, wshape, inputs=("x", "w"), op="Conv", dtype=F,
         wdtype=np.float32, inits=(), **attrs):
    save(name, [node(op, inputs, **attrs)], x(shape, dtype), y(),
         [w(wshape, wdtype)] + list(inits))


conv("conv_pads_length", [1, 1, 2, 2], [1, 1, 1, 1], strides=[1])
conv("conv_stride", [1, 1, 2, 2], [1, 1, 1, 1], strides=[0, 1])
conv("conv_negative_pad", [1, 1, 2, 2], [1, 1, 1, 1], pads=[-1, 0, 0, 0])
conv("conv_huge_pads", [1, 1, 2, 2], [1, 1, 1, 1], pads=[2**40] * 4)
conv("conv_window", [1, 1, 2, 2], [1, 1, 3, 3])
conv("conv_huge_dilation", [1, 1, 2, 2], [1, 1, 3, 3], dilations=[HUGE, 1])
conv("conv_auto_pad", [1, 1, 2, 2], [1, 1, 1, 1], auto_pad="BOGUS")
conv("conv_rank", [1, 2, 2], [1, 1, 1, 1])
conv("conv_int", [1, 1, 2, 2], [1, 1, 1, 1], dtype=I8)
conv("conv_groups", [1, 1, 2, 2], [1, 1, 1, 1], group=-3)
conv("conv_no_outputs", [1, 1, 2, 2], [0, 1, 1, 1])
conv("conv_kernel_shape", [1, 1, 2, 2], [1, 1, 1, 1], kernel_shape=[2, 2])
conv("conv_bias", [1, 1, 2, 2], [1, 1, 1, 1], inputs=("x", "w", "b"),
     inits=[w([3], name="b")])
save("conv_grouped_input", [node("Conv", ["x", "w"], group=2)],
     x([1, 2, 2, 2]) + x([4, 1, 1, 1], name="w"), y())
save("pool_rank", [node("MaxPool", ["x"], kernel_shape=[1, 1])], x([2, 3]), y())
save("pool_kernel", [node("MaxPool", ["x"], kernel_shape=[2])], x([1, 1, 2, 2]),
     y())
save("pool_empty_kernel", [node("MaxPool", ["x"], kernel_shape=[0, 2])],
     x([1, 1, 2, 2]), y())
save("pool_indices", [node("MaxPool", ["x"], ["y", "i"], kernel_shape=[1, 1])],
     x([1, 1, 2, 2]), y())
save("pool_storage_order",
     [node("MaxPool", ["x"], kernel_shape=[1, 1], storage_order=1)],
     x([1, 1, 2, 2]), y())
save("pool_divisors",
     [node("AveragePool", ["x"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])],
     x([1, 1, 4097, 4097]), y())

# Integer ops ------------------------------------------------------------------
def mmi(name, ashape, wshape, zp=None, adtype=U8):
    inputs = ["a", "w"] + (["zp"] if zp is not None else [])
    save(name, [node("MatMulInteger", inputs)], x(ashape, adtype, "a"), y(),
         [w(wshape, np.int8)] + ([zp] if zp is not None else []))


mmi("mmi_float", [2, 2], [2, 2], adtype=F)
mmi("mmi_float_zp", [2, 2], [2, 2], const("zp", np.float32(0)))
mmi("mmi_zp_sign", [2, 2], [2, 2], const("zp", np.uint8(0)), adtype=I8)
mmi("mmi_row_zp", [2, 2], [2, 2], const("zp", np.uint8([1, 2])))
mmi("mmi_empty_zp", [2, 2], [2, 2], const("zp", np.zeros(0, np.uint8)))
mmi("mmi_rank", [2, 2, 2], [2, 2])
mmi("mmi_inner", [2, 3], [2, 2])
conv("ci_rank", [1, 2, 2], [1, 1, 1, 1], op="ConvInteger", dtype=U8,
     wdtype=np.int8)
conv("ci_groups", [1, 2, 2, 2], [2, 1, 1, 1], op="ConvInteger", dtype=U8,
     wdtype=np.int8, group=2)
conv("ci_channels", [1, 1, 2, 2], [1, 2, 1, 1], op="ConvInteger", dtype=U8,
     wdtype=np.int8)
conv("ci_kernel_shape", [1, 1, 2, 2], [1, 1, 1, 1], op="ConvInteger",
     dtype=U8, wdtype=np.int8, kernel_shape=[2, 2])


# QLinear ops --------------------------------------------------------------
def qlinear(name, op, xshape, wv, x_s=0.1, x_zp=np.uint8(0), w_s=0.1,
            w_zp=np.int8(0), bias=None, bias_input=False):
    inits = [const("x_s", np.float32(x_s)), const("x_zp", x_zp),
             const("w", wv), const("w_s", np.float32(w_s)),
             const("w_zp", w_zp), const("y_s", np.float32(0.1)),
             const("y_zp", np.uint8(0))]
    names = ["x", "x_s", "x_zp", "w", "w_s", "w_zp", "y_s", "y_zp"]
    graph_inputs = x(xshape, U8)
    if bias is not None:
        names.append("b")
        if bias_input:
            graph_inputs += x([len(bias)], I32, "b")
        else:
            inits.append(const("b", bias))
    save(name, [node(op, names)], graph_inputs, y(dtype=U8), inits)


one = np.ones((1, 1, 1, 1), np.int8)
qlinear("qlmm_float_zp", "QLinearMatMul", [2, 2], np.int8([[1, 2], [3, 4]]),
        x_zp=np.float32(0))
qlinear("qlmm_row_scale", "QLinearMatMul", [2, 2], np.int8([[1, 2], [3, 4]]),
        x_s=[0.1, 0.2], x_zp=np.uint8([0, 0]))
qlinear("qlconv_x_scale", "QLinearConv", [1, 2, 2, 2],
        np.ones((2, 2, 1, 1), np.int8), x_s=[0.1, 0.2],
        x_zp=np.uint8([0, 0]), bias=np.int32([1, 2]))
qlinear("qlconv_float_bias", "QLinearConv", [1, 1, 2, 2], one,
        bias=np.float32([1]))
qlinear("qlconv_bias_input", "QLinearConv", [1, 1, 2, 2], one,
        bias=np.int32([1]), bias_input=True)
qlinear("qlconv_bias_size", "QLinearConv", [1, 1, 2, 2],
        np.ones((2, 1, 1, 1), np.int8), w_s=[0.1, 0.2],
        w_zp=np.int8([0, 0]), bias=np.int32([1, 2, 3]))

# QuantizeLinear and DequantizeLinear ---------------------------------------
def q(name, op, shape, scale, zp=None, dtype=F, opset=19, inits=(),
      scale_input=False, **attrs):
    inputs = ["x", "s"] + (["zp"] if zp is not None else [])
    consts = [] if scale_input else [const("s", scale)]
    if zp is not None:
        consts.append(zp)
    graph_inputs = x(shape, dtype) + (x([1], F, "s") if scale_input else [])
    save(name, [node(op, inputs, **attrs)], graph_inputs, y(), consts + list(inits),
         opset=opset)


q("q_saturate", "QuantizeLinear", [2], np.float32(0.1), saturate=0)
q("q_block", "QuantizeLinear", [2], np.float32(0.1), opset=21, block_size=2)
q("q_dtype", "QuantizeLinear", [2], np.float32(0.1), opset=21,
  output_dtype=TensorProto.INT16)
q("q_dtype_unknown", "QuantizeLinear", [2], np.float32(0.1), opset=21,
  output_dtype=-5)
q("dq_block", "DequantizeLinear", [2], np.float32(0.1), dtype=U8, opset=21,
  block_size=2)
q("q_scale_input", "QuantizeLinear", [2], None, scale_input=True)
q("q_scale_int", "QuantizeLinear", [2], np.int32(1))
q("q_scale_empty", "QuantizeLinear", [2], np.zeros(0, np.float32))
q("q_zp_count", "QuantizeLinear", [2, 3], np.float32([0.1, 0.2]),
  const("zp", np.uint8([0, 0, 0])))
q("q_scale_count", "QuantizeLinear", [2, 3], np.float32([0.1, 0.2]), axis=1)
q("q_axis", "QuantizeLinear", [2, 3], np.float32([0.1, 0.2]), axis=-3)
q("q_int", "QuantizeLinear", [2], np.float32(0.1), dtype=I8)
q("dq_float", "DequantizeLinear", [2], np.float32(0.1))
q("dq_int32_input", "DequantizeLinear", [2], np.float32(0.1), dtype=I32)
q("dq_int64", "DequantizeLinear", [], np.float32(0.1), dtype=I64)
q("dq_zp_type", "DequantizeLinear", [2], np.float32(0.1),
  const("zp", np.int8(0)), dtype=U8)
save("dq_int32_zp", [node("DequantizeLinear", ["b", "s", "zp"])], [], y(),
     [const("b", np.int32([1])), const("s", np.float32(0.1)),
      const("zp", np.int8(0))])

def q_clip_dq(name, lo, hi, zp=np.uint8(0), bound_type=np.uint8):
    """QuantizeLinear -> Clip of the codes to [lo, hi] -> DequantizeLinear
    (opset 13: Clip takes integer bounds)."""
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "zp"], ["q"],
                              name="quantize"),
             helper.make_node("Clip", ["q", "lo", "hi"], ["c"], name="n"),
             helper.make_node("DequantizeLinear", ["c", "s", "zp"], ["y"],
                              name="dequantize")]
    save(name, nodes, x([2]), y([2]),
         [const("s", np.float32(0.1)), const("zp", zp),
          const("lo", lo, bound_type), const("hi", hi, bound_type)],
         opset=13)


# Codes clipped to a range no fake-quant has, to nothing, around the zero
# point, or with bounds of another type.
q_clip_dq("q_clip_odd_range", 3, 100)
q_clip_dq("q_clip_empty", 200, 100)
q_clip_dq("q_clip_zero_point", 0, 127, zp=np.uint8(200))
q_clip_dq("q_clip_bound_type", -5, 100, bound_type=np.int8)

# Shapes -----------------------------------------------------------------------
save("transpose_scalar", [node("Transpose", ["c"], perm=[0])], [], y(),
     [const("c", np.float32(1))])
def reshape(name, shape, target, dtype=np.int64):
    save(name, [node("Reshape", ["x", "s"])], x(shape), y(),
         [const("s", target, dtype)])


reshape("reshape_copy", [6], [2, 3, 0])
reshape("reshape_two_inferred", [6], [-1, -1])
reshape("reshape_negative", [6], [-2, 3])
reshape("reshape_overflow", [6], [2**62, 2**62])
reshape("reshape_infer", [6], [-1, 4])
reshape("reshape_count", [6], [4])
reshape("reshape_float", [6], [6], np.float32)
save("unsqueeze_twice", [node("Unsqueeze", ["x", "a"])], x([2]), y(),
     [const("a", np.int64([0, 0]))])
save("squeeze_size", [node("Squeeze", ["x", "a"])], x([2, 3]), y(),
     [const("a", np.int64([0]))])
save("concat_none", [node("Concat", [], axis=0)], [], y())
save("concat_rank", [node("Concat", ["x", "c"], axis=0)], x([2]), y(),
     [w([2, 2], name="c")])
save("concat_size", [node("Concat", ["x", "c"], axis=0)], x([2, 3]), y(),
     [w([2, 2], name="c")])

# Float functions, normalizations, reductions ---------------------------------
save("hardsigmoid_alpha", [node("HardSigmoid", ["x"], alpha=2)], x([2]), y())
save("max_none", [node("Max", [])], [], y())
save("pow_input", [node("Pow", ["x", "e"])], x([2]) + x([1], I64, "e"), y())


def batchnorm(name, inputs=("x", "s", "b", "m", "v"), channels=(2, 2, 2, 2),
              extra_inputs=(), outputs=("y",), **attrs):
    inits = [const(n, np.ones(c, np.float32))
             for n, c in zip("sbmv", channels) if n not in extra_inputs]
    save(name, [node("BatchNormalization", inputs, outputs, **attrs)],
         x([1, 2, 3]) + [value(n, F, [2]) for n in extra_inputs], y(), inits)


batchnorm("bn_training", training_mode=1)
batchnorm("bn_outputs", outputs=("y", "mean"))
batchnorm("bn_input_mean", extra_inputs=("m",))
batchnorm("bn_channels", channels=(2, 3, 2, 2))
batchnorm("bn_spatial", spatial=0)
save("bn_rank", [node("BatchNormalization", ["x", "s", "s", "s", "s"])],
     x([2]), y(), [const("s", np.ones(1, np.float32))])
save("softmax_axis", [node("Softmax", ["x"], axis=2)], x([2, 3]), y())
save("reduce_axes_input", [node("ReduceMean", ["x", "a"])],
     x([2, 3]) + x([1], I64, "a"), y())
save("reduce_axes_twice", [node("ReduceMax", ["x"], axes=[1, -1])],
     x([2, 3]), y(), opset=13)
save("reduce_int", [node("ReduceMax", ["x"])], x([2], I32), y())

# Data movement ---------------------------------------------------------------
save("pad_mode", [node("Pad", ["x", "p"], mode="mirror")], x([2]), y(),
     [const("p", np.int64([1, 1]))])
save("pad_reflect_far", [node("Pad", ["x", "p"], mode="reflect")], x([2]),
     y(), [const("p", np.int64([2, 0]))])
save("pad_edge_far", [node("Pad", ["x", "p"], mode="edge")], x([2]), y(),
     [const("p", np.int64([1 << 40, 0]))])
save("pad_edge_empty", [node("Pad", ["x", "p"], mode="edge")], x([0]), y(),
     [const("p", np.int64([1, 0]))])
save("resize_mode", [node("Resize", ["x", "", "s"], mode="linear")], x([1, 2]),
     y(), [const("s", np.float32([1, 2]))])
save("resize_coords", [node("Resize", ["x", "", "s"],
                            coordinate_transformation_mode="asymmetric")],
     x([1, 2]), y(), [const("s", np.float32([1, 2]))])
save("resize_scale", [node("Resize", ["x", "", "s"])], x([1, 2]), y(),
     [const("s", np.float32([1, 1.5]))])
save("resize_scale_count", [node("Resize", ["x", "", "s"])], x([1, 2]), y(),
     [const("s", np.float32([2]))])
save("resize_sizes", [node("Resize", ["x", "", "", "z"])], x([1, 3]), y(),
     [const("z", np.int64([1, 5]))])
save("resize_sizes_count", [node("Resize", ["x", "", "", "z"])], x([1, 3]),
     y(), [const("z", np.int64([6]))])
save("resize_int", [node("Resize", ["x", "", "s"])], x([1, 2], I32), y(),
     [const("s", np.float32([1, 2]))])
save("deconv_rank", [node("ConvTranspose", ["x", "w"])], x([1, 2, 3]), y(),
     [w([2, 2, 1])])
save("deconv_weight", [node("ConvTranspose", ["x", "x"])], x([1, 1, 2, 2]),
     y())
save("deconv_group", [node("ConvTranspose", ["x", "w"], group=2)],
     x([1, 2, 2, 2]), y(), [w([2, 1, 1, 1])])
save("deconv_strides", [node("ConvTranspose", ["x", "w"], strides=[2])],
     x([1, 1, 2, 2]), y(), [w([1, 1, 1, 1])])
save("deconv_output_padding",
     [node("ConvTranspose", ["x", "w"], strides=[2, 2],
           output_padding=[2, 0])], x([1, 1, 2, 2]), y(), [w([1, 1, 1, 1])])
save("deconv_pads", [node("ConvTranspose", ["x", "w"], pads=[1, 0, 0, 0])],
     x([1, 1, 2, 2]), y(), [w([1, 1, 1, 1])])
save("deconv_empty", [node("ConvTranspose", ["x", "w"])], x([1, 1, 0, 2]),
     y(), [w([1, 1, 1, 1])])
save("pad_negative", [node("Pad", ["x", "p"])], x([2]), y(),
     [const("p", np.int64([-1, 0]))])
save("pad_count", [node("Pad", ["x", "p"])], x([2]), y(),
     [const("p", np.int64([1, 1, 1]))])
save("pad_input", [node("Pad", ["x", "p"])], x([2]) + x([2], I64, "p"), y())
save("pad_huge", [node("Pad", ["x", "p"])], x([2]), y(),
     [const("p", np.int64([2**62, 2**62]))])
save("slice_step", [node("Slice", ["x", "s", "e", "a", "t"])], x([4]), y(),
     [const("s", np.int64([3])), const("e", np.int64([0])),
      const("a", np.int64([0])), const("t", np.int64([0]))])
save("slice_lengths", [node("Slice", ["x", "s", "e"])], x([4, 2]), y(),
     [const("s", np.int64([0, 0])), const("e", np.int64([1]))])
save("slice_input", [node("Slice", ["x", "s", "e"])],
     x([4]) + x([1], I64, "s"), y(), [const("e", np.int64([1]))])
save("split_sum", [node("Split", ["x", "s"], ["y", "z"])], x([5]), y(),
     [const("s", np.int64([2, 2]))])
save("split_equal", [node("Split", ["x"], ["y", "z"])], x([5]), y(),
     opset=13)
save("gather_index", [node("Gather", ["x", "i"])], x([3]), y(),
     [const("i", np.int64([3]))])
save("gather_input", [node("Gather", ["x", "i"])], x([3]) + x([1], I64, "i"),
     y())
save("cast_value", [node("Cast", ["x"], to=I64)], x([3]), y())
save("cast_range", [node("Cast", ["c"], to=I32)], [], y(),
     [const("c", np.float32([1e20]))])
save("cast_to", [node("Cast", ["c"], to=TensorProto.DOUBLE)], [], y(),
     [const("c", np.float32([1]))])
save("slice_quantized", [node("QuantizeLinear", ["x", "s"], ["q"]),
                         node("Slice", ["q", "b", "e"])], x([4]), y(),
     [const("s", np.float32(0.1)), const("b", np.int64([1])),
      const("e", np.int64([2]))])
save("split_negative", [node("Split", ["x", "s"], ["y", "z"])], x([5]), y(),
     [const("s", np.int64([-1, 6]))])
save("split_num_outputs", [node("Split", ["x"], ["y", "z"], num_outputs=3)],
     x([6]), y())
save("pad_int", [node("Pad", ["x", "p"])], x([2], I64), y(),
     [const("p", np.int64([1, 1]))])
save("pad_value", [node("Pad", ["x", "p", "v"])], x([2]), y(),
     [const("p", np.int64([1, 1])), const("v", np.int64(1))])
save("gather_float_indices", [node("Gather", ["x", "i"])], x([3]), y(),
     [const("i", np.float32([1]))])
save("gather_int", [node("Gather", ["x", "i"])], x([3], I32), y(),
     [const("i", np.int64([1]))])
save("int_types", [node("Add", ["a", "b"])], [], y(),
     [const("a", np.int64([1])), const("b", np.int32([1]))])
save("int_div_zero", [node("Div", ["a", "b"])], [], y(),
     [const("a", np.int64([1])), const("b", np.int64([0]))])
save("int_overflow", [node("Mul", ["a", "a"])], [], y(),
     [const("a", np.int64([2**40]))])
