//! Property tests: the range rules against naive models, the write epochs never call a read
//! fresh that a write overlapped, the read log never returns another key's record, the slots
//! never hand one slot to two owners (threads included), nothing panics on any input.

use std::sync::atomic::{AtomicU32, AtomicU64};
use std::sync::Arc;

use proptest::prelude::*;
use zcache_policy::policy::params::Param;
use zcache_policy::policy::*;

proptest! {
    #[test]
    fn window_matches_overlap(sector in 0u64..10_000, nr in 0u64..200, ps in prop_oneof![Just(8u64), Just(32u64)], start in 0u64..10_300) {
        let in_window = invalidation_window(sector, nr, ps).is_some_and(|(lo, hi)| start >= lo && start < hi);
        prop_assert_eq!(in_window, overlaps(start, ps, sector, nr));
    }

    #[test]
    fn runs_cover_the_read(sector in 0u64..1000, nr in 0u64..300, ps in prop_oneof![Just(8u64), Just(32u64)], cached in proptest::collection::hash_set(0u64..1300, 0..100), max in 1u64..20) {
        let run = leading_run(sector, nr, ps, max, |s| cached.contains(&s));
        match run {
            Run::Hit(n) => {
                prop_assert!(n > 0 && n <= nr && n % ps == 0);
                for k in 0..n / ps {
                    prop_assert!(cached.contains(&(sector + k * ps)));
                }
            }
            Run::Miss(n) => {
                prop_assert!(n <= nr);
                prop_assert!(n > 0 || nr == 0);
                // Every whole page of the miss run is a miss.
                let mut off = 0;
                while off + ps <= n {
                    prop_assert!(!cached.contains(&(sector + off)));
                    off += ps;
                }
            }
        }
    }

    #[test]
    fn epochs_are_conservative(ops in proptest::collection::vec((0u8..3, 0u64..512, 1u64..64), 1..60), buckets in prop_oneof![Just(1usize), Just(4), Just(64)]) {
        let seq = AtomicU64::new(0);
        let e: Vec<_> = (0..buckets).map(|_| AtomicU64::new(0)).collect();
        let n: Vec<_> = (0..buckets).map(|_| AtomicU32::new(0)).collect();
        let ep = Epochs::new(&seq, &e, &n);
        // Model: reads (seq, range) and whether a write overlapped them since.
        let mut reads: Vec<(u64, u64, u64, bool)> = Vec::new();
        let mut open: Vec<(u64, u64)> = Vec::new();
        for (op, s, len) in ops {
            match op {
                0 => {
                    let r = ep.read_seq();
                    let busy = open.iter().any(|&(ws, wl)| overlaps(ws, wl, s, len));
                    reads.push((r, s, len, busy));
                }
                1 => {
                    ep.write_begin(s, len);
                    open.push((s, len));
                    for rd in reads.iter_mut() {
                        if overlaps(s, len, rd.1, rd.2) { rd.3 = true; }
                    }
                }
                _ => {
                    if let Some((ws, wl)) = open.pop() {
                        ep.write_end(ws, wl);
                    }
                }
            }
            for &(r, s, len, dirty) in &reads {
                let in_flight = open.iter().any(|&(ws, wl)| overlaps(ws, wl, s, len));
                if dirty || in_flight {
                    prop_assert!(!ep.fresh(s, len, r));
                }
            }
        }
        // With every write ended and enough buckets, an untouched read is fresh.
        while let Some((ws, wl)) = open.pop() { ep.write_end(ws, wl); }
        if buckets == 64 {
            let r = ep.read_seq();
            prop_assert!(ep.fresh(4096, 8, r));
        }
    }

    #[test]
    fn log_returns_only_its_key(ops in proptest::collection::vec((0u8..3, 2u64..6, 0u64..20, any::<u64>()), 1..200)) {
        let mem: Vec<LogEntry> = (0..8).map(|_| LogEntry::new()).collect();
        let log = ReadLog::new(&mem);
        let mut last = std::collections::HashMap::new();
        for (op, space, pos, h) in ops {
            let k = LogKey { space, pos };
            match op {
                0 => {
                    let v = LogValue { sector: pos * 8, hash: h, read_seq: h / 2 };
                    prop_assert!(log.record(k, v));
                    last.insert((space, pos), v);
                }
                1 => { log.forget(k); last.remove(&(space, pos)); }
                _ => {
                    if let Some(v) = log.lookup(k) {
                        prop_assert_eq!(Some(&v), last.get(&(space, pos)));
                    }
                }
            }
        }
    }

    #[test]
    fn params_never_panic(text in ".{0,64}") {
        for p in [Param::Enabled, Param::Mode, Param::MaxPercent, Param::MemLimit] {
            match Config::DEFAULT.set(p, &text) {
                Ok(c) => prop_assert!(c.max_percent >= 1 && c.max_percent <= 50),
                Err(e) => { let _ = e.to_string(); }
            }
        }
    }

    #[test]
    fn hash_tells_pages_apart(a in proptest::collection::vec(any::<u8>(), 0..300), i in 0usize..300, bit in 0u8..8) {
        let mut b = a.clone();
        if let Some(x) = b.get_mut(i) {
            *x ^= 1 << bit;
            prop_assert_ne!(page_hash(&a), page_hash(&b));
        }
    }
}

