"""PyTorch QAT models exported to ONNX for the "PyTorch QAT exports" suite.

  /usr/bin/python3 torch_qat.py MODEL WORK_DIR [--steps N] [--batch B]
                                [--size S] [--seed K]

Builds MODEL (one of MODELS) with random weights (no downloads), prepares it
for quantization-aware training as a user would in eager mode (fuse_model
with is_qat=True where the model has it, the default fbgemm QAT qconfig,
prepare_qat), takes a few SGD steps on seeded random data, freezes it
(eval, observers off, batch-norm statistics frozen), swaps torch 1.13's
fused observer + fake-quant modules (FusedMovingAvgObsFakeQuantize, which
torch.onnx cannot export) for plain FakeQuantize modules holding the same
observer and the same scale and zero point, and exports it with
torch.onnx.export at opset 13. Then converts a copy to PyTorch's own int8
model (torch.ao.quantization.convert) on each quantized engine Debian's
torch has, as a third-party integer engine, and runs and times it.

Writes into WORK_DIR: MODEL.onnx, MODEL.x.npy (the input), MODEL.qat.npy
(the PyTorch QAT model's fake-quant output), MODEL.int8.ENGINE.npy and
MODEL.json (training losses, PyTorch int8 latencies, export and
conversion errors). Seeded and deterministic (one thread).
"""
import argparse
import copy
import json
import os
import sys
import time
import traceback

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.models.quantization as tvq
from torch.ao.quantization import (DeQuantStub, FakeQuantize,
                                   FusedMovingAvgObsFakeQuantize, QuantStub,
                                   QConfig, get_default_qat_qconfig)

QCONFIG_BACKEND = "fbgemm"
OPSET = 13


# --- Learnable (LSQ-style) fake-quant -------------------------------------

class LearnableFakeQuantize(FakeQuantize):
    """A FakeQuantize whose scale and zero point are trained (LSQ+ style:
    Esser et al. 2020, Bhalgat et al. 2020).

    Training uses the straight-through estimator on the rounding, with
    LSQ's gradient scale 1 / sqrt(numel * quant_max) on the scale; scale and
    zero point start from the observer's first batch. Evaluation (and thus
    the ONNX export) calls torch.fake_quantize_per_tensor_affine with the
    learned scale and the rounded zero point, which exports as
    QuantizeLinear -> DequantizeLinear. torch's own _LearnableFakeQuantize
    calls an op without an ONNX symbolic, hence this class.
    """

    def __init__(self, observer=torch.ao.quantization.MovingAverageMinMaxObserver,
                 quant_min=0, quant_max=255, **observer_kwargs):
        super().__init__(observer, quant_min, quant_max, **observer_kwargs)
        self.learned_scale = nn.Parameter(torch.tensor([1.0]))
        self.learned_zero_point = nn.Parameter(torch.tensor([0.0]))
        self.register_buffer("initialized", torch.tensor([0], dtype=torch.uint8))
        self.symmetric = self.qscheme in (torch.per_tensor_symmetric,
                                          torch.per_channel_symmetric)

    def calculate_qparams(self):
        scale = self.learned_scale.detach().abs().clamp(min=1e-8)
        zero_point = self.learned_zero_point.detach().round().clamp(
            self.quant_min, self.quant_max).to(torch.int32)
        return scale, zero_point

    @torch.no_grad()
    def sync(self):
        """Copies the learned scale and zero point into the buffers
        evaluation uses."""
        scale, zero_point = self.calculate_qparams()
        self.scale.copy_(scale)
        self.zero_point.copy_(zero_point)

    def forward(self, x):
        if not self.initialized[0]:
            self.activation_post_process(x.detach())
            scale, zero_point = self.activation_post_process.calculate_qparams()
            with torch.no_grad():
                self.learned_scale.copy_(scale.float().reshape(1))
                self.learned_zero_point.copy_(zero_point.float().reshape(1))
            self.initialized[0] = 1
        if self.symmetric:
            with torch.no_grad():
                self.learned_zero_point.zero_()
        if not self.training:
            # The buffers (sync()), not the parameters: the export then
            # holds constants, not the rounding of the zero point.
            return torch.fake_quantize_per_tensor_affine(
                x, self.scale, self.zero_point, self.quant_min,
                self.quant_max)
        g = 1.0 / (x.numel() * self.quant_max) ** 0.5
        s = self.learned_scale.abs().clamp(min=1e-8)
        s = (s - s * g).detach() + s * g
        z = self.learned_zero_point
        z = (z.round() - z).detach() + z
        q = x / s + z
        q = (q.round() - q).detach() + q
        q = torch.clamp(q, self.quant_min, self.quant_max)
        return (q - z) * s


def lsq_qconfig():
    """Learnable activations on PyTorch's reduce-range u8 grid [0, 127]
    (as fbgemm's default), learnable per-tensor symmetric i8 weights."""
    return QConfig(
        activation=LearnableFakeQuantize.with_args(
            observer=torch.ao.quantization.MovingAverageMinMaxObserver,
            quant_min=0, quant_max=127, dtype=torch.quint8),
        weight=LearnableFakeQuantize.with_args(
            observer=torch.ao.quantization.MovingAverageMinMaxObserver,
            quant_min=-128, quant_max=127, dtype=torch.qint8,
            qscheme=torch.per_tensor_symmetric))


