//! Parsing of the sysfs files, with zram 6.12's formats.

use zmc_policy::policy::params::{
    parse_algorithm_params, parse_comp_policy, parse_idle, parse_mem_limit, parse_recomp_algorithm,
    parse_recompress, AlgorithmParams, ErrorKind, IdleArg, ParamError, RecompAlgorithm,
    RecompressParams,
};
use zmc_policy::policy::{
    AlgoId, AlgoKind, AlgoTable, CompPolicy, PageFeatures, PageFlags, RecompressConfig, Select,
};

const HUGE: u32 = 3264;

fn err(kind: ErrorKind, token: &str) -> ParamError<'_> {
    ParamError { kind, token }
}

#[test]
fn algorithm_params_accepts_zram_inputs() {
    assert_eq!(
        parse_algorithm_params("algo=zstd level=8 dict=/etc/dict\n"),
        Ok(AlgorithmParams {
            algo: Some("zstd"),
            priority: None,
            level: Some(8),
            dict: Some("/etc/dict")
        })
    );
    assert_eq!(
        parse_algorithm_params("  priority=1   level=-5 "),
        Ok(AlgorithmParams {
            priority: Some(AlgoId(1)),
            level: Some(-5),
            ..Default::default()
        })
    );
    assert_eq!(
        parse_algorithm_params("dict=\"/a b/c\""),
        Ok(AlgorithmParams {
            dict: Some("/a b/c"),
            ..Default::default()
        })
    );
    assert_eq!(
        parse_algorithm_params("level=1 level=+2").unwrap().level,
        Some(2),
        "last wins"
    );
    assert_eq!(
        parse_algorithm_params(""),
        Ok(AlgorithmParams::default()),
        "empty resets the primary"
    );
    assert_eq!(
        parse_algorithm_params("level=-2147483648").unwrap().level,
        Some(i32::MIN)
    );
}

#[test]
fn algorithm_params_names_the_bad_token() {
    let cases = [
        (
            "algo=zstd level=abc",
            err(ErrorKind::NotANumber, "level=abc"),
        ),
        (
            "level=2147483648",
            err(ErrorKind::OutOfRange, "level=2147483648"),
        ),
        (
            "level=-2147483649",
            err(ErrorKind::OutOfRange, "level=-2147483649"),
        ),
        ("priority=4", err(ErrorKind::OutOfRange, "priority=4")),
        ("priority=-1", err(ErrorKind::NotANumber, "priority=-1")),
        ("algo=zstd levl=3", err(ErrorKind::UnknownKey, "levl=3")),
        ("algo=", err(ErrorKind::NoValue, "algo=")),
        ("algo", err(ErrorKind::NoValue, "algo")),
        ("level=0x10", err(ErrorKind::NotANumber, "level=0x10")),
    ];
    for (input, expected) in cases {
        assert_eq!(parse_algorithm_params(input), Err(expected), "{input:?}");
    }
}

#[test]
fn algorithm_params_resolve_to_a_slot() {
    let table = AlgoTable::DEFAULT;
    let slot = |input| parse_algorithm_params(input).unwrap().slot(&table);
    assert_eq!(
        slot("algo=zstd priority=3"),
        Ok(AlgoId(1)),
        "algo wins over priority"
    );
    assert_eq!(slot("priority=2"), Ok(AlgoId(2)));
    assert_eq!(slot("level=3"), Ok(AlgoId(0)));
    assert_eq!(
        slot("algo=lz4hc"),
        Err(err(ErrorKind::NotConfigured, "lz4hc"))
    );
}

