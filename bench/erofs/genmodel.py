"""Write a synthetic model-weights file: fp16 tensors with the structure real checkpoints have.

Usage: genmodel.py OUT MIB

Fixed seed, so the same size always gives the same bytes. Each tensor is a block of fp16
values dequantized from a 4-bit codebook with a per-row scale (as in weight-only quantized
exports), some rows pruned to zero, and a small fp16 header per tensor. lz4hc finds the
repeated value pairs and zero rows, so the bytes compress about 2x: neither the trivial case
(zeros) nor the hopeless one (random).
"""

import sys

import numpy as np


def main():
    out, mib = sys.argv[1], int(sys.argv[2])
    total = mib << 20
    rng = np.random.default_rng(20240611)
    codebook = np.linspace(-1.0, 1.0, 16, dtype=np.float32)
    written = 0
    with open(out, "wb") as f:
        while written < total:
            rows, cols = 256, 2048  # 1 MiB of fp16 per tensor
            codes = rng.integers(0, 16, size=(rows, cols), dtype=np.uint8)
            # Weights cluster near zero: fold half the codes towards the middle of the book.
            mid = rng.random(size=(rows, cols)) < 0.5
            codes[mid] = 7 + (codes[mid] & 1)
            scale = rng.uniform(0.01, 0.05, size=(rows, 1)).astype(np.float32)
            t = (codebook[codes] * scale).astype(np.float16)
            t[rng.random(rows) < 0.15] = 0  # pruned rows
            header = rng.standard_normal(64).astype(np.float16).tobytes()
            b = header + t.tobytes()
            b = b[: total - written]
            f.write(b)
            written += len(b)


if __name__ == "__main__":
    main()
