// SPDX-License-Identifier: GPL-2.0

//! The attached disks, by name: `attach` and `detach` (`/sys/kernel/blk_pmqos/`), reaping disks
//! that went away, and detaching everything at unload.
//!
//! The registry's lock is never taken by a device's own callbacks (probes, samples, the work
//! item, its sysfs files, its bus notifiers), so detaching under it can wait for all of them.

use core::fmt::Write;

use kernel::prelude::*;
use kernel::str::CString;
use kernel::sync::{new_mutex, Mutex};

use crate::device::Device;
use crate::ffi::{Devfreq, Dir, Disk, Watch};
use crate::sysfs::Out;

/// The longest name or path accepted.
const MAX_NAME: usize = 255;

/// One attached disk. Dropping it detaches: the watch, the directory, then everything the
/// device reaches.
struct Entry {
    watch: Option<Watch>,
    dir: Option<Dir>,
    dev: Pin<KBox<Device>>,
}

impl Drop for Entry {
    fn drop(&mut self) {
        drop(self.watch.take());
        drop(self.dir.take());
        self.dev.stop();
    }
}

#[pin_data]
pub(crate) struct Registry {
    /// Slots; a detached disk leaves `None` for the next attach.
    #[pin]
    entries: Mutex<KVec<Option<Entry>>>,
}

/// The name written to `attach` or `detach`: one token, an optional final newline.
fn parse_name(input: &[u8]) -> Result<&str> {
    let input = input.strip_suffix(b"\n").unwrap_or(input);
    match core::str::from_utf8(input) {
        Ok(name)
            if !name.is_empty()
                && name.len() <= MAX_NAME
                && !name
                    .bytes()
                    .any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) =>
        {
            Ok(name)
        }
        _ => {
            pr_err!("attach/detach: expected one disk name\n");
            Err(EINVAL)
        }
    }
}

impl Registry {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            entries <- new_mutex!(KVec::new(), "blk_pmqos::Registry::entries"),
        })
    }

    /// Attaches the disk `input` names (`sda`, or a path such as `/dev/block/sda`): finds the
    /// devfreq device above it, adds an empty PM-QoS request and starts watching its requests.
    /// A disk with no devfreq is refused with `ENODEV` and one log line.
    pub(crate) fn attach(&self, input: &[u8]) -> Result {
        let name = parse_name(input)?;
        let cname = CString::try_from_fmt(format_args!("{}", name))?;
        let disk = Disk::get(&cname).inspect_err(|e| {
            pr_err!("attach: {}: no such disk (error {})\n", name, e.to_errno());
        })?;
        let mut entries = self.entries.lock();
        // A disk that went away and came back under its name replaces its old entry.
        reap_locked(&mut entries);
        let disk_name = CString::try_from_fmt(format_args!("{}", disk.name()))?;
        if find(&entries, &disk_name).is_some() {
            pr_err!("attach: {}: already attached\n", &*disk_name);
            return Err(EBUSY);
        }
        let Some(devfreq) = Devfreq::find(&disk) else {
            pr_err!(
                "attach: {}: no devfreq device above the disk, not attached\n",
                &*disk_name
            );
            return Err(ENODEV);
        };
        let (dev, watch) = Device::new(disk, &devfreq)?;
        drop(devfreq);
        let mut entry = Entry {
            watch: Some(watch),
            dir: None,
            dev,
        };
        // SAFETY: the device is pinned in the entry, which drops the directory before it.
        entry.dir = Some(unsafe { Dir::add(&entry.dev.name, &entry.dev) }?);
        {
            let st = entry.dev.state.lock();
            pr_info!(
                "{}: attached to {} ({}), floor {} Hz\n",
                &*entry.dev.name,
                &*entry.dev.devfreq_name,
                st.observer.as_ref().map_or("stopped", |o| o.source()),
                st.policy.target_hz()
            );
        }
        match entries.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => *slot = Some(entry),
            None => entries.push(Some(entry), GFP_KERNEL)?,
        }
        Ok(())
    }

    /// Detaches the disk `input` names (as its directory is named): the floor is dropped.
    pub(crate) fn detach(&self, input: &[u8]) -> Result {
        let name = parse_name(input)?;
        let cname = CString::try_from_fmt(format_args!("{}", name))?;
        let mut entries = self.entries.lock();
        let Some(i) = find(&entries, &cname) else {
            pr_err!("detach: {}: not attached\n", name);
            return Err(ENOENT);
        };
        if let Some(slot) = entries.get_mut(i) {
            if let Some(entry) = slot.take() {
                pr_info!("{}: detached\n", &*entry.dev.name);
                drop(entry);
            }
        }
        Ok(())
    }

    /// The attached disks, one name a line.
    pub(crate) fn list(&self, buf: &mut [u8]) -> usize {
        let mut out = Out::new(buf);
        for entry in self.entries.lock().iter().flatten() {
            let _ = writeln!(out, "{}", &*entry.dev.name);
        }
        out.len
    }

    /// Detaches the disks that went away (the reap work, after a bus notifier).
    pub(crate) fn reap(&self) {
        reap_locked(&mut self.entries.lock());
    }

    /// Detaches everything (module unload).
    pub(crate) fn detach_all(&self) {
        for slot in self.entries.lock().iter_mut() {
            drop(slot.take());
        }
    }
}

fn find(entries: &KVec<Option<Entry>>, name: &CString) -> Option<usize> {
    entries.iter().position(|slot| {
        slot.as_ref()
            .is_some_and(|e| e.dev.name.as_bytes() == name.as_bytes())
    })
}

fn reap_locked(entries: &mut KVec<Option<Entry>>) {
    for slot in entries.iter_mut() {
        if slot.as_ref().is_some_and(|e| e.dev.is_gone()) {
            if let Some(entry) = slot.take() {
                pr_info!("{}: disk went away, detached\n", &*entry.dev.name);
                drop(entry);
            }
        }
    }
}