# --- Transformer layers ---------------------------------------------------

class BertLayer(nn.Module):
    """A BERT-style encoder layer in eager-mode quantization form: QAT Linear
    layers, multi-head attention whose matmuls, softmax and GELU run in
    float between DeQuantStub and QuantStub (eager mode has no quantized
    matmul, softmax or GELU), residual adds through FloatFunctional and
    LayerNorm (quantized nnq.LayerNorm after convert)."""

    def __init__(self, d=64, heads=4, ff=256):
        super().__init__()
        self.heads, self.dh = heads, d // heads
        self.quant_x = QuantStub()
        self.q, self.k, self.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.dq_q, self.dq_k, self.dq_v = DeQuantStub(), DeQuantStub(), DeQuantStub()
        self.quant_scores = QuantStub()
        self.dq_scores = DeQuantStub()
        self.softmax = nn.Softmax(dim=-1)
        self.quant_probs = QuantStub()
        self.dq_probs = DeQuantStub()
        self.quant_ctx = QuantStub()
        self.o = nn.Linear(d, d)
        self.add1 = nn.quantized.FloatFunctional()
        self.ln1 = nn.LayerNorm(d)
        self.ff1 = nn.Linear(d, ff)
        self.dq_ff = DeQuantStub()
        self.gelu = nn.GELU()
        self.quant_gelu = QuantStub()
        self.ff2 = nn.Linear(ff, d)
        self.add2 = nn.quantized.FloatFunctional()
        self.ln2 = nn.LayerNorm(d)
        self.dq_out = DeQuantStub()

    def split(self, t):
        b, s, _ = t.shape
        return t.reshape(b, s, self.heads, self.dh).transpose(1, 2)

    def forward(self, x):
        x = self.quant_x(x)
        q = self.split(self.dq_q(self.q(x)))
        k = self.split(self.dq_k(self.k(x)))
        v = self.split(self.dq_v(self.v(x)))
        scores = self.quant_scores(
            torch.matmul(q, k.transpose(-1, -2)) * (1.0 / self.dh ** 0.5))
        probs = self.quant_probs(self.softmax(self.dq_scores(scores)))
        ctx = torch.matmul(self.dq_probs(probs), v)
        b, h, s, dh = ctx.shape
        ctx = self.quant_ctx(ctx.transpose(1, 2).reshape(b, s, h * dh))
        x = self.ln1(self.add1.add(x, self.o(ctx)))
        y = self.quant_gelu(self.gelu(self.dq_ff(self.ff1(x))))
        x = self.ln2(self.add2.add(x, self.ff2(y)))
        return self.dq_out(x)

    def set_float_qconfig(self):
        for m in (self.softmax, self.gelu):
            m.qconfig = None


class TorchEncoder(nn.Module):
    """nn.TransformerEncoderLayer between QuantStub and DeQuantStub, as
    eager-mode QAT sees it: prepare_qat swaps its feed-forward Linear layers
    for QAT Linear layers and puts activation fake-quants after its leaf
    modules; nn.MultiheadAttention has no QAT module and stays float."""

    def __init__(self, d=64, heads=4, ff=256):
        super().__init__()
        self.quant = QuantStub()
        # batch_first=False keeps torch off the fused fast path (no ONNX
        # symbolic) in evaluation.
        self.layer = nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0,
                                                activation="gelu")
        self.dequant = DeQuantStub()

    def forward(self, x):
        return self.dequant(self.layer(self.quant(x)))


# --- The models -----------------------------------------------------------

VISION = {
    "mobilenet_v2": lambda: tvq.mobilenet_v2(weights=None, quantize=False),
    "mobilenet_v3_large": lambda: tvq.mobilenet_v3_large(weights=None,
                                                         quantize=False),
    "resnet18": lambda: tvq.resnet18(weights=None, quantize=False),
    "resnet50": lambda: tvq.resnet50(weights=None, quantize=False),
    "shufflenet_v2_x1_0": lambda: tvq.shufflenet_v2_x1_0(weights=None,
                                                         quantize=False),
    "googlenet": lambda: tvq.googlenet(weights=None, quantize=False,
                                       aux_logits=False, init_weights=True),
    "inception_v3": lambda: tvq.inception_v3(weights=None, quantize=False,
                                             aux_logits=False,
                                             init_weights=True),
    "resnet18_lsq": lambda: tvq.resnet18(weights=None, quantize=False),
}
MODELS = list(VISION) + ["bert_layer", "transformer_encoder"]


def build(name, size, batch):
    """(model, input shape, loss(output, step)) of `name`, unprepared."""
    if name in VISION:
        model = VISION[name]()
        # inception_v3 reduces 75 x 75 to 1 x 1; smaller sizes fail.
        side = max(size, 75) if name == "inception_v3" else size
        shape = [batch, 3, side, side]
        return model, shape, "classify"
    if name == "bert_layer":
        return BertLayer(), [batch, 16, 64], "regress"
    if name == "transformer_encoder":
        # (sequence, batch, features): batch_first=False.
        return TorchEncoder(), [16, batch, 64], "regress"
    sys.exit(f"unknown model {name}; known: {', '.join(MODELS)}")


