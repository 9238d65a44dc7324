//! Parsing and showing the sysfs values, and the configuration's rules.

use pmqos_policy::policy::params::{
    parse_bool, parse_duration, parse_freq, parse_u32, parse_u64, ErrorKind, Param, ParamError,
    Value,
};
use pmqos_policy::policy::{Config, MAX_HOLD_NS};

const MS: u64 = 1_000_000;

fn err(param: Param, kind: ErrorKind, token: &str) -> ParamError<'_> {
    ParamError { param, kind, token }
}

#[test]
fn numbers() {
    assert_eq!(parse_u64("42\n"), Ok(42));
    assert_eq!(parse_u64("+7"), Ok(7));
    assert_eq!(parse_u64("18446744073709551615"), Ok(u64::MAX));
    assert_eq!(parse_u64("18446744073709551616"), Err(ErrorKind::Overflow));
    assert_eq!(parse_u32("4294967296"), Err(ErrorKind::Overflow));
    for bad in ["-1", "0x10", " 1", "1 ", "1\n\n", "1a", "+", "++1", "１"] {
        assert_eq!(parse_u64(bad), Err(ErrorKind::NotANumber), "{bad:?}");
    }
    assert_eq!(parse_u64(""), Err(ErrorKind::Empty));
    assert_eq!(parse_u64("\n"), Err(ErrorKind::Empty));
}

#[test]
fn booleans() {
    for on in ["1", "y", "Y", "yes", "on\n", "ON"] {
        assert_eq!(parse_bool(on), Ok(true), "{on:?}");
    }
    for off in ["0", "n", "No", "off"] {
        assert_eq!(parse_bool(off), Ok(false), "{off:?}");
    }
    for bad in ["2", "true", "yess", "o", " 1"] {
        assert_eq!(parse_bool(bad), Err(ErrorKind::NotABool), "{bad:?}");
    }
}

#[test]
fn durations_take_units_and_default_to_ms() {
    assert_eq!(parse_duration("50\n"), Ok(50 * MS));
    assert_eq!(parse_duration("50ms"), Ok(50 * MS));
    assert_eq!(parse_duration("1500us"), Ok(1_500_000));
    assert_eq!(parse_duration("7ns"), Ok(7));
    assert_eq!(parse_duration("2s"), Ok(2_000 * MS));
    assert_eq!(parse_duration("5min"), Err(ErrorKind::UnknownUnit));
    assert_eq!(parse_duration("5MS"), Err(ErrorKind::UnknownUnit));
    assert_eq!(parse_duration("5 ms"), Err(ErrorKind::NotANumber));
    assert_eq!(parse_duration("1.5ms"), Err(ErrorKind::NotANumber));
    assert_eq!(parse_duration("ms"), Err(ErrorKind::NotANumber));
    assert_eq!(parse_duration("18446744073710ms"), Err(ErrorKind::Overflow));
}

#[test]
fn frequencies_take_units_and_default_to_hz() {
    assert_eq!(parse_freq("300000000"), Ok(300_000_000));
    assert_eq!(parse_freq("300MHz\n"), Ok(300_000_000));
    assert_eq!(parse_freq("300mhz"), Ok(300_000_000));
    assert_eq!(parse_freq("19200kHz"), Ok(19_200_000));
    assert_eq!(parse_freq("2GHz"), Ok(2_000_000_000));
    assert_eq!(parse_freq("5Hz"), Ok(5));
    assert_eq!(parse_freq("5THz"), Err(ErrorKind::UnknownUnit));
    assert_eq!(parse_freq("18446744074GHz"), Err(ErrorKind::Overflow));
}

#[test]
fn values_show_as_they_are_written() {
    let c = Config::DEFAULT;
    let shown: Vec<String> = Param::ALL.iter().map(|&p| c.value(p).to_string()).collect();
    assert_eq!(shown, ["1", "2", "8", "50ms", "5ms", "0", "2ms"]);
    assert_eq!(Value::Time(1_500_000).to_string(), "1500us");
    assert_eq!(Value::Time(2_000_000_000).to_string(), "2s");
    assert_eq!(Value::Time(7).to_string(), "7ns");
    assert_eq!(Value::Time(0).to_string(), "0");
    for p in Param::ALL {
        assert_eq!(Param::from_name(p.name()), Some(p));
    }
    assert_eq!(Param::from_name("hold"), None);
}

#[test]
fn set_changes_one_value() {
    let c = Config::DEFAULT;
    assert_eq!(
        c.set(Param::HoldTime, "100\n"),
        Ok(Config {
            hold_ns: 100 * MS,
            ..c
        })
    );
    assert_eq!(
        c.set(Param::BoostFreq, "150MHz"),
        Ok(Config {
            boost_hz: 150_000_000,
            ..c
        })
    );
    assert_eq!(
        c.set(Param::Enable, "0"),
        Ok(Config {
            enabled: false,
            ..c
        })
    );
    assert_eq!(
        c.set(Param::RateLimit, "0"),
        Ok(Config {
            rate_limit_ns: 0,
            ..c
        })
    );
    assert_eq!(
        c.set(Param::LowDepth, "7"),
        Ok(Config { low_depth: 7, ..c })
    );
}

