// SPDX-License-Identifier: GPL-2.0

//! A disk's files in `/sys/block/zcacheN/zcache/` (C lists them in sysfs.c and passes the
//! name): the knobs, parsed by the policy crate, and the counters.
//!
//! A bad write returns `EINVAL` and logs one line naming the file and the value, such as
//! ``zcache0: mode: `fast`: expected async or sync``.

use core::fmt::Write;
use core::sync::atomic::Ordering::Relaxed;

use kernel::page::PAGE_SIZE;
use kernel::prelude::*;

use crate::cache::Cache;
use crate::policy::params::Param;

/// Writes formatted text into sysfs's page buffer, truncating at its end.
struct Out<'a> {
    buf: &'a mut [u8],
    len: usize,
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

impl Cache {
    /// Shows the file `name`: a knob as the policy crate shows it (accepted back), `source`
    /// (`tracepoint` or `second-read`), `lower`, the sizes, or a counter.
    pub(crate) fn show(&self, name: &[u8], buf: &mut [u8]) -> Result<usize> {
        let name = core::str::from_utf8(name).map_err(|_| EINVAL)?;
        let mut out = Out { buf, len: 0 };
        let shown = if let Some(p) = Param::from_name(name) {
            let cfg = *self.cfg.lock();
            writeln!(out, "{}", cfg.value(p))
        } else if let Some(v) = self.stats.by_name(name) {
            writeln!(out, "{}", v)
        } else {
            match name {
                "source" => writeln!(
                    out,
                    "{}",
                    if self.uses_tracepoint() {
                        "tracepoint"
                    } else {
                        "second-read"
                    }
                ),
                "lower" => writeln!(out, "{}", &*self.lower),
                "compressed_bytes" => writeln!(out, "{}", self.index.lock().stored),
                "original_bytes" => writeln!(
                    out,
                    "{}",
                    self.entries.load(Relaxed).saturating_mul(PAGE_SIZE as u64)
                ),
                "pool_bytes" => writeln!(
                    out,
                    "{}",
                    self.pool.pages().saturating_mul(PAGE_SIZE as u64)
                ),
                "entries" => writeln!(out, "{}", self.entries.load(Relaxed)),
                _ => return Err(EINVAL),
            }
        };
        shown.map_err(|_| EINVAL)?;
        Ok(out.len)
    }

    /// Writes the knob `name`.
    pub(crate) fn store(&self, name: &[u8], input: &[u8]) -> Result {
        let name = core::str::from_utf8(name).map_err(|_| EINVAL)?;
        let param = Param::from_name(name).ok_or(EINVAL)?;
        let Ok(text) = core::str::from_utf8(input) else {
            pr_err!("{}: {}: not text\n", &*self.name, param);
            return Err(EINVAL);
        };
        let mut cfg = self.cfg.lock();
        match cfg.set(param, text) {
            Ok(new) => {
                *cfg = new;
                self.apply(&new);
                Ok(())
            }
            Err(e) => {
                pr_err!("{}: {}\n", &*self.name, e);
                Err(EINVAL)
            }
        }
    }
}