#[test]
fn recomp_algorithm() {
    assert_eq!(
        parse_recomp_algorithm("algo=zstd\n"),
        Ok(RecompAlgorithm {
            algo: AlgoKind::Zstd,
            priority: AlgoId(1)
        })
    );
    assert_eq!(
        parse_recomp_algorithm("algo=lz4hc priority=2"),
        Ok(RecompAlgorithm {
            algo: AlgoKind::Lz4hc,
            priority: AlgoId(2)
        })
    );
    assert_eq!(
        parse_recomp_algorithm("priority=2\n"),
        Err(err(ErrorKind::MissingKey("algo"), "priority=2"))
    );
    assert_eq!(
        parse_recomp_algorithm("algo=zstd priority=0"),
        Err(err(ErrorKind::OutOfRange, "priority=0"))
    );
    assert_eq!(
        parse_recomp_algorithm("algo=zip"),
        Err(err(ErrorKind::UnknownValue, "algo=zip"))
    );
}

#[test]
fn recompress_accepts_zram_inputs() {
    assert_eq!(
        parse_recompress("", HUGE),
        Ok(RecompressParams {
            select: Select::All,
            ..Default::default()
        })
    );
    assert_eq!(
        parse_recompress(
            "type=huge_idle threshold=3000 max_pages=100 algo=zstd\n",
            HUGE
        ),
        Ok(RecompressParams {
            select: Select::HugeIdle,
            threshold: 3000,
            max_pages: Some(100),
            algo: Some("zstd"),
            priority: None
        })
    );
    assert_eq!(
        parse_recompress("type=idle", HUGE).unwrap().select,
        Select::Idle
    );
    assert_eq!(
        parse_recompress("type=huge", HUGE).unwrap().select,
        Select::Huge
    );
    assert_eq!(
        parse_recompress("priority=0", HUGE).unwrap().priority,
        Some(AlgoId(1)),
        "0 means 1"
    );
}

#[test]
fn recompress_names_the_bad_token() {
    let cases = [
        ("type=cold", err(ErrorKind::UnknownValue, "type=cold")),
        (
            "threshold=3264",
            err(ErrorKind::OutOfRange, "threshold=3264"),
        ),
        ("threshold=-1", err(ErrorKind::NotANumber, "threshold=-1")),
        (
            "threshold=99999999999",
            err(ErrorKind::OutOfRange, "threshold=99999999999"),
        ),
        (
            "max_pages=lots",
            err(ErrorKind::NotANumber, "max_pages=lots"),
        ),
        (
            "max_pages=18446744073709551616",
            err(ErrorKind::OutOfRange, "max_pages=18446744073709551616"),
        ),
        ("priority=4", err(ErrorKind::OutOfRange, "priority=4")),
        (
            "type=idle mode=fast",
            err(ErrorKind::UnknownKey, "mode=fast"),
        ),
        ("type=", err(ErrorKind::NoValue, "type=")),
    ];
    for (input, expected) in cases {
        assert_eq!(parse_recompress(input, HUGE), Err(expected), "{input:?}");
    }
}

#[test]
fn recompress_gives_the_pass_configuration() {
    let mut table = AlgoTable::DEFAULT;
    table.slots[3] = table.slots[1];
    let base = RecompressConfig::BACKGROUND;
    let config = |input| parse_recompress(input, HUGE).unwrap().config(&table, &base);
    let all = config("").unwrap();
    assert_eq!(
        (all.select, all.first, all.last, all.threshold),
        (Select::All, AlgoId(1), AlgoId(3), 0)
    );
    let by_name = config("type=idle algo=zstd threshold=100").unwrap();
    assert_eq!(
        (
            by_name.select,
            by_name.first,
            by_name.last,
            by_name.threshold
        ),
        (Select::Idle, AlgoId(1), AlgoId(1), 100)
    );
    let from_two = config("algo=zstd priority=2").unwrap();
    assert_eq!(
        (from_two.first, from_two.last),
        (AlgoId(3), AlgoId(3)),
        "searched from the priority up"
    );
    let by_slot = config("priority=2").unwrap();
    assert_eq!((by_slot.first, by_slot.last), (AlgoId(2), AlgoId(2)));
    assert_eq!(
        config("algo=lz4"),
        Err(err(ErrorKind::NotConfigured, "lz4")),
        "the primary is no target"
    );
}