/// Four threads claim, publish, take and release concurrently: no slot is ever owned twice,
/// and every published page is taken exactly once.
#[test]
fn slots_under_threads() {
    let mem: Arc<Vec<Slot>> = Arc::new((0..8).map(|_| Slot::new()).collect());
    let owned: Arc<Vec<AtomicU32>> = Arc::new((0..8).map(|_| AtomicU32::new(0)).collect());
    let published = Arc::new(AtomicU64::new(0));
    let taken = Arc::new(AtomicU64::new(0));
    let mut threads = Vec::new();
    for t in 0..4usize {
        let (mem, owned, published, taken) =
            (mem.clone(), owned.clone(), published.clone(), taken.clone());
        threads.push(std::thread::spawn(move || {
            let s = Slots::new(&mem);
            for k in 0..20_000usize {
                if t % 2 == 0 {
                    if let Some(i) = s.claim(k) {
                        assert_eq!(
                            owned[i].fetch_add(1, std::sync::atomic::Ordering::SeqCst),
                            0
                        );
                        owned[i].fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                        if k % 5 == 0 {
                            assert!(s.abandon(i));
                        } else {
                            published.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            assert!(s.publish(i));
                        }
                    }
                } else if let Some(i) = s.take(k) {
                    assert_eq!(
                        owned[i].fetch_add(1, std::sync::atomic::Ordering::SeqCst),
                        0
                    );
                    owned[i].fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    taken.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    assert!(s.release(i));
                }
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    let s = Slots::new(&mem);
    while let Some(i) = s.take(0) {
        taken.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        s.release(i);
    }
    assert_eq!(
        published.load(std::sync::atomic::Ordering::SeqCst),
        taken.load(std::sync::atomic::Ordering::SeqCst)
    );
}

/// A writer thread records while readers look up: a lookup returns only a record that was
/// written whole for that key (the sector and hash are derived from the key).
#[test]
fn log_under_threads() {
    let mem: Arc<Vec<LogEntry>> = Arc::new((0..4).map(|_| LogEntry::new()).collect());
    let mut threads = Vec::new();
    for t in 0..4u64 {
        let mem = mem.clone();
        threads.push(std::thread::spawn(move || {
            let log = ReadLog::new(&mem);
            for k in 0..50_000u64 {
                let pos = k % 13;
                let key = LogKey {
                    space: 2 + t % 2,
                    pos,
                };
                if t < 2 {
                    log.record(
                        key,
                        LogValue {
                            sector: pos * 8 + key.space,
                            hash: pos ^ key.space,
                            read_seq: k,
                        },
                    );
                } else if let Some(v) = log.lookup(key) {
                    assert_eq!(v.sector, pos * 8 + key.space);
                    assert_eq!(v.hash, pos ^ key.space);
                }
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
}

proptest! {
    #[test]
    fn sizes_round_trip(n in 0u64..1 << 40, unit in 0usize..4) {
        use zcache_policy::policy::params::parse_size;
        let (suffix, mul) = [("", 1u64), ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30)][unit];
        let expected = n.checked_mul(mul);
        prop_assert_eq!(parse_size(&format!("{n}{suffix}")), expected);
    }

    #[test]
    fn control_parsers_never_panic(text in ".{0,300}") {
        use zcache_policy::policy::params::{parse_attach, parse_detach};
        if let Ok(p) = parse_attach(&text) {
            prop_assert!(p.starts_with('/') && !p.contains(' '));
        }
        if let Ok(n) = parse_detach(&text) {
            prop_assert_eq!(format!("zcache{n}"), text.trim_end_matches('\n'));
        }
    }
}
