// SPDX-License-Identifier: GPL-2.0
/*
 * zbench: the guest side of the zram bench. Freestanding (see qemu/guest/sys.h). Pages come from
 * SRC, a disk of raw 4 KiB pages (the corpus); DEV is a zram or zmc block device. Every figure
 * is printed as JSON members ("n":..,"p50_ns":..,...) for the calling script to wrap.
 *
 *   zbench wr DEV SRC FIRST COUNT RAW
 *                                   write pages FIRST..FIRST+COUNT-1 of SRC to the same pages of
 *                                   DEV with O_DIRECT, timing each pwrite (the swap-out submit
 *                                   latency of the device); the latencies are appended to RAW
 *   zbench cpuwrite FILE TEXT      write TEXT to FILE (a sysfs attribute) and print the CPU
 *                                   time (user and system, the scheduler's count in ns) the
 *                                   write took in this process
 *   zbench rd DEV SRC NPAGES N SEED RAW
 *                                   N O_DIRECT reads of random pages (of the first NPAGES) of
 *                                   DEV, timed, each checked against SRC (the block-level
 *                                   swap-in latency); latencies appended to RAW
 *   zbench stats RAW                the figures of the latencies in RAW (total_ns is their sum)
 *   zbench ws SRC NPAGES            a working set: NPAGES anonymous pages filled from SRC; prints
 *                                   "ready", waits for a line on stdin, then touches every page
 *                                   once, timing each first touch (a page fault when it was
 *                                   swapped out) and the whole pass (the relaunch time), then
 *                                   checks every page against SRC; "majflt" is the pass's
 *                                   major faults (swap-ins that waited for the device)
 *   zbench hog SRC NPAGES SECONDS   NPAGES anonymous pages filled from SRC, then written to
 *                                   (one word per page) round and round for SECONDS
 *   zbench bgapp SRC FIRST NPAGES STRIDE PERIOD_MS SECONDS
 *                                   a background app: NPAGES anonymous pages filled from SRC's
 *                                   pages FIRST.. (wrapping at its end), then every PERIOD_MS
 *                                   every STRIDE-th page is written once (one word: the app's
 *                                   part in use), for SECONDS
 *   zbench limit MAX MMSTAT BUDGET_KIB EXTRA_KIB PERIOD_MS SECONDS
 *                                   one memory budget for a cgroup and a compressed store: every
 *                                   PERIOD_MS, writes BUDGET_KIB less EXTRA_KIB less the store's
 *                                   mem_used_total (MMSTAT, a zram mm_stat) to MAX (the cgroup's
 *                                   memory.max), for SECONDS
 *   zbench now                      CLOCK_MONOTONIC in nanoseconds
 *
 * Exit status: 0 on success, 1 on an error or a page that does not match SRC.
 */
#include "sys.h"

#define O_WRONLY_ 1
#define O_CREAT_APPEND 02101 /* O_WRONLY | O_CREAT | O_APPEND, the same on the three arches */

#define PAGE 4096UL

static u64 rng;
static u64 next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static int open_at(const char *path, s64 flags)
{
	s64 fd = sys(NR_openat, AT_FDCWD, (s64)path, flags);

	if (fd < 0) { put(2, "zbench: cannot open "); put(2, path); put(2, "\n"); quit(1); }
	return fd;
}

/* Page i of SRC into buf (page aligned), with O_DIRECT so SRC fills no page cache. */
static void src_page(int fd, u64 i, char *buf)
{
	s64 n = sys6(NR_pread64, fd, (s64)buf, PAGE, i * PAGE, 0, 0);

	if (n != (s64)PAGE) fail("read SRC page (page got)", i, n, 0);
}

static int same(const char *a, const char *b)
{
	const u64 *x = (const u64 *)a, *y = (const u64 *)b;
	u64 i;

	for (i = 0; i < PAGE / 8; i++)
		if (x[i] != y[i]) return 0;
	return 1;
}

/* Heapsort, for the percentiles. */
static void sift(u64 *a, u64 root, u64 n)
{
	for (;;) {
		u64 c = 2 * root + 1, t;

		if (c >= n) return;
		if (c + 1 < n && a[c + 1] > a[c]) c++;
		if (a[root] >= a[c]) return;
		t = a[root]; a[root] = a[c]; a[c] = t;
		root = c;
	}
}