#[test]
fn idle() {
    assert_eq!(parse_idle("all\n"), Ok(IdleArg::All));
    assert_eq!(parse_idle("3600"), Ok(IdleArg::OlderThan(3600)));
    assert_eq!(parse_idle("0x10\n"), Ok(IdleArg::OlderThan(16)));
    assert_eq!(parse_idle("010"), Ok(IdleArg::OlderThan(8)));
    assert_eq!(parse_idle("+5"), Ok(IdleArg::OlderThan(5)));
    assert_eq!(parse_idle("al"), Err(err(ErrorKind::NotANumber, "al")));
    assert_eq!(parse_idle("10s"), Err(err(ErrorKind::NotANumber, "10s")));
    assert_eq!(parse_idle("09"), Err(err(ErrorKind::NotANumber, "09")));
    assert_eq!(parse_idle("-1"), Err(err(ErrorKind::NotANumber, "-1")));
    assert_eq!(parse_idle(" \n"), Err(err(ErrorKind::Empty, "")));
}

#[test]
fn idle_marks_like_zram() {
    let page = PageFeatures {
        algo: AlgoId(0),
        stored_len: 100,
        flags: PageFlags::NONE,
        last_access_s: 100,
    };
    assert!(IdleArg::All.marks(&page, 100));
    assert!(!IdleArg::OlderThan(60).marks(&page, 160));
    assert!(IdleArg::OlderThan(60).marks(&page, 161));
    let same = PageFeatures {
        flags: PageFlags::SAME,
        ..page
    };
    assert!(!IdleArg::All.marks(&same, 1000));
}

#[test]
fn mem_limit() {
    assert_eq!(parse_mem_limit("0"), Ok(0));
    assert_eq!(parse_mem_limit("4096\n"), Ok(4096));
    assert_eq!(parse_mem_limit("512K"), Ok(512 << 10));
    assert_eq!(parse_mem_limit("5m"), Ok(5 << 20));
    assert_eq!(parse_mem_limit("1G"), Ok(1 << 30));
    assert_eq!(parse_mem_limit("2T"), Ok(2 << 40));
    assert_eq!(parse_mem_limit("0x10M"), Ok(16 << 20));
    assert_eq!(parse_mem_limit("15E"), Ok(15 << 60));
    assert_eq!(
        parse_mem_limit("16E"),
        Err(err(ErrorKind::OutOfRange, "16E"))
    );
    assert_eq!(parse_mem_limit("G"), Err(err(ErrorKind::NotANumber, "G")));
    assert_eq!(
        parse_mem_limit("1GB"),
        Err(err(ErrorKind::NotANumber, "1GB"))
    );
    assert_eq!(
        parse_mem_limit("1.5G"),
        Err(err(ErrorKind::NotANumber, "1.5G"))
    );
    assert_eq!(parse_mem_limit("-1"), Err(err(ErrorKind::NotANumber, "-1")));
    assert_eq!(parse_mem_limit(""), Err(err(ErrorKind::Empty, "")));
}

#[test]
fn comp_policy() {
    assert_eq!(parse_comp_policy("static\n"), Ok(CompPolicy::Static));
    assert_eq!(parse_comp_policy("adaptive"), Ok(CompPolicy::Adaptive));
    assert_eq!(
        parse_comp_policy("Adaptive"),
        Err(err(ErrorKind::UnknownValue, "Adaptive"))
    );
    assert_eq!(parse_comp_policy("\n"), Err(err(ErrorKind::Empty, "")));
}

#[test]
fn errors_read_well() {
    let shown = |e: ParamError<'_>| e.to_string();
    assert_eq!(
        shown(err(ErrorKind::NotANumber, "level=abc")),
        "`level=abc`: not a number"
    );
    assert_eq!(
        shown(err(ErrorKind::MissingKey("algo"), "priority=2")),
        "`priority=2`: missing `algo=`"
    );
    assert_eq!(shown(err(ErrorKind::Empty, "")), "empty input");
}
