"""Writes a .npy file with a chosen header and data length, for the tests of
the reader's checks (no numpy: numpy refuses to write most of these).

  make-npy.py OUT SHAPE [--descr D] [--data-bytes N] [--version V]
              [--header-bytes N]

SHAPE is the text of the header's shape tuple, e.g. "(4,)"; the data is
N zero bytes (default: what SHAPE and D declare, when it fits in memory)."""
import argparse
import math
import struct

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("shape")
parser.add_argument("--descr", default="<f4")
parser.add_argument("--data-bytes", type=int)
parser.add_argument("--version", type=int, default=1)
parser.add_argument("--header-bytes", type=int,
                    help="pad the header to this length")
args = parser.parse_args()

header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (
    args.descr, args.shape)
length_size = 2 if args.version == 1 else 4
if args.header_bytes:
    header = header.ljust(args.header_bytes - 1) + "\n"
else:
    header += " " * ((64 - (8 + length_size + len(header) + 1) % 64) % 64)
    header += "\n"
length = struct.pack("<H" if args.version == 1 else "<I", len(header))
data_bytes = args.data_bytes
if data_bytes is None:
    dims = [int(d) for d in args.shape.strip("()").split(",") if d.strip()]
    data_bytes = math.prod(dims) * int(args.descr[2:])
with open(args.out, "wb") as f:
    f.write(b"\x93NUMPY" + bytes([args.version, 0]) + length +
            header.encode("latin1") + bytes(data_bytes))
