// SPDX-License-Identifier: GPL-2.0
/*
 * racer: rewrites one page of a block device as fast as it can, each time with new contents,
 * and checks that every read returns the contents last written. Run beside a loop of
 * `recompress` writes, it catches a recompression pass that installs the page it read before
 * the rewrite. Freestanding, like dioread (see qemu/guest/sys.h).
 *
 *   racer DEV PAGE_SIZE ROUNDS
 *   racer DEV PAGE_SIZE ROUNDS scribble
 *   racer - PAGE_SIZE NPAGES anon
 *
 * Each round: discard the page (its object is freed, so the write that follows may get the
 * same zsmalloc handle back), write new contents with O_DIRECT, read them back. The contents
 * are random hex digits, which lz4 cannot shrink below zram's huge size but zstd halves, so
 * every version is stored alike (raw, same length) and every pass has a result to install.
 * Exits 1 naming the round and the round whose data came back, on a mismatch.
 *
 * scribble: O_DIRECT writes from pages a child process keeps changing (a shared mapping), as a
 * careless or hostile program may. The device must copy each page once and decide, compress
 * and store that copy: every write and every read back must succeed. Then, with the child
 * killed, every page is written once more and must read back exactly.
 *
 * anon: NPAGES of anonymous memory, each filled with its own contents; prints "ready", waits
 * for a line on stdin (meanwhile the caller pushes the pages to swap), then reads every page
 * in order and checks it.
 */
#include "sys.h"

#define BLKDISCARD 0x1277
#define O_RDWR_ 2

static u64 rng;
static u64 next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static void fill(char *p, u64 len, u64 round)
{
	rng = round * 0x9e3779b97f4a7c15UL + 1;
	for (u64 i = 0; i < len; i++)
		p[i] = "0123456789abcdef"[next() & 15];
	/* The round, readable in a dump of a bad page. */
	for (int i = 0; i < 8; i++)
		p[i] = (char)(round >> (8 * i));
}

static u64 round_of(const char *p)
{
	u64 r = 0;

	for (int i = 0; i < 8; i++)
		r |= (u64)(unsigned char)p[i] << (8 * i);
	return r;
}

static void check(s64 fd, char *want, char *got, u64 len, u64 round)
{
	s64 n = sys6(NR_pread64, fd, (s64)got, len, 0, 0, 0);

	if (n != (s64)len) fail("read failed in round", round, -n, 0);
	for (u64 i = 0; i < len; i++)
		if (want[i] != got[i])
			fail("stale data: round, data of round, byte", round, round_of(got), i);
}

#define SCRIBBLE_PAGES 64

/* Changes the pages forever: same-filled, compressible and incompressible contents in turn. */
static __attribute__((noreturn)) void scribbler(char *buf, u64 len)
{
	for (u64 v = 0;; v++) {
		char *p = buf + (v % SCRIBBLE_PAGES) * len;

		rng = v + 1;
		for (u64 i = 0; i < len; i++)
			p[i] = v % 3 == 0 ? (char)v : v % 3 == 1 ? (char)(i & 7) : (char)next();
	}
}

static int scribble(s64 fd, u64 len, u64 rounds)
{
	s64 p = sys6(NR_mmap, 0, SCRIBBLE_PAGES * len, PROT_RW, MAP_SHARED_ANON, -1, 0);

	if (p < 0) fail("mmap failed", -p, 0, 0);
	char *buf = (char *)p, *got = map(len), *want = map(len);

	for (u64 i = 0; i < SCRIBBLE_PAGES * len; i++)
		buf[i] = (char)i;
	s64 child = sys6(NR_clone, SIGCHLD, 0, 0, 0, 0, 0);

	if (child < 0) fail("clone failed", -child, 0, 0);
	if (child == 0) scribbler(buf, len);
	for (u64 r = 0; r < rounds; r++) {
		u64 at = (r % SCRIBBLE_PAGES) * len;
		s64 n = sys6(NR_pwrite64, fd, (s64)(buf + at), len, at, 0, 0);

		if (n != (s64)len) fail("write under scribbling failed: round, errno", r, -n, 0);
		n = sys6(NR_pread64, fd, (s64)got, len, at, 0, 0);
		if (n != (s64)len) fail("read under scribbling failed: round, errno", r, -n, 0);
	}
	sys(NR_kill, child, SIGKILL, 0);
	sys6(NR_wait4, child, 0, 0, 0, 0, 0);
	for (u64 r = 0; r < SCRIBBLE_PAGES; r++) {
		fill(want, len, r + 1);
		s64 n = sys6(NR_pwrite64, fd, (s64)want, len, r * len, 0, 0);

		if (n != (s64)len) fail("write failed: page, errno", r, -n, 0);
		n = sys6(NR_pread64, fd, (s64)got, len, r * len, 0, 0);
		if (n != (s64)len) fail("read failed: page, errno", r, -n, 0);
		for (u64 i = 0; i < len; i++)
			if (want[i] != got[i]) fail("wrong data: page, byte", r, i, 0);
	}
	put(1, "racer: "); putnum(1, rounds);
	put(1, " writes from changing pages, then every page matched\n");
	return 0;
}

static int anon(u64 len, u64 npages)
{
	char *mem = map(len * npages), *want = map(len), line[8];

	for (u64 p = 0; p < npages; p++) {
		fill(want, len, p + 1);
		for (u64 i = 0; i < len; i++)
			mem[p * len + i] = want[i];
	}
	put(1, "ready\n");
	if (sys(NR_read, 0, (s64)line, sizeof(line)) <= 0) fail("no go line on stdin", 0, 0, 0);
	for (u64 p = 0; p < npages; p++) {
		fill(want, len, p + 1);
		for (u64 i = 0; i < len; i++)
			if (mem[p * len + i] != want[i]) fail("anon page came back wrong: page, byte", p, i, 0);
	}
	put(1, "racer: "); putnum(1, npages); put(1, " anonymous pages came back intact\n");
	return 0;
}

int main_(char **argv, int argc)
{
	prog_name = "racer";
	if (argc == 5 && streq(argv[4], "anon"))
		return anon(num(argv[2]), num(argv[3]));
	if (argc != 4 && !(argc == 5 && streq(argv[4], "scribble"))) {
		put(2, "usage: racer DEV PAGE_SIZE ROUNDS [scribble] | racer - PAGE_SIZE NPAGES anon\n");
		return 2;
	}
	u64 len = num(argv[2]), rounds = num(argv[3]);
	s64 fd = sys(NR_openat, AT_FDCWD, (s64)argv[1], O_RDWR_ | O_DIRECT_);

	if (fd < 0) fail("open failed", -fd, 0, 0);
	if (argc == 5) return scribble(fd, len, rounds);
	/* O_DIRECT buffers: page aligned (map returns whole pages). */
	char *want = map(len), *got = map(len);
	u64 range[2] = { 0, len };

	for (u64 r = 1; r <= rounds; r++) {
		s64 ret = sys(NR_ioctl, fd, BLKDISCARD, (s64)range);

		if (ret) fail("discard failed in round", r, -ret, 0);
		fill(want, len, r);
		ret = sys6(NR_pwrite64, fd, (s64)want, len, 0, 0, 0);
		if (ret != (s64)len) fail("write failed in round", r, -ret, 0);
		check(fd, want, got, len, r);
	}
	put(1, "racer: "); putnum(1, rounds); put(1, " rounds, every read matched\n");
	return 0;
}
