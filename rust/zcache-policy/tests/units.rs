//! Unit tests of each rule, with the cases that matter named.

use std::sync::atomic::{AtomicU32, AtomicU64};

use zcache_policy::policy::params::{Param, MAX_PERCENT};
use zcache_policy::policy::*;

fn epochs_mem(n: usize) -> (AtomicU64, Vec<AtomicU64>, Vec<AtomicU32>) {
    (
        AtomicU64::new(0),
        (0..n).map(|_| AtomicU64::new(0)).collect(),
        (0..n).map(|_| AtomicU32::new(0)).collect(),
    )
}

#[test]
fn hash_sees_one_bit_and_length() {
    let a = vec![0u8; 4096];
    let mut b = a.clone();
    b[4095] ^= 1;
    assert_ne!(page_hash(&a), page_hash(&b));
    assert_ne!(page_hash(&a), page_hash(&a[..4088]));
    assert_eq!(page_hash(&a), page_hash(&vec![0u8; 4096]));
    // Zero pages of different sizes (4 KiB and 16 KiB pages) differ.
    assert_ne!(page_hash(&a), page_hash(&vec![0u8; 16384]));
}

#[test]
fn write_window_covers_unaligned_pages() {
    // 16 KiB pages (32 sectors): a page starting 31 sectors before the write overlaps it.
    assert_eq!(invalidation_window(100, 8, 32), Some((69, 108)));
    assert_eq!(invalidation_window(0, 8, 8), Some((0, 8)));
    assert_eq!(invalidation_window(5, 0, 8), None);
    assert!(overlaps(69, 32, 100, 8));
    assert!(!overlaps(68, 32, 100, 8));
}

#[test]
fn runs_split_hits_and_misses() {
    let cached = |s: u64| s == 8 || s == 16;
    assert_eq!(leading_run(0, 32, 8, 64, cached), Run::Miss(8));
    assert_eq!(leading_run(8, 24, 8, 64, cached), Run::Hit(16));
    assert_eq!(leading_run(24, 8, 8, 64, cached), Run::Miss(8));
    // A page the read does not cover whole is a miss.
    assert_eq!(leading_run(8, 4, 8, 64, cached), Run::Miss(4));
    assert_eq!(leading_run(8, 12, 8, 64, cached), Run::Hit(8));
    assert_eq!(leading_run(8, 24, 8, 1, cached), Run::Hit(8));
}

#[test]
fn a_write_during_or_after_a_read_makes_it_stale() {
    let (seq, e, n) = epochs_mem(64);
    let ep = Epochs::new(&seq, &e, &n);
    let r1 = ep.read_seq();
    assert!(ep.fresh(0, 8, r1));
    ep.write_begin(0, 8);
    let r2 = ep.read_seq();
    assert!(!ep.fresh(0, 8, r1), "write in flight");
    assert!(!ep.fresh(0, 8, r2), "read overlapping a write in flight");
    ep.write_end(0, 8);
    assert!(!ep.fresh(0, 8, r1));
    assert!(!ep.fresh(0, 8, r2));
    let r3 = ep.read_seq();
    assert!(ep.fresh(0, 8, r3), "read after the write completed");
    assert!(ep.fresh(8, 8, r1), "neighbouring granule untouched");
    // A write as wide as the table touches every bucket.
    ep.write_begin(1 << 20, 64 * 8);
    ep.write_end(1 << 20, 64 * 8);
    assert!(!ep.fresh(8, 8, r3));
}

#[test]
fn read_log_records_forgets_and_replaces() {
    let mem: Vec<LogEntry> = (0..16).map(|_| LogEntry::new()).collect();
    let log = ReadLog::new(&mem);
    let k = LogKey {
        space: 0xffff_8880_0000_1000,
        pos: 7,
    };
    let v = LogValue {
        sector: 64,
        hash: 1,
        read_seq: 2,
    };
    assert_eq!(log.lookup(k), None);
    assert!(log.record(k, v));
    assert_eq!(log.lookup(k), Some(v));
    assert_eq!(log.lookup(LogKey { pos: 8, ..k }), None);
    assert!(log.forget(k));
    assert_eq!(log.lookup(k), None);
    assert!(!log.forget(k));
    assert!(
        !log.record(LogKey { space: 0, pos: 1 }, v),
        "space 0 is no key"
    );
    assert!(log.record(LogKey::sector(64), v));
    assert_eq!(log.lookup(LogKey::sector(64)), Some(v));
}

#[test]
fn slots_hand_over_in_order() {
    let mem: Vec<Slot> = (0..2).map(|_| Slot::new()).collect();
    let s = Slots::new(&mem);
    let a = s.claim(0).unwrap();
    let b = s.claim(0).unwrap();
    assert_ne!(a, b);
    assert_eq!(s.claim(0), None, "all taken: the probe drops the page");
    assert_eq!(s.take(0), None, "nothing ready yet");
    assert!(s.publish(a));
    assert!(!s.publish(a), "published twice");
    assert!(s.abandon(b));
    assert_eq!(s.take(0), Some(a));
    assert!(!s.release(b));
    assert!(s.release(a));
    assert_eq!(s.pending(), 0);
}