#[test]
fn set_names_the_bad_value() {
    let c = Config::DEFAULT;
    let cases = [
        (
            Param::LowDepth,
            "abc\n",
            err(Param::LowDepth, ErrorKind::NotANumber, "abc"),
        ),
        (
            Param::LowDepth,
            "",
            err(Param::LowDepth, ErrorKind::Empty, ""),
        ),
        (
            Param::LowDepth,
            "0",
            err(
                Param::LowDepth,
                ErrorKind::OutOfRange {
                    min: 1,
                    max: u64::from(u32::MAX),
                },
                "0",
            ),
        ),
        (
            Param::LowDepth,
            "8",
            err(
                Param::LowDepth,
                ErrorKind::Conflict {
                    other: Param::HighDepth,
                    value: 8,
                },
                "8",
            ),
        ),
        (
            Param::HighDepth,
            "2",
            err(
                Param::HighDepth,
                ErrorKind::Conflict {
                    other: Param::LowDepth,
                    value: 2,
                },
                "2",
            ),
        ),
        (
            Param::HoldTime,
            "0",
            err(
                Param::HoldTime,
                ErrorKind::OutOfRange {
                    min: 1,
                    max: MAX_HOLD_NS,
                },
                "0",
            ),
        ),
        (
            Param::HoldTime,
            "11s",
            err(
                Param::HoldTime,
                ErrorKind::OutOfRange {
                    min: 1,
                    max: MAX_HOLD_NS,
                },
                "11s",
            ),
        ),
        (
            Param::HoldTime,
            "4ms",
            err(
                Param::HoldTime,
                ErrorKind::Conflict {
                    other: Param::RateLimit,
                    value: 5 * MS,
                },
                "4ms",
            ),
        ),
        (
            Param::LeadTime,
            "51",
            err(
                Param::LeadTime,
                ErrorKind::Conflict {
                    other: Param::HoldTime,
                    value: 50 * MS,
                },
                "51",
            ),
        ),
        (
            Param::RateLimit,
            "51",
            err(
                Param::RateLimit,
                ErrorKind::Conflict {
                    other: Param::HoldTime,
                    value: 50 * MS,
                },
                "51",
            ),
        ),
        (
            Param::RateLimit,
            "1h",
            err(Param::RateLimit, ErrorKind::UnknownUnit, "1h"),
        ),
        (
            Param::BoostFreq,
            "99999999999999999999",
            err(
                Param::BoostFreq,
                ErrorKind::Overflow,
                "99999999999999999999",
            ),
        ),
        (
            Param::Enable,
            "maybe",
            err(Param::Enable, ErrorKind::NotABool, "maybe"),
        ),
    ];
    for (param, input, expected) in cases {
        assert_eq!(c.set(param, input), Err(expected), "{param} {input:?}");
    }
}

#[test]
fn errors_read_as_one_log_line() {
    let c = Config::DEFAULT;
    let line = |param, input| c.set(param, input).unwrap_err().to_string();
    assert_eq!(
        line(Param::HoldTime, "5min"),
        "hold_time: `5min`: unknown unit (ns, us, ms, s)"
    );
    assert_eq!(
        line(Param::BoostFreq, "5x"),
        "boost_freq: `5x`: unknown unit (Hz, kHz, MHz, GHz)"
    );
    assert_eq!(
        line(Param::LowDepth, "9"),
        "low_depth: `9`: must be below high_depth (8)"
    );
    assert_eq!(
        line(Param::HighDepth, "1"),
        "high_depth: `1`: must be above low_depth (2)"
    );
    assert_eq!(
        line(Param::RateLimit, "1s"),
        "rate_limit: `1s`: must not exceed hold_time (50ms)"
    );
    assert_eq!(
        line(Param::HoldTime, "1ms"),
        "hold_time: `1ms`: must be at least rate_limit (5ms)"
    );
    assert_eq!(
        line(Param::LeadTime, "51ms"),
        "lead_time: `51ms`: must not exceed hold_time (50ms)"
    );
    assert_eq!(
        line(Param::HoldTime, "0"),
        "hold_time: `0`: out of range (1ns to 10s)"
    );
    assert_eq!(line(Param::Enable, "\n"), "enable: empty write");
    let invalid = Config { low_depth: 0, ..c };
    assert_eq!(
        invalid.validate().unwrap_err().to_string(),
        "low_depth: out of range (1 to 4294967295)"
    );
}

#[test]
fn validate_rules() {
    let c = Config::DEFAULT;
    assert_eq!(c.validate(), Ok(()));
    let bad = |cfg: Config| cfg.validate().map_err(|e| e.param);
    assert_eq!(bad(Config { low_depth: 0, ..c }), Err(Param::LowDepth));
    assert_eq!(bad(Config { high_depth: 2, ..c }), Err(Param::HighDepth));
    assert_eq!(bad(Config { hold_ns: 0, ..c }), Err(Param::HoldTime));
    assert_eq!(
        bad(Config {
            hold_ns: MAX_HOLD_NS + 1,
            ..c
        }),
        Err(Param::HoldTime)
    );
    assert_eq!(
        bad(Config {
            rate_limit_ns: c.hold_ns + 1,
            ..c
        }),
        Err(Param::RateLimit)
    );
    assert_eq!(
        bad(Config {
            rate_limit_ns: c.hold_ns,
            ..c
        }),
        Ok(())
    );
    assert_eq!(
        bad(Config {
            enabled: false,
            boost_hz: u64::MAX,
            high_depth: u32::MAX,
            ..c
        }),
        Ok(())
    );
}
