#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes the deterministic source tree of erofs_dio's test images into the folder argv[1].

Small and block-edge files, a few MiB of mixed data (random, text, zeros, repeats) and a copy of
it (for dedupe), a file whose compressed bytes span more than one device read (a 1 MiB run of
pclusters), symlinks (short, long, absolute, dangling), nested and many-entry folders.
Everything comes from one fixed seed, so every run makes the same images.
"""
import os
import random
import sys

root = sys.argv[1]
rng = random.Random(20250611)
WORDS = b"erofs rust kernel page cache folio pcluster lz4 zstd deflate lzma direct read".split()


def text(n):
    out = bytearray()
    while len(out) < n:
        out += rng.choice(WORDS) + (b"\n" if rng.random() < 0.1 else b" ")
    return bytes(out[:n])


def mixed(n):
    out = bytearray()
    while len(out) < n:
        kind = rng.randrange(5)
        size = rng.choice([100, 777, 4096, 5000, 16384, 70000])
        if kind == 0:
            out += rng.randbytes(size)
        elif kind == 1:
            out += text(size)
        elif kind == 2:
            out += bytes(size)
        elif kind == 3 and len(out) > size:
            start = rng.randrange(len(out) - size)
            out += out[start:start + size]
        else:
            out += bytes([rng.randrange(256)]) * size
    return bytes(out[:n])


def write(rel, data):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


os.makedirs(root)
write("empty", b"")
for size in [1, 100, 511, 512, 513, 4095, 4096, 4097, 8191, 8192, 8193, 65535, 65536, 65537,
             131072 + 3]:
    write(f"edge/s{size}", mixed(size))
big = mixed(3 * 512 * 1024 + 1234)
write("big/mixed.bin", big)
write("big/copy.bin", big)
write("big/text.txt", text(512 * 1024 + 17))
write("big/random.bin", rng.randbytes(512 * 1024 + 9))
write("big/zeros.bin", bytes(700 * 1024))
for i in range(700):
    write(f"many/entry-{i:04d}-{'x' * (i % 37)}", text(i % 50))
write("deep/a/b/c/d/e/f/leaf.txt", text(3000))
os.symlink("edge/s4096", os.path.join(root, "link-short"))
os.symlink("deep/a/b/c/" + "x" * 200, os.path.join(root, "link-long"))
os.symlink("/etc/absolute/target", os.path.join(root, "link-abs"))
os.symlink("../big/mixed.bin", os.path.join(root, "deep/link-up"))
# Half text, half random in every 4 KiB: about 1.8 MiB compressed. Its own generator, so the
# files above stay as they were.
rng2 = random.Random(20261206)
write("big/runs.bin", b"".join(text(2048) + rng2.randbytes(2048) for _ in range(768)))
for dirpath, dirnames, filenames in os.walk(root):
    for name in dirnames + filenames:
        os.utime(os.path.join(dirpath, name), (1700000000, 1700000000), follow_symlinks=False)
os.utime(root, (1700000000, 1700000000))
