// SPDX-License-Identifier: GPL-2.0

//! A device's sysfs files (C lists them in sysfs.c and passes the name): the policy's knobs,
//! parsed and shown by the policy crate, and read-only counters.
//!
//! A bad write returns `EINVAL` and logs one line naming the file and the value, such as
//! ``pmqsim0: hold_time: `5min`: unknown unit (ns, us, ms, s)``.

use core::fmt::Write;

use kernel::prelude::*;

use crate::device::Device;
use crate::ffi;
use crate::policy::params::Param;
use crate::policy::qos_khz;

/// Writes formatted text into sysfs's page buffer, truncating at its end.
pub(crate) struct Out<'a> {
    buf: &'a mut [u8],
    pub(crate) len: usize,
}

impl<'a> Out<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, len: 0 }
    }
}

impl Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = self.buf.len().saturating_sub(self.len);
        let n = s.len().min(room);
        let end = self.len.saturating_add(n);
        if let (Some(dst), Some(src)) = (self.buf.get_mut(self.len..end), s.as_bytes().get(..n)) {
            dst.copy_from_slice(src);
            self.len = end;
        }
        Ok(())
    }
}

impl Device {
    /// Shows the file `name`: a knob as the policy crate shows it (accepted back), or:
    ///
    /// - `requests`, `qualifying`: requests seen and those that qualified for a floor;
    /// - `boosts`, `updates`: floors raised, floor writes (raises, changes, drops);
    /// - `boosted_ms`: time with a floor up; `floor_khz`: the floor now (0: none);
    /// - `depth`: requests in flight as last seen;
    /// - `rhythm`: the smoothed gap between qualifying requests and its jitter in
    ///   microseconds, and whether it is steady (`- - -` before the first gap);
    /// - `source`: `tracepoints` or `sampling` (`stopped` once the disk went away);
    /// - `devfreq`: the devfreq device whose floor is raised.
    pub(crate) fn show(&self, name: &[u8], buf: &mut [u8]) -> Result<usize> {
        let name = core::str::from_utf8(name).map_err(|_| EINVAL)?;
        let mut out = Out::new(buf);
        let st = self.state.lock();
        let (requests, qualifying) = self.hot.counts();
        let counters = st.policy.counters(ffi::now_ns(), requests, qualifying);
        let shown = if let Some(param) = Param::from_name(name) {
            writeln!(out, "{}", st.policy.config().value(param))
        } else {
            match name {
                "requests" => writeln!(out, "{}", counters.requests),
                "qualifying" => writeln!(out, "{}", counters.qualifying),
                "boosts" => writeln!(out, "{}", counters.boosts),
                "updates" => writeln!(out, "{}", counters.updates),
                "boosted_ms" => writeln!(out, "{}", counters.boosted_ns / 1_000_000),
                "floor_khz" => match counters.floor_hz {
                    0 => writeln!(out, "0"),
                    hz => writeln!(out, "{}", qos_khz(hz)),
                },
                "depth" => writeln!(out, "{}", self.hot.depth()),
                "rhythm" => {
                    let r = self.hot.rhythm();
                    match r.period_ns() {
                        Some(p) => writeln!(
                            out,
                            "{} {} {}",
                            p / 1_000,
                            r.jitter_ns() / 1_000,
                            if r.is_steady() { "steady" } else { "unsteady" }
                        ),
                        None => writeln!(out, "- - -"),
                    }
                }
                "source" => writeln!(
                    out,
                    "{}",
                    st.observer.as_ref().map_or("stopped", |o| o.source())
                ),
                "devfreq" => writeln!(out, "{}", &*self.devfreq_name),
                _ => return Err(EINVAL),
            }
        };
        shown.map_err(|_| EINVAL)?;
        Ok(out.len)
    }

    /// Writes the knob `name`; the work applies the new configuration at once.
    pub(crate) fn store(&self, name: &[u8], input: &[u8]) -> Result {
        let name = core::str::from_utf8(name).map_err(|_| EINVAL)?;
        let param = Param::from_name(name).ok_or(EINVAL)?;
        let Ok(text) = core::str::from_utf8(input) else {
            pr_err!("{}: {}: not text\n", &*self.name, param);
            return Err(EINVAL);
        };
        let mut st = self.state.lock();
        let cfg = match st.policy.config().set(param, text) {
            Ok(cfg) => cfg,
            Err(e) => {
                pr_err!("{}: {}\n", &*self.name, e);
                return Err(EINVAL);
            }
        };
        self.reconfigure(&mut st, cfg);
        drop(st);
        self.work.kick();
        Ok(())
    }
}