#[test]
fn eviction_decisions() {
    let r = LogValue {
        sector: 8,
        hash: 3,
        read_seq: 4,
    };
    use EvictKind::*;
    assert_eq!(
        on_evict(true, Reclaim, true, Some(r), true),
        Evict::Stage(r)
    );
    assert_eq!(on_evict(true, Drop, true, Some(r), true), Evict::Forget);
    assert_eq!(on_evict(false, Drop, true, Some(r), true), Evict::Forget);
    assert_eq!(on_evict(true, Drop, true, None, true), Evict::Ignore);
    assert_eq!(on_evict(true, Reclaim, true, None, true), Evict::Unknown);
    assert_eq!(on_evict(true, Reclaim, true, Some(r), false), Evict::Stale);
    assert_eq!(on_evict(true, Reclaim, false, Some(r), true), Evict::Ignore);
    assert_eq!(on_evict(false, Reclaim, true, Some(r), true), Evict::Ignore);
    assert_eq!(verify(1, 1, true), Verdict::Store);
    assert_eq!(verify(1, 2, true), Verdict::Changed);
    assert_eq!(verify(1, 1, false), Verdict::Stale);
    assert!(admit_on_read(Some(r), 8, true));
    assert!(!admit_on_read(Some(r), 16, true));
    assert!(!admit_on_read(Some(r), 8, false));
    assert!(!admit_on_read(None, 8, true));
}

#[test]
fn forms_and_cap() {
    assert_eq!(store_form(Some(1000), 4096), Form::Compressed(1000));
    assert_eq!(store_form(Some(3072), 4096), Form::Compressed(3072));
    assert_eq!(store_form(Some(3073), 4096), Form::Raw);
    assert_eq!(store_form(None, 4096), Form::Raw);
    assert_eq!(store_form(Some(0), 4096), Form::Raw);
    assert_eq!(cap_bytes(262_144, 4096, 10), 107_374_180);
    assert_eq!(over_cap(90, 20, 100), 10);
    assert_eq!(over_cap(10, 20, 100), 0);
}

#[test]
fn params_parse_and_name_bad_values() {
    let c = Config::DEFAULT;
    let c2 = c.set(Param::Mode, "sync\n").unwrap();
    assert_eq!(c2.mode, Mode::Sync);
    assert_eq!(c2.value(Param::Mode).to_string(), "sync");
    assert!(!c.set(Param::Enabled, "0").unwrap().enabled);
    let e = c.set(Param::Mode, "fast").unwrap_err();
    assert_eq!(e.to_string(), "mode: `fast`: expected async or sync");
    assert!(c.set(Param::MaxPercent, "0").is_err());
    assert!(c
        .set(Param::MaxPercent, &(MAX_PERCENT + 1).to_string())
        .is_err());
    assert_eq!(c.set(Param::MaxPercent, "25").unwrap().max_percent, 25);
    let long = "é".repeat(40);
    let e = c.set(Param::Enabled, &long).unwrap_err();
    assert!(e.to_string().len() < 80);
    assert_eq!(c.set(Param::MemLimit, "256K").unwrap().mem_limit, 262_144);
    assert_eq!(c.set(Param::MemLimit, "2g\n").unwrap().mem_limit, 2 << 30);
    assert_eq!(c.set(Param::MemLimit, "0").unwrap().mem_limit, 0);
    for bad in [
        "",
        "K",
        "-1",
        "1.5M",
        "1T",
        "99999999999999999999",
        "18014398509481984K",
    ] {
        assert!(c.set(Param::MemLimit, bad).is_err(), "{bad:?}");
    }
    assert_eq!(effective_cap(262_144, 4096, 10, 0), 107_374_180);
    assert_eq!(effective_cap(262_144, 4096, 10, 1 << 20), 1 << 20);
    for p in [
        Param::Enabled,
        Param::Mode,
        Param::MaxPercent,
        Param::MemLimit,
    ] {
        assert_eq!(Param::from_name(p.name()), Some(p));
        let shown = c.value(p).to_string();
        assert_eq!(c.set(p, &shown).unwrap(), c, "{p} round-trips");
    }
}

#[test]
fn control_files_parse() {
    use zcache_policy::policy::params::{parse_attach, parse_detach};
    assert_eq!(parse_attach("/dev/vda\n"), Ok("/dev/vda"));
    assert!(parse_attach("vda").is_err());
    assert!(parse_attach("/dev/v da").is_err());
    assert!(parse_attach("").is_err());
    assert!(parse_attach(&format!("/{}", "a".repeat(300))).is_err());
    assert_eq!(parse_detach("zcache0\n"), Ok(0));
    assert_eq!(parse_detach("zcache12"), Ok(12));
    assert!(parse_detach("zcache").is_err());
    assert!(parse_detach("zcache-1").is_err());
    assert!(parse_detach("zcache+1").is_err());
    assert!(parse_detach("zram0").is_err());
    assert!(parse_detach("zcache01").is_err());
    assert!(parse_detach("zcache99999999999").is_err());
}
