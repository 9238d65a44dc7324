// SPDX-License-Identifier: GPL-2.0
/*
 * dioread: the O_DIRECT reader for erofs_dio's guest tests. Freestanding (raw syscalls, no libc),
 * so the host builds it for every guest arch with clang alone (see mkimg.lib: tools_img).
 *
 *   dioread cat BS MISALIGN FILE...  O_DIRECT reads of BS bytes into a buffer MISALIGN bytes
 *                                  past a page boundary, every FILE in turn written to stdout
 *                                  (pipe it to sha256sum); a failing file is reported and
 *                                  skipped, and the exit status is then 1
 *   dioread cmp REF FILE SEED N    N O_DIRECT preads of FILE at pseudo-random offsets, lengths
 *                                  (1 byte to 300 KiB, some past EOF) and buffer alignments,
 *                                  each compared with the same range of REF (read buffered)
 *
 * Exits 0 on success; 1 with a message on stderr on a mismatch or error; 2 if open(O_DIRECT)
 * was refused or the flag did not stick.
 */
typedef unsigned long u64;
typedef long s64;

#if defined(__x86_64__)
#define NR_read 0
#define NR_write 1
#define NR_close 3
#define NR_lseek 8
#define NR_mmap 9
#define NR_pread64 17
#define NR_fcntl 72
#define NR_exit_group 231
#define NR_openat 257
#define O_DIRECT_ 040000
static s64 sys6(s64 n, s64 a, s64 b, s64 c, s64 d, s64 e, s64 f)
{
	s64 ret;
	register s64 r10 __asm__("r10") = d;
	register s64 r8 __asm__("r8") = e;
	register s64 r9 __asm__("r9") = f;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10),
			 "r"(r8), "r"(r9) : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__) || defined(__riscv)
#define NR_fcntl 25
#define NR_openat 56
#define NR_close 57
#define NR_lseek 62
#define NR_read 63
#define NR_write 64
#define NR_pread64 67
#define NR_exit_group 94
#define NR_mmap 222
#if defined(__aarch64__)
#define O_DIRECT_ 0200000
#else
#define O_DIRECT_ 040000
#endif
static s64 sys6(s64 n, s64 a, s64 b, s64 c, s64 d, s64 e, s64 f)
{
	register s64 x0 __asm__(
#if defined(__aarch64__)
		"x0"
#else
		"a0"
#endif
		) = a;
	register s64 x1 __asm__(
#if defined(__aarch64__)
		"x1"
#else
		"a1"
#endif
		) = b;
	register s64 x2 __asm__(
#if defined(__aarch64__)
		"x2"
#else
		"a2"
#endif
		) = c;
	register s64 x3 __asm__(
#if defined(__aarch64__)
		"x3"
#else
		"a3"
#endif
		) = d;
	register s64 x4 __asm__(
#if defined(__aarch64__)
		"x4"
#else
		"a4"
#endif
		) = e;
	register s64 x5 __asm__(
#if defined(__aarch64__)
		"x5"
#else
		"a5"
#endif
		) = f;
	register s64 nr __asm__(
#if defined(__aarch64__)
		"x8"
#else
		"a7"
#endif
		) = n;
#if defined(__aarch64__)
	__asm__ volatile("svc 0" : "+r"(x0) : "r"(nr), "r"(x1), "r"(x2), "r"(x3), "r"(x4),
			 "r"(x5) : "memory");
#else
	__asm__ volatile("ecall" : "+r"(x0) : "r"(nr), "r"(x1), "r"(x2), "r"(x3), "r"(x4),
			 "r"(x5) : "memory");
#endif
	return x0;
}
#else
#error "unsupported arch"
#endif

#define AT_FDCWD -100
#define F_GETFL 3
#define PROT_RW 3
#define MAP_PRIVATE_ANON 0x22

static s64 sys(s64 n, s64 a, s64 b, s64 c) { return sys6(n, a, b, c, 0, 0, 0); }

static u64 slen(const char *s) { u64 n = 0; while (s[n]) n++; return n; }
static void put(int fd, const char *s) { sys(NR_write, fd, (s64)s, slen(s)); }
static void putnum(int fd, u64 v)
{
	char b[24];
	int i = 23;

	b[i] = 0;
	do { b[--i] = '0' + v % 10; v /= 10; } while (v);
	put(fd, b + i);
}
static __attribute__((noreturn)) void quit(int code)
{
	for (;;) sys(NR_exit_group, code, 0, 0);
}
static __attribute__((noreturn)) void fail(const char *what, u64 a, u64 b, u64 c)
{
	put(2, "dioread: "); put(2, what); put(2, " ");
	putnum(2, a); put(2, " "); putnum(2, b); put(2, " "); putnum(2, c); put(2, "\n");
	quit(1);
}
static u64 num(const char *s) { u64 v = 0; while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0'); return v; }
static int streq(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return *a == *b; }
static char *map(u64 len) {
	s64 p = sys6(NR_mmap, 0, (len + 8191) & ~4095UL, PROT_RW, MAP_PRIVATE_ANON, -1, 0);
	if (p < 0 && p > -4096) fail("mmap", len, -p, 0);
	return (char *)p;
}
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

static int cat(char **files, u64 bs, u64 mis)
{
	char *buf = map(bs + 4096) + mis;
	int ret = 0;

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
	if (argc >= 4 && streq(argv[1], "cat"))
		return cat(argv + 4, num(argv[2]) ? num(argv[2]) : 1, num(argv[3]) % 4096);
	if (argc == 6 && streq(argv[1], "cmp"))
		return cmp(argv[2], argv[3], num(argv[4]), num(argv[5]));
	put(2, "usage: dioread cat BS MISALIGN FILE... | cmp REF FILE SEED N\n");
	return 1;
}

void start_c(long *sp)
{
	quit(main_((char **)(sp + 1), (int)sp[0]));
}

#if defined(__x86_64__)
__asm__(".globl _start\n_start:\n mov %rsp, %rdi\n and $-16, %rsp\n call start_c\n");
#elif defined(__aarch64__)
__asm__(".globl _start\n_start:\n mov x0, sp\n bl start_c\n");
#else
__asm__(".globl _start\n_start:\n mv a0, sp\n call start_c\n");
#endif
