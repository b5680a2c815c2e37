"""Writes a 1-D f32 .npy holding the value of every storage code of a grid,
(q - zero_point) * scale for q from qmin to qmax, so that a program whose
first op quantizes onto that grid sees each code once (no numpy needed).

  make-codes-npy.py OUT SCALE ZERO_POINT QMIN QMAX"""
import struct
import sys

out, scale, zero_point, qmin, qmax = sys.argv[1:]
scale = struct.unpack("<f", struct.pack("<f", float(scale)))[0]
values = [(q - int(zero_point)) * scale for q in range(int(qmin), int(qmax) + 1)]
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }" % len(values)
header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
with open(out, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) +
            header.encode("latin1") + struct.pack("<%df" % len(values), *values))
