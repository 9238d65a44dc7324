// SPDX-License-Identifier: GPL-2.0
/*
 * dioread: the O_DIRECT reader for erofs_dio's guest tests. Freestanding (raw syscalls, no libc),
 * so the host builds it for every guest arch with clang alone (see mkimg.lib: tools_img).
 *
 *   dioread cat BS MISALIGN FILE...  O_DIRECT reads of BS bytes into a buffer MISALIGN bytes
 *                                  past a page boundary, every FILE in turn written to stdout
 *                                  (pipe it to sha256sum); a failing file is reported and
 *                                  skipped, and the exit status is then 1
 *   dioread faultcat BS MISALIGN FILE...
 *                                  cat, with fault injection armed for this task alone
 *                                  (/proc/self/make-it-fail) once its buffer is in place
 *   dioread cmp REF FILE SEED N    N O_DIRECT preads of FILE at pseudo-random offsets, lengths
 *                                  (1 byte to 300 KiB, some past EOF) and buffer alignments,
 *                                  each compared with the same range of REF (read buffered)
 *
 * Exits 0 on success; 1 with a message on stderr on a mismatch or error; 2 if open(O_DIRECT)
 * was refused or the flag did not stick.
 */
#include "sys.h"

static int open_direct(const char *path)
{
	s64 fd = sys(NR_openat, AT_FDCWD, (s64)path, O_DIRECT_);

	if (fd < 0) { put(2, "dioread: open O_DIRECT failed: "); putnum(2, -fd); put(2, "\n"); quit(2); }
	if (!(sys(NR_fcntl, fd, F_GETFL, 0) & O_DIRECT_)) { put(2, "dioread: no O_DIRECT\n"); quit(2); }
	return fd;
}

static u64 rng;
static u64 next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static int cat_one(const char *path, char *buf, u64 bs)
{
	s64 fd = sys(NR_openat, AT_FDCWD, (s64)path, O_DIRECT_);
	u64 pos = 0;

	if (fd < 0) { put(2, "dioread: open "); put(2, path); put(2, " failed\n"); return 1; }
	if (!(sys(NR_fcntl, fd, F_GETFL, 0) & O_DIRECT_)) { put(2, "dioread: no O_DIRECT\n"); quit(2); }
	for (;;) {
		s64 n = sys6(NR_pread64, fd, (s64)buf, bs, pos, 0, 0);
		s64 w = 0;

		if (n < 0) {
			put(2, "dioread: read "); put(2, path); put(2, " failed at "); putnum(2, pos);
			put(2, " errno "); putnum(2, -n); put(2, "\n");
			sys(NR_close, fd, 0, 0);
			return 1;
		}
		if (n == 0) break;
		while (w < n) {
			s64 r = sys(NR_write, 1, (s64)(buf + w), n - w);
			if (r <= 0) fail("write", pos, n, -r);
			w += r;
		}
		pos += n;
	}
	sys(NR_close, fd, 0, 0);
	return 0;
}

static int cat(char **files, u64 bs, u64 mis, int faulty)
{
	char *buf = map(bs + 4096) + mis;
	int ret = 0;

	if (faulty) {
		s64 fd = sys(NR_openat, AT_FDCWD, (s64)"/proc/self/make-it-fail", 1);

		/* Fault the buffer in first: only the reads may meet injected failures. */
		for (u64 i = 0; i < bs; i += 4096)
			buf[i] = 0;
		if (fd < 0 || sys(NR_write, fd, (s64)"1", 1) != 1) fail("make-it-fail", -fd, 0, 0);
		sys(NR_close, fd, 0, 0);
	}
	for (; *files; files++)
		ret |= cat_one(*files, buf, bs);
	return ret;
}

static int cmp(const char *refpath, const char *path, u64 seed, u64 iters)
{
	s64 rfd = sys(NR_openat, AT_FDCWD, (s64)refpath, 0);
	int fd = open_direct(path);
	u64 size, got, i, maxlen = 300 * 1024;
	char *ref, *buf;

	if (rfd < 0) fail("open ref", -rfd, 0, 0);
	size = sys(NR_lseek, rfd, 0, 2);
	ref = map(size + 1);
	for (got = 0; got < size;) {
		s64 n = sys6(NR_pread64, rfd, (s64)(ref + got), size - got, got, 0, 0);
		if (n <= 0) fail("read ref", got, size, -n);
		got += n;
	}
	buf = map(maxlen + 8192);
	rng = seed * 2654435761UL + 88172645463325252UL;
	for (i = 0; i < iters; i++) {
		u64 r = next(), off, len, mis = next() % 4096, want;
		s64 n;

		off = size ? next() % (size + 16) : 0;
		switch (r % 4) {
		case 0: len = 1 + next() % 64; break;
		case 1: len = 1 + next() % 9000; break;
		case 2: len = 1 + next() % maxlen; break;
		default: off &= ~4095UL; len = 4096 * (1 + next() % 16); break;
		}
		want = off >= size ? 0 : (size - off < len ? size - off : len);
		n = sys6(NR_pread64, fd, (s64)(buf + mis), len, off, 0, 0);
		if (n < 0) fail("pread (off len errno)", off, len, -n);
		if ((u64)n != want) fail("short read (off len got)", off, len, n);
		for (got = 0; got < want; got++)
			if (buf[mis + got] != ref[off + got]) fail("mismatch (off len at)", off, len, got);
	}
	return 0;
}

int main_(char **argv, int argc)
{
	prog_name = "dioread";
	if (argc >= 4 && (streq(argv[1], "cat") || streq(argv[1], "faultcat")))
		return cat(argv + 4, num(argv[2]) ? num(argv[2]) : 1, num(argv[3]) % 4096,
			   streq(argv[1], "faultcat"));
	if (argc == 6 && streq(argv[1], "cmp"))
		return cmp(argv[2], argv[3], num(argv[4]), num(argv[5]));
	put(2, "usage: dioread cat|faultcat BS MISALIGN FILE... | cmp REF FILE SEED N\n");
	return 1;
}