static void sort(u64 *a, u64 n)
{
	u64 i, t;

	for (i = n / 2; i-- > 0;) sift(a, i, n);
	for (i = n; i-- > 1;) { t = a[0]; a[0] = a[i]; a[i] = t; sift(a, 0, i); }
}

static void member(const char *name, u64 v, int first)
{
	if (!first) put(1, ",");
	put(1, "\""); put(1, name); put(1, "\":"); putnum(1, v);
}

/* "n", "p50_ns", "p99_ns", "max_ns", "mean_ns" and "total_ns" of n latencies. */
static void report(u64 *lat, u64 n, u64 total)
{
	u64 i, sum = 0;

	sort(lat, n);
	for (i = 0; i < n; i++) sum += lat[i];
	member("n", n, 1);
	member("p50_ns", n ? lat[n / 2] : 0, 0);
	member("p99_ns", n ? lat[n * 99 / 100] : 0, 0);
	member("max_ns", n ? lat[n - 1] : 0, 0);
	member("mean_ns", n ? sum / n : 0, 0);
	member("total_ns", total, 0);
}

/* Appends n latencies to the raw file. */
static void save(const char *raw, const u64 *lat, u64 n)
{
	s64 fd = sys6(NR_openat, AT_FDCWD, (s64)raw, O_CREAT_APPEND, 0644, 0, 0);
	u64 done = 0;

	if (fd < 0) fail("open RAW (errno)", -fd, 0, 0);
	while (done < n * 8) {
		s64 w = sys(NR_write, fd, (s64)lat + done, n * 8 - done);

		if (w <= 0) fail("write RAW (errno)", -w, 0, 0);
		done += w;
	}
	sys(NR_close, fd, 0, 0);
}

static int wr(const char *dev, const char *src, u64 first, u64 count, const char *raw)
{
	int sfd = open_at(src, O_DIRECT_), dfd = open_at(dev, O_DIRECT_ | O_WRONLY_);
	char *buf = map(PAGE * 2);
	u64 *lat = (u64 *)map(count * 8 + 8);
	u64 i;

	buf = (char *)(((u64)buf + PAGE - 1) & ~(PAGE - 1));
	for (i = 0; i < count; i++) {
		u64 page = first + i, t0;
		s64 n;

		src_page(sfd, page, buf);
		t0 = now_ns();
		n = sys6(NR_pwrite64, dfd, (s64)buf, PAGE, page * PAGE, 0, 0);
		lat[i] = now_ns() - t0;
		if (n != (s64)PAGE) fail("write DEV page (page got)", page, n, 0);
	}
	if (sys(NR_fsync, dfd, 0, 0) < 0) fail("fsync DEV", 0, 0, 0);
	save(raw, lat, count);
	return 0;
}

static int rd(const char *dev, const char *src, u64 npages, u64 iters, u64 seed, const char *raw)
{
	int sfd = open_at(src, O_DIRECT_), dfd = open_at(dev, O_DIRECT_);
	char *buf = map(PAGE * 3);
	char *ref;
	u64 *lat = (u64 *)map(iters * 8 + 8);
	u64 i;

	buf = (char *)(((u64)buf + PAGE - 1) & ~(PAGE - 1));
	ref = buf + PAGE;
	rng = seed * 2654435761UL + 88172645463325252UL;
	for (i = 0; i < iters; i++) {
		u64 page = next() % npages, t0 = now_ns();
		s64 n = sys6(NR_pread64, dfd, (s64)buf, PAGE, page * PAGE, 0, 0);

		lat[i] = now_ns() - t0;
		if (n != (s64)PAGE) fail("read DEV page (page got)", page, n, 0);
		src_page(sfd, page, ref);
		if (!same(buf, ref)) fail("DEV page differs from SRC (page)", page, 0, 0);
	}
	save(raw, lat, iters);
	return 0;
}

static int stats(const char *raw)
{
	s64 fd = open_at(raw, 0);
	s64 size = sys(NR_lseek, fd, 0, 2);
	u64 *lat, got = 0, i, sum = 0;

	if (size <= 0 || size % 8) fail("RAW is empty or torn (bytes)", size, 0, 0);
	lat = (u64 *)map(size);
	while (got < (u64)size) {
		s64 n = sys6(NR_pread64, fd, (s64)lat + got, size - got, got, 0, 0);

		if (n <= 0) fail("read RAW (errno)", -n, 0, 0);
		got += n;
	}
	for (i = 0; i < (u64)size / 8; i++) sum += lat[i];
	report(lat, size / 8, sum);
	put(1, "\n");
	return 0;
}