def prepare(name, model):
    model.train()
    if hasattr(model, "fuse_model"):
        model.fuse_model(is_qat=True)
    model.qconfig = (lsq_qconfig() if name.endswith("_lsq") else
                     get_default_qat_qconfig(QCONFIG_BACKEND))
    if isinstance(model, BertLayer):
        model.set_float_qconfig()
    if isinstance(model, TorchEncoder):
        # prepare_qat would swap the attention's out_proj
        # (NonDynamicallyQuantizableLinear) for a QAT Linear, whose
        # from_float then refuses it: the attention stays float.
        model.layer.self_attn.qconfig = None
    torch.ao.quantization.prepare_qat(model, inplace=True)
    return model


def train(model, shape, kind, steps, rng):
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                          lr=0.01, momentum=0.9)
    losses = []
    for _ in range(steps):
        x = torch.from_numpy(rng.standard_normal(shape).astype(np.float32))
        y = model(x)
        if kind == "classify":
            target = torch.from_numpy(rng.integers(0, y.shape[-1], y.shape[0]))
            loss = F.cross_entropy(y, target)
        else:
            loss = F.mse_loss(y, x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    return losses


def freeze(model):
    model.eval()
    model.apply(torch.ao.quantization.disable_observer)
    model.apply(torch.nn.intrinsic.qat.freeze_bn_stats)
    for m in model.modules():
        if isinstance(m, LearnableFakeQuantize):
            m.sync()


def unfuse_fake_quants(model):
    """Replaces each FusedMovingAvgObsFakeQuantize by a FakeQuantize with the
    same observer (and its statistics), scale, zero point and enable flags:
    what a user does to export torch 1.13's default QAT qconfig. Returns how
    many were replaced."""
    count = 0
    for parent in list(model.modules()):
        for child_name, child in list(parent.named_children()):
            if type(child) is not FusedMovingAvgObsFakeQuantize:
                continue
            observer = child.activation_post_process
            plain = FakeQuantize(observer=lambda **_: observer)
            plain.scale = child.scale.detach().clone()
            plain.zero_point = child.zero_point.detach().clone()
            plain.fake_quant_enabled.copy_(child.fake_quant_enabled)
            plain.observer_enabled.copy_(child.observer_enabled)
            plain.train(child.training)
            setattr(parent, child_name, plain)
            count += 1
    return count


def time_call(fn, seconds):
    """Best of three mean latencies (s) of fn(), after one warm-up call."""
    fn()
    best = float("inf")
    for _ in range(3):
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds / 3:
                break
        best = min(best, elapsed / calls)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", choices=MODELS)
    parser.add_argument("work")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=1.5,
                        help="timing budget of each PyTorch int8 engine")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    name = args.model
    out = os.path.join(args.work, name)
    info = {"model": name, "torch": torch.__version__, "opset": OPSET,
            "qconfig": "lsq" if name.endswith("_lsq") else QCONFIG_BACKEND}

    start = time.perf_counter()
    model, shape, kind = build(name, args.size, args.batch)
    model = prepare(name, model)
    info["train_losses"] = train(model, shape, kind, args.steps, rng)
    freeze(model)
    info["fused_fake_quants_replaced"] = unfuse_fake_quants(model)
    info["train_seconds"] = time.perf_counter() - start
    info["input_shape"] = shape

    x = torch.from_numpy(rng.uniform(-1, 1, shape).astype(np.float32))
    np.save(out + ".x.npy", x.numpy())
    with torch.no_grad():
        np.save(out + ".qat.npy", model(x).numpy())
    try:
        torch.onnx.export(model, (x,), out + ".onnx", opset_version=OPSET,
                          input_names=["x"], output_names=["y"],
                          do_constant_folding=True)
        info["export"] = "ok"
    except Exception as e:  # Reported, not fatal: a finding of the suite.
        info["export"] = f"{type(e).__name__}: {str(e).splitlines()[0]}"

    info["int8"] = {}
    for engine in torch.backends.quantized.supported_engines:
        if engine == "none":
            continue
        entry = info["int8"][engine] = {}
        try:
            torch.backends.quantized.engine = engine
            converted = torch.ao.quantization.convert(copy.deepcopy(model))
            converted.eval()
            with torch.no_grad():
                y = converted(x)
                entry["seconds"] = time_call(lambda: converted(x), args.seconds)
            np.save(f"{out}.int8.{engine}.npy", y.numpy())
        except Exception as e:  # Reported: PyTorch's int8 is a reference.
            entry["error"] = f"{type(e).__name__}: {str(e).splitlines()[0]}"
            traceback.print_exc(limit=1)
    with open(out + ".json", "w") as f:
        json.dump(info, f, indent=1)
    print(json.dumps({k: info[k] for k in ("model", "export", "int8",
                                            "train_seconds")}))


if __name__ == "__main__":
    main()
