"""Print "HASH PATH" for every regular file under a tree, in byte order of PATH.

Usage: filesums.py TREE > SUMS

HASH is the 64-bit hash dioread's list mode checks (erofs_dio/tests/dioread.c: hash): h starts
at 0x9e3779b97f4a7c15 ^ size, then h = (h ^ w) * 0x100000001b3 mod 2**64 for each little-endian
8-byte word w, the last one zero-padded. Cheap enough under TCG to run on every cold read, and
any one wrong word changes it.
"""

import os
import sys

import numpy as np

MASK = (1 << 64) - 1
MUL = 0x100000001B3


def filehash(data):
    n = len(data)
    h = 0x9E3779B97F4A7C15 ^ n
    pad = data + bytes(-n % 8)
    for w in np.frombuffer(pad, dtype="<u8").tolist():
        h = ((h ^ w) * MUL) & MASK
    return h


def main():
    tree = sys.argv[1]
    paths = []
    for root, _, files in os.walk(tree):
        for name in files:
            p = os.path.join(root, name)
            if os.path.isfile(p) and not os.path.islink(p):
                paths.append(os.path.relpath(p, tree))
    out = sys.stdout
    for rel in sorted(paths, key=os.fsencode):
        if "\n" in rel:
            sys.exit(f"filesums.py: a newline in a file name: {rel!r}")
        with open(os.path.join(tree, rel), "rb") as f:
            out.write(f"{filehash(f.read()):016x} {rel}\n")


if __name__ == "__main__":
    main()
