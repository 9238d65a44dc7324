"""What recompression can save on the bench's own pages, and at how many pages compressed.

The zram bench recompresses the same real pages on zram-lz4+zstd (every idle page) and on
zram_multicomp (its background pass). `recompress_cpu_ratio` <= 0.5 asks zram_multicomp to spend
half zram's CPU for at least zram's compression ratio. Both sides pay about the same per page
tried (a decode and a zstd compression), so the question is how few pages can be tried for
enough of the saving. This module answers it on the corpus image the guest read, on the host:
per page, lz4's size (what the page is stored with) and zstd's at the bench's level, with the
module's keep rule; then the saving by lz4 size, the fewest pages that keep zram_multicomp's
measured lead (an oracle that knows every page's saving in advance), and the same for the rule
a policy could apply (a threshold on the stored size).

Python's lz4 and zstandard (Debian's python3-lz4 and python3-zstandard) wrap the same
algorithms as the kernel's lib/lz4 and lib/zstd, not the same builds; sizes agree closely,
times are the host's and only their ratios are used.

Usage: gain.py CORPUS.img   (prints the analysis as JSON)
"""

import json
import sys
import time

PAGE = 4096
# zs_huge_class_size() for 4 KiB pages (6.12, chain size 8): a result this large or larger
# takes a whole page, so the module never keeps it and lz4 output that large is stored raw.
HUGE = 3625
# The module's keep rule for a slow-decoding algorithm (RecompressConfig::BACKGROUND).
MIN_GAIN_BYTES = 64
MIN_GAIN_PERMILLE = 100
ZSTD_LEVEL = 1  # bench/zram/zram.sh: algorithm_params level=1
BUCKET = 512


def stored(lz4_len):
    return lz4_len if lz4_len < HUGE else PAGE


def kept(old, new):
    """Bytes the page takes after a recompression attempt that produced `new` bytes."""
    need = max(MIN_GAIN_BYTES, old * MIN_GAIN_PERMILLE // 1000)
    return new if new < HUGE and old - new >= need else old


def pages(path):
    with open(path, "rb") as f:
        data = f.read()
    for i in range(len(data) // PAGE):
        p = data[i * PAGE:(i + 1) * PAGE]
        if p.count(p[:1]) != PAGE:  # same-filled pages are never compressed
            yield p


def zstd_compressor(level):
    import zstandard
    params = zstandard.ZstdCompressionParameters.from_level(
        level, source_size=PAGE, write_checksum=False, write_content_size=False,
        write_dict_id=False)
    return zstandard.ZstdCompressor(compression_params=params)


def timed(fn, items):
    t0 = time.process_time()
    out = [fn(p) for p in items]
    return out, time.process_time() - t0


def analyse(path, slack_bytes=None):
    """The analysis of corpus `path`. `slack_bytes`: how many more bytes zram_multicomp may
    store after recompression and still match zram's ratio (zram's mem_used_total less its
    own); the page counts that keep the lead need it."""
    import lz4.block
    ps = list(pages(path))
    lz, t_lz4 = timed(lambda p: len(lz4.block.compress(p, store_size=False)), ps)
    old = [stored(n) for n in lz]
    levels = {}
    savings = None
    for level in (-1, ZSTD_LEVEL, 3):
        zc = zstd_compressor(level)
        z, t = timed(lambda p: len(zc.compress(p)), ps)
        s = [o - kept(o, n) for o, n in zip(old, z)]
        levels[str(level)] = {"saving_bytes": sum(s), "host_time_vs_lz4": round(t / t_lz4, 2)}
        if level == ZSTD_LEVEL:
            savings = s
    total = sum(savings)
    buckets = {}
    for o, s in zip(old, savings):
        b = buckets.setdefault(min(o, PAGE) // BUCKET * BUCKET, [0, 0])
        b[0] += 1
        b[1] += s
    doc = {
        "pages": len(ps),
        "stored_lz4_bytes": sum(old),
        "zstd_level": ZSTD_LEVEL,
        "saving_bytes": total,
        "levels": levels,
        "by_stored_size": [{"from": k, "to": k + BUCKET - 1, "pages": v[0], "saving_bytes": v[1]}
                           for k, v in sorted(buckets.items())],
    }
    if slack_bytes is not None:
        need = max(0, total - slack_bytes)
        doc["slack_bytes"] = slack_bytes
        doc["needed_saving_bytes"] = need
        # The oracle: the pages with the largest savings first.
        acc = 0
        n = len(ps)
        for i, s in enumerate(sorted(savings, reverse=True)):
            if acc >= need:
                n = i
                break
            acc += s
        doc["oracle_pages_fraction"] = round(n / len(ps), 3)
        # A rule a policy can apply: try only pages stored with at least `t` bytes.
        best = None
        for t in range(0, PAGE, 64):
            sel = [(o, s) for o, s in zip(old, savings) if o >= t]
            if sum(s for _, s in sel) >= need:
                best = (t, len(sel))
        if best:
            doc["threshold_rule"] = {"min_stored_bytes": best[0],
                                     "pages_fraction": round(best[1] / len(ps), 3)}
    return doc


if __name__ == "__main__":
    json.dump(analyse(sys.argv[1]), sys.stdout, indent=1)
    print()
