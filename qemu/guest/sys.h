/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sys.h: a freestanding system-call layer for the guest test and bench programs (no libc), so
 * the host builds each program for x86_64, arm64 and riscv64 with clang alone:
 *
 *   clang-19 --target=ARCH-linux-gnu -O2 -static -nostdlib -ffreestanding -fno-stack-protector
 *            -fno-builtin -fuse-ld=lld -I qemu/guest prog.c
 *
 * A program includes this once, sets prog_name, and defines int main_(char **argv, int argc).
 */
#ifndef RFL_GUEST_SYS_H
#define RFL_GUEST_SYS_H

typedef unsigned long u64;
typedef long s64;

#if defined(__x86_64__)
#define NR_read 0
#define NR_write 1
#define NR_close 3
#define NR_lseek 8
#define NR_ioctl 16
#define NR_getrusage 98
#define NR_mmap 9
#define NR_pread64 17
#define NR_pwrite64 18
#define NR_nanosleep 35
#define NR_fsync 74
#define NR_clock_gettime 228
#define NR_fcntl 72
#define NR_exit_group 231
#define NR_openat 257
#define NR_clone 56
#define NR_wait4 61
#define NR_kill 62
#define O_DIRECT_ 040000
static inline s64 sys6(s64 n, s64 a, s64 b, s64 c, s64 d, s64 e, s64 f)
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
#define NR_ioctl 29
#define NR_getrusage 165
#define NR_openat 56
#define NR_close 57
#define NR_lseek 62
#define NR_read 63
#define NR_write 64
#define NR_pread64 67
#define NR_pwrite64 68
#define NR_fsync 82
#define NR_nanosleep 101
#define NR_clock_gettime 113
#define NR_exit_group 94
#define NR_mmap 222
#define NR_kill 129
#define NR_clone 220
#define NR_wait4 260
#if defined(__aarch64__)
#define O_DIRECT_ 0200000
#else
#define O_DIRECT_ 040000
#endif
static inline s64 sys6(s64 n, s64 a, s64 b, s64 c, s64 d, s64 e, s64 f)
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
#define MAP_SHARED_ANON 0x21
#define SIGKILL 9
#define SIGCHLD 17

static inline s64 sys(s64 n, s64 a, s64 b, s64 c) { return sys6(n, a, b, c, 0, 0, 0); }

static inline u64 slen(const char *s) { u64 n = 0; while (s[n]) n++; return n; }
static inline void put(int fd, const char *s) { sys(NR_write, fd, (s64)s, slen(s)); }
static inline void putnum(int fd, u64 v)
{
	char b[24];
	int i = 23;

	b[i] = 0;
	do { b[--i] = '0' + v % 10; v /= 10; } while (v);
	put(fd, b + i);
}
static inline __attribute__((noreturn)) void quit(int code)
{
	for (;;) sys(NR_exit_group, code, 0, 0);
}
/* Each program names itself for fail()'s messages. */
static const char *prog_name = "guest-tool";
static inline __attribute__((noreturn)) void fail(const char *what, u64 a, u64 b, u64 c)
{
	put(2, prog_name); put(2, ": "); put(2, what); put(2, " ");
	putnum(2, a); put(2, " "); putnum(2, b); put(2, " "); putnum(2, c); put(2, "\n");
	quit(1);
}
static inline u64 num(const char *s) { u64 v = 0; while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0'); return v; }
static inline int streq(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return *a == *b; }
static inline char *map(u64 len)
{
	s64 p = sys6(NR_mmap, 0, (len + 8191) & ~4095UL, PROT_RW, MAP_PRIVATE_ANON, -1, 0);
	if (p < 0 && p > -4096) fail("mmap", len, -p, 0);
	return (char *)p;
}

/* CLOCK_MONOTONIC, in nanoseconds (a system call: there is no vDSO without libc). */
static inline u64 now_ns(void)
{
	s64 ts[2];

	sys(NR_clock_gettime, 1, (s64)ts, 0);
	return (u64)ts[0] * 1000000000UL + (u64)ts[1];
}

static inline void sleep_ms(u64 ms)
{
	s64 ts[2] = { (s64)(ms / 1000), (s64)(ms % 1000) * 1000000 };

	sys(NR_nanosleep, (s64)ts, 0, 0);
}

int main_(char **argv, int argc);

void start_c(long *sp);
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

#endif
