# A program holding logs, compressed and random buffers and numbers, as apps hold images and
# encrypted data.
import hashlib, os, random, sys, zlib
random.seed(2)
lines = [f"{i:08d} {random.random():.6f} GET /api/v1/items/{random.randint(0, 99999)} 200\n" for i in range(40000)]
log = "".join(lines)
packed = [zlib.compress(log[i:i + 65536].encode(), 6) for i in range(0, len(log), 65536)]
noise = [os.urandom(16384) for _ in range(64)]
digests = [hashlib.sha256(str(i).encode()).digest() for i in range(50000)]
numbers = [random.random() for _ in range(200000)]
print("ready", flush=True)
sys.stdin.read()
