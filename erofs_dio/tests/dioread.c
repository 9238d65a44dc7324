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
 *   dioread list BS DIRECT DIR SUMS  every file SUMS names ("HASH16 PATH" lines, PATH under
 *                                  DIR) read whole in BS reads, O_DIRECT if DIRECT is 1, and
 *                                  its hash (filesums.py's) checked; prints "files N bytes N
 *                                  io_ns N wall_ns N errors N": io_ns sums open to close of
 *                                  each file, so hashing is left out of it
 *   dioread opens DIR SUMS           every file SUMS names opened and closed, nothing read:
 *                                  the lookup and inode cost alone; prints the same line
 *                                  (bytes 0)
 *   dioread memcpy MIB             copies MIB MiB between two 4 MiB buffers with a word loop
 *                                  (the way LZ4 moves literals and matches); prints
 *                                  "bytes N ns N"
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

	if (fd < 0) {
		put(2, "dioread: open "); put(2, path); put(2, " failed errno "); putnum(2, -fd);
		put(2, "\n");
		return 1;
	}
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

/* The whole of a file, read into fresh memory (one byte more, zero); its size in *size. */
static char *slurp(const char *path, const char *what, u64 *size)
{
	s64 fd = sys(NR_openat, AT_FDCWD, (s64)path, 0);
	u64 got;
	char *buf;

	if (fd < 0) fail(what, -fd, 0, 0);
	*size = sys(NR_lseek, fd, 0, 2);
	buf = map(*size + 1);
	for (got = 0; got < *size;) {
		s64 n = sys6(NR_pread64, fd, (s64)(buf + got), *size - got, got, 0, 0);
		if (n <= 0) fail(what, got, *size, -n);
		got += n;
	}
	sys(NR_close, fd, 0, 0);
	return buf;
}

static int cmp(const char *refpath, const char *path, u64 seed, u64 iters)
{
	int fd = open_direct(path);
	u64 size, got, i, maxlen = 300 * 1024;
	char *ref = slurp(refpath, "ref", &size), *buf;

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

/* Guest arches are all little-endian: a word read here is filesums.py's "<Q". */
typedef u64 __attribute__((may_alias)) u64a;
#define HASH_MUL 0x100000001b3UL

/* Each step is a bijection of h for a given word, so any one changed word changes the hash. */
static u64 hash(const char *p, u64 n)
{
	u64 h = 0x9e3779b97f4a7c15UL ^ n, i, w, j;

	for (i = 0; i + 8 <= n; i += 8)
		h = (h ^ *(const u64a *)(p + i)) * HASH_MUL;
	if (i < n) {
		for (w = 0, j = 0; i + j < n; j++)
			w |= (u64)(unsigned char)p[i + j] << (8 * j);
		h = (h ^ w) * HASH_MUL;
	}
	return h;
}

static void puthex(int fd, u64 v)
{
	char b[17];

	for (int i = 15; i >= 0; i--, v >>= 4)
		b[i] = "0123456789abcdef"[v & 15];
	b[16] = 0;
	put(fd, b);
}

static u64 hexnum(const char *s)
{
	u64 v = 0;

	for (; *s; s++)
		v = v << 4 | (u64)(*s <= '9' ? *s - '0' : (*s | 32) - 'a' + 10);
	return v;
}

/* Files are read whole into one buffer, faulted in before the clock starts. */
#define LIST_CAP (16UL << 20)

static int list(u64 bs, int direct, int open_only, const char *dir, const char *sums)
{
	u64 size, files = 0, bytes = 0, io_ns = 0, errors = 0, dlen = slen(dir), t0;
	char *text = slurp(sums, "read sums", &size), *line, *end, *buf, path[4096];
	const char *first = 0;

	if (bs == 0 || bs > LIST_CAP || dlen + 2 > sizeof(path)) fail("list: bad BS or DIR", bs, dlen, 0);
	buf = map(LIST_CAP + 4096);
	for (u64 i = 0; i < LIST_CAP; i += 4096)
		buf[i] = 0;
	for (u64 i = 0; i < dlen; i++)
		path[i] = dir[i];
	path[dlen] = '/';
	t0 = now_ns();
	for (line = text; line < text + size; line = end + 1) {
		u64 want, pos = 0, t, plen;
		s64 fd;

		for (end = line; end < text + size && *end != '\n'; end++)
			;
		*end = 0;
		if (end - line < 18 || line[16] != ' ') fail("list: bad sums line", files, 0, 0);
		line[16] = 0;
		want = hexnum(line);
		plen = slen(line + 17);
		if (dlen + 1 + plen + 1 > sizeof(path)) fail("list: path too long", files, plen, 0);
		for (u64 i = 0; i <= plen; i++)
			path[dlen + 1 + i] = line[17 + i];
		if (!first)
			first = line + 17;
		t = now_ns();
		fd = sys(NR_openat, AT_FDCWD, (s64)path, direct ? O_DIRECT_ : 0);
		if (fd < 0) {
			put(2, "dioread: open "); put(2, path); put(2, " errno "); putnum(2, -fd);
			put(2, "\n");
			errors++;
			continue;
		}
		while (!open_only) {
			s64 n = sys6(NR_pread64, fd, (s64)(buf + pos), bs, pos, 0, 0);

			if (n <= 0) {
				if (n < 0) {
					put(2, "dioread: read "); put(2, path); put(2, " at ");
					putnum(2, pos); put(2, " errno "); putnum(2, -n); put(2, "\n");
					errors++;
				}
				break;
			}
			pos += n;
			if (pos + bs > LIST_CAP) fail("list: a file is larger than the buffer", pos, 0, 0);
		}
		sys(NR_close, fd, 0, 0);
		io_ns += now_ns() - t;
		files++;
		bytes += pos;
		if (!open_only && hash(buf, pos) != want) {
			put(2, "dioread: "); put(2, path); put(2, ": hash "); puthex(2, hash(buf, pos));
			put(2, ", expected "); puthex(2, want); put(2, "\n");
			errors++;
		}
	}
	t0 = now_ns() - t0;
	/* After the clock: that the flag stuck, so these were O_DIRECT reads. */
	if (direct && first) {
		for (u64 i = 0, n = slen(first); i <= n; i++)
			path[dlen + 1 + i] = first[i];
		open_direct(path);
	}
	put(1, "files "); putnum(1, files); put(1, " bytes "); putnum(1, bytes);
	put(1, " io_ns "); putnum(1, io_ns); put(1, " wall_ns "); putnum(1, t0);
	put(1, " errors "); putnum(1, errors); put(1, "\n");
	return errors ? 1 : 0;
}

#define COPY_BUF (4UL << 20)

static int copy(u64 mib)
{
	u64 *a = (u64 *)map(COPY_BUF), *b = (u64 *)map(COPY_BUF), n = COPY_BUF / 8, done, t;

	for (u64 i = 0; i < n; i++) {
		a[i] = i * HASH_MUL;
		b[i] = 0;
	}
	t = now_ns();
	for (done = 0; done < mib << 20; done += COPY_BUF) {
		u64 *s = (done / COPY_BUF) & 1 ? b : a, *d = s == a ? b : a;

		for (u64 i = 0; i < n; i++)
			d[i] = s[i];
		/* Each pass must happen: the compiler may not fold one copy into the next. */
		__asm__ volatile("" : : "r"(d) : "memory");
	}
	t = now_ns() - t;
	if (a[n - 1] != (n - 1) * HASH_MUL || b[n - 1] != a[n - 1]) fail("memcpy: wrong copy", 0, 0, 0);
	put(1, "bytes "); putnum(1, done); put(1, " ns "); putnum(1, t); put(1, "\n");
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
	if (argc == 6 && streq(argv[1], "list"))
		return list(num(argv[2]), num(argv[3]) == 1, 0, argv[4], argv[5]);
	if (argc == 4 && streq(argv[1], "opens"))
		return list(4096, 0, 1, argv[2], argv[3]);
	if (argc == 3 && streq(argv[1], "memcpy"))
		return copy(num(argv[2]));
	put(2, "usage: dioread cat|faultcat BS MISALIGN FILE... | cmp REF FILE SEED N\n"
	       "       | list BS DIRECT DIR SUMS | opens DIR SUMS | memcpy MIB\n");
	return 1;
}