/* rusage as the kernel lays it out on 64-bit arches, in longs. */
enum { RU_UTIME = 0, RU_STIME = 2, RU_MAJFLT = 9, RU_LONGS = 18 };

static u64 major_faults(void)
{
	s64 ru[RU_LONGS];

	if (sys(NR_getrusage, 0, (s64)ru, 0) < 0) fail("getrusage", 0, 0, 0);
	return (u64)ru[RU_MAJFLT];
}

/* NPAGES anonymous pages holding SRC's pages FIRST.., wrapping at SRC's end. */
static char *fill(const char *src, u64 first, u64 npages)
{
	int sfd = open_at(src, O_DIRECT_);
	s64 srcpages = sys(NR_lseek, sfd, 0, 2) / (s64)PAGE;
	char *mem = map(npages * PAGE + PAGE);
	char *buf = map(PAGE * 2);
	u64 i;

	if (srcpages <= 0) fail("SRC is empty (size)", srcpages, 0, 0);
	mem = (char *)(((u64)mem + PAGE - 1) & ~(PAGE - 1));
	buf = (char *)(((u64)buf + PAGE - 1) & ~(PAGE - 1));
	for (i = 0; i < npages; i++) {
		u64 *d = (u64 *)(mem + i * PAGE), *s = (u64 *)buf, j;

		src_page(sfd, (first + i) % (u64)srcpages, buf);
		for (j = 0; j < PAGE / 8; j++) d[j] = s[j];
	}
	sys(NR_close, sfd, 0, 0);
	return mem;
}

static int ws(const char *src, u64 npages)
{
	char *mem = fill(src, 0, npages);
	u64 *lat = (u64 *)map(npages * 8 + 8);
	volatile u64 sink = 0;
	char line[16];
	char *buf = map(PAGE * 2);
	int sfd;
	u64 i, start, total, majflt;

	buf = (char *)(((u64)buf + PAGE - 1) & ~(PAGE - 1));
	/* Touch the bookkeeping now, so the timed pass faults only on the working set. */
	for (i = 0; i < npages; i++) lat[i] = 0;
	put(1, "ready\n");
	if (sys(NR_read, 0, (s64)line, sizeof(line)) <= 0) fail("no go line on stdin", 0, 0, 0);
	majflt = major_faults();
	start = now_ns();
	for (i = 0; i < npages; i++) {
		u64 t0 = now_ns();

		sink += *(volatile u64 *)(mem + i * PAGE + 8);
		lat[i] = now_ns() - t0;
	}
	total = now_ns() - start;
	majflt = major_faults() - majflt;
	(void)sink;
	sfd = open_at(src, O_DIRECT_);
	for (i = 0; i < npages; i++) {
		src_page(sfd, i, buf);
		if (!same(mem + i * PAGE, buf)) fail("working-set page differs from SRC (page)", i, 0, 0);
	}
	report(lat, npages, total);
	member("majflt", majflt, 0);
	put(1, "\n");
	return 0;
}

static int hog(const char *src, u64 npages, u64 seconds)
{
	char *mem = fill(src, 0, npages);
	u64 end = now_ns() + seconds * 1000000000UL, i = 0;

	while (now_ns() < end) {
		u64 r;

		for (r = 0; r < 256; r++, i++)
			*(volatile u64 *)(mem + (i % npages) * PAGE + 16) = i;
	}
	return 0;
}

static int bgapp(const char *src, u64 first, u64 npages, u64 stride, u64 period_ms, u64 seconds)
{
	char *mem = fill(src, first, npages);
	u64 end = now_ns() + seconds * 1000000000UL, round = 0;

	while (now_ns() < end) {
		u64 t0 = now_ns(), i, spent_ms;

		for (i = 0; i < npages; i += stride) *(volatile u64 *)(mem + i * PAGE + 16) = round;
		round++;
		spent_ms = (now_ns() - t0) / 1000000UL;
		if (spent_ms < period_ms) sleep_ms(period_ms - spent_ms);
	}
	return 0;
}

/* Field FIELD (from 0) of a short whitespace-separated file, e.g. mm_stat's mem_used_total: 2. */
static u64 read_field(int fd, int field)
{
	char buf[256];
	s64 n = sys6(NR_pread64, fd, (s64)buf, sizeof(buf) - 1, 0, 0, 0);
	int i = 0;

	if (n <= 0) fail("read MMSTAT (errno)", -n, 0, 0);
	buf[n] = 0;
	while (field-- > 0) {
		while (buf[i] == ' ') i++;
		while (buf[i] && buf[i] != ' ') i++;
	}
	while (buf[i] == ' ') i++;
	return num(buf + i);
}

