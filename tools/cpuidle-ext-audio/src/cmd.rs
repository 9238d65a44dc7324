//! The command line and the audio policy's configuration record, apart from libbpf so the
//! host tests reach them.

use std::fmt;

/// The longest wake-up period accepted: a second. Audio periods are milliseconds; a longer
/// one is a unit mistake (seconds or nanoseconds given for microseconds).
pub const MAX_PERIOD_US: u32 = 1_000_000;

pub const USAGE: &str = "\
usage: cpuidle-ext-audio attach OBJ      load OBJ (audio.bpf.o), register its cpuidle_ext_ops
       cpuidle-ext-audio play PERIOD_US  music playing: the audio DSP wakes every PERIOD_US
       cpuidle-ext-audio stop            playback stopped: the policy follows the timers
       cpuidle-ext-audio status          the policy's mode and period, the governor's ops
       cpuidle-ext-audio detach          unregister it: ext's built-in policy decides again
The policy's maps are pinned in /sys/fs/bpf/cpuidle_ext_audio (CPUIDLE_EXT_AUDIO_PIN: another
folder in a BPF file system). The governor must be ext for the policy to decide.";

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Attach(String),
    Play(u32),
    Stop,
    Status,
    Detach,
}

/// A command line that cannot be run, with what is wrong with it.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses the arguments after the program's name.
pub fn parse<S: AsRef<str>>(args: &[S]) -> Result<Command, UsageError> {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    let bad = |what: String| Err(UsageError(what));
    match args.as_slice() {
        ["attach", obj] => Ok(Command::Attach((*obj).to_string())),
        ["play", period] => match period.parse::<u32>() {
            Ok(p) if (1..=MAX_PERIOD_US).contains(&p) => Ok(Command::Play(p)),
            _ => bad(format!(
                "play: period {period:?} is not a number of microseconds from 1 to {MAX_PERIOD_US}"
            )),
        },
        ["stop"] => Ok(Command::Stop),
        ["status"] => Ok(Command::Status),
        ["detach"] => Ok(Command::Detach),
        [] => bad("no command".into()),
        [cmd, ..] if ["attach", "play", "stop", "status", "detach"].contains(cmd) => {
            bad(format!("{cmd}: wrong number of arguments"))
        }
        [cmd, ..] => bad(format!("unknown command {cmd:?}")),
    }
}

/// The policy's mode (`audio_cfg.mode` in audio.bpf.c).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Timers only: the deepest state that fits the next timer.
    Timers,
    /// Music playing: a wake-up is expected within a period whatever the timers say.
    Playing,
    /// The test mode: select returns `garbage` as it is.
    Garbage,
}

/// `struct audio_cfg` of audio.bpf.c: mode, period_us, garbage, pad; native-endian 32-bit
/// fields, as the program reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cfg {
    pub mode: Mode,
    pub period_us: u32,
    pub garbage: i32,
}

pub const CFG_BYTES: usize = 16;

impl Cfg {
    pub fn encode(&self) -> [u8; CFG_BYTES] {
        let mode: u32 = match self.mode {
            Mode::Timers => 0,
            Mode::Playing => 1,
            Mode::Garbage => 2,
        };
        let mut v = [0u8; CFG_BYTES];
        v[0..4].copy_from_slice(&mode.to_ne_bytes());
        v[4..8].copy_from_slice(&self.period_us.to_ne_bytes());
        v[8..12].copy_from_slice(&self.garbage.to_ne_bytes());
        v
    }

    /// The record as the map holds it; an error names what does not fit the policy.
    pub fn decode(v: &[u8]) -> Result<Cfg, String> {
        if v.len() != CFG_BYTES {
            return Err(format!(
                "audio_cfg value has {} bytes, expected {CFG_BYTES}",
                v.len()
            ));
        }
        let word = |i: usize| [v[i], v[i + 1], v[i + 2], v[i + 3]];
        let mode = match u32::from_ne_bytes(word(0)) {
            0 => Mode::Timers,
            1 => Mode::Playing,
            2 => Mode::Garbage,
            m => return Err(format!("audio_cfg mode {m} is none of 0, 1, 2")),
        };
        Ok(Cfg {
            mode,
            period_us: u32::from_ne_bytes(word(4)),
            garbage: i32::from_ne_bytes(word(8)),
        })
    }
}

impl fmt::Display for Cfg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mode {
            Mode::Timers => write!(f, "stopped (timers only)"),
            Mode::Playing => write!(f, "playing, period {} us", self.period_us),
            Mode::Garbage => write!(f, "test: select returns {}", self.garbage),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse() {
        assert_eq!(parse(&["attach", "a.o"]), Ok(Command::Attach("a.o".into())));
        assert_eq!(parse(&["play", "5000"]), Ok(Command::Play(5000)));
        assert_eq!(parse(&["play", "1"]), Ok(Command::Play(1)));
        assert_eq!(
            parse(&["play", "1000000"]),
            Ok(Command::Play(MAX_PERIOD_US))
        );
        assert_eq!(parse(&["stop"]), Ok(Command::Stop));
        assert_eq!(parse(&["status"]), Ok(Command::Status));
        assert_eq!(parse(&["detach"]), Ok(Command::Detach));
    }

    #[test]
    fn bad_command_lines_say_what_is_wrong() {
        let err = |a: &[&str]| parse(a).unwrap_err().0;
        for p in ["0", "1000001", "-5", "5ms", "", "4294967296"] {
            assert!(err(&["play", p]).contains(&format!("{p:?}")), "period {p}");
        }
        assert_eq!(err(&[]), "no command");
        assert_eq!(err(&["play"]), "play: wrong number of arguments");
        assert_eq!(err(&["attach"]), "attach: wrong number of arguments");
        assert_eq!(err(&["stop", "now"]), "stop: wrong number of arguments");
        assert_eq!(err(&["load", "a.o"]), "unknown command \"load\"");
    }

    #[test]
    fn the_record_matches_the_program_layout() {
        let c = Cfg {
            mode: Mode::Playing,
            period_us: 5000,
            garbage: -7,
        };
        let v = c.encode();
        assert_eq!(&v[0..4], &1u32.to_ne_bytes());
        assert_eq!(&v[4..8], &5000u32.to_ne_bytes());
        assert_eq!(&v[8..12], &(-7i32).to_ne_bytes());
        assert_eq!(&v[12..16], &[0; 4]);
        assert_eq!(Cfg::decode(&v), Ok(c));
        for mode in [Mode::Timers, Mode::Garbage] {
            let c = Cfg {
                mode,
                period_us: 0,
                garbage: 0,
            };
            assert_eq!(Cfg::decode(&c.encode()), Ok(c));
        }
    }

    #[test]
    fn a_record_the_policy_would_not_read_is_refused() {
        let mut v = Cfg {
            mode: Mode::Timers,
            period_us: 0,
            garbage: 0,
        }
        .encode();
        v[0..4].copy_from_slice(&3u32.to_ne_bytes());
        assert!(Cfg::decode(&v).unwrap_err().contains("mode 3"));
        assert!(Cfg::decode(&v[..12]).unwrap_err().contains("12 bytes"));
    }
}