static int limit(const char *max, const char *mmstat, u64 budget_kib, u64 extra_kib, u64 period_ms,
		 u64 seconds)
{
	int mfd = open_at(max, O_WRONLY_), sfd = open_at(mmstat, 0);
	u64 end = now_ns() + seconds * 1000000000UL, last = 0;

	while (now_ns() < end) {
		u64 store_kib = read_field(sfd, 2) / 1024 + extra_kib;
		u64 kib = store_kib + budget_kib / 4 < budget_kib ? budget_kib - store_kib : budget_kib / 4;

		if (kib != last) {
			char b[24];
			int i = 23;
			u64 v = kib * 1024;
			s64 w;

			b[i] = '\n';
			do { b[--i] = '0' + v % 10; v /= 10; } while (v);
			w = sys6(NR_pwrite64, mfd, (s64)(b + i), 24 - i, 0, 0, 0);
			if (w < 0) fail("write MAX (KiB errno)", kib, -w, 0);
			last = kib;
		}
		sleep_ms(period_ms);
	}
	return 0;
}

/* The CPU time of this process (user and system), in ns: the scheduler's own count. */
static u64 cpu_ns(void)
{
	s64 ru[RU_LONGS];

	if (sys(NR_getrusage, 0, (s64)ru, 0) < 0) fail("getrusage", 0, 0, 0);
	return (u64)(ru[RU_UTIME] + ru[RU_STIME]) * 1000000000UL +
	       (u64)(ru[RU_UTIME + 1] + ru[RU_STIME + 1]) * 1000UL;
}

/* Writes TEXT to FILE (a sysfs attribute) and prints the CPU time the write took. */
static int cpuwrite(const char *file, const char *text)
{
	s64 fd = sys(NR_openat, AT_FDCWD, (s64)file, O_WRONLY_);
	u64 t0, t1;
	s64 n;

	if (fd < 0) fail("open", -fd, 0, 0);
	t0 = cpu_ns();
	n = sys(NR_write, fd, (s64)text, slen(text));
	t1 = cpu_ns();
	sys(NR_close, fd, 0, 0);
	if (n != (s64)slen(text)) fail("write", -n, 0, 0);
	putnum(1, t1 - t0);
	put(1, "\n");
	return 0;
}

int main_(char **argv, int argc)
{
	prog_name = "zbench";
	if (argc == 7 && streq(argv[1], "wr"))
		return wr(argv[2], argv[3], num(argv[4]), num(argv[5]), argv[6]);
	if (argc == 8 && streq(argv[1], "rd"))
		return rd(argv[2], argv[3], num(argv[4]), num(argv[5]), num(argv[6]), argv[7]);
	if (argc == 3 && streq(argv[1], "stats"))
		return stats(argv[2]);
	if (argc == 4 && streq(argv[1], "ws"))
		return ws(argv[2], num(argv[3]));
	if (argc == 5 && streq(argv[1], "hog"))
		return hog(argv[2], num(argv[3]), num(argv[4]));
	if (argc == 8 && streq(argv[1], "bgapp") && num(argv[5]) > 0)
		return bgapp(argv[2], num(argv[3]), num(argv[4]), num(argv[5]), num(argv[6]), num(argv[7]));
	if (argc == 8 && streq(argv[1], "limit"))
		return limit(argv[2], argv[3], num(argv[4]), num(argv[5]), num(argv[6]), num(argv[7]));
	if (argc == 4 && streq(argv[1], "cpuwrite"))
		return cpuwrite(argv[2], argv[3]);
	if (argc == 2 && streq(argv[1], "now")) {
		putnum(1, now_ns());
		put(1, "\n");
		return 0;
	}
	put(2, "usage: zbench wr DEV SRC FIRST COUNT RAW | rd DEV SRC NPAGES N SEED RAW |"
	       " stats RAW | ws SRC NPAGES | hog SRC NPAGES SECONDS |"
	       " bgapp SRC FIRST NPAGES STRIDE PERIOD_MS SECONDS | limit MAX MMSTAT BUDGET_KIB EXTRA_KIB PERIOD_MS SECONDS | cpuwrite FILE TEXT | now\n");
	return 1;
}
