// SPDX-License-Identifier: GPL-2.0

//! One attached disk: the lock-free per-request state ([`Hot`]), the policy's state machine
//! run by a work item, and the PM-QoS request it moves.
//!
//! Locks: `state` serialises the work item, sysfs and teardown; `stop_lock` serialises
//! teardown itself (detach, the disk going away, unload) and is never taken by the work item,
//! so teardown can wait for the work.

use core::sync::atomic::{AtomicBool, Ordering::Relaxed};

use kernel::prelude::*;
use kernel::str::CString;
use kernel::sync::{new_mutex, Mutex};

use crate::ffi::{self, Devfreq, Disk, Freqs, Observer, QosRequest, Watch, Work};
use crate::hot::Hot;
use crate::policy::{floor_hz, qos_khz, Action, Config, Op, Policy};

pub(crate) struct State {
    pub(crate) policy: Policy,
    pub(crate) freqs: Freqs,
    /// The references to the disk and the floor's request are dropped at teardown, before
    /// the driver of a disk that goes away frees it.
    disk: Option<Disk>,
    qos: Option<QosRequest>,
    pub(crate) observer: Option<Observer>,
    /// Teardown ran: the work item does nothing any more.
    stopped: bool,
}

#[pin_data(PinnedDrop)]
pub(crate) struct Device {
    /// The disk's name, and its devfreq device's (the controller's).
    pub(crate) name: CString,
    pub(crate) devfreq_name: CString,
    pub(crate) hot: Hot,
    /// Dropped before `state`: the work reads it.
    pub(crate) work: Work,
    #[pin]
    pub(crate) state: Mutex<State>,
    #[pin]
    stop_lock: Mutex<bool>,
    gone: AtomicBool,
}

impl Device {
    /// Takes the disk, adds an empty PM-QoS request on `devfreq`'s controller and starts
    /// observing the disk's requests. Also returns the watch on the disk's devices, which the
    /// caller drops before the device. No reference to `devfreq` is kept: a devfreq device
    /// outliving its driver would release itself with the driver's memory gone.
    pub(crate) fn new(disk: Disk, devfreq: &Devfreq) -> Result<(Pin<KBox<Self>>, Watch)> {
        let freqs = devfreq.freqs();
        let cfg = Config::DEFAULT;
        let target = floor_hz(cfg.boost_hz, freqs.range, freqs.table());
        let name = CString::try_from_fmt(format_args!("{}", disk.name()))?;
        let devfreq_name = CString::try_from_fmt(format_args!("{}", devfreq.name()))?;
        let work = Work::new()?;
        let state = State {
            policy: Policy::new(cfg, target),
            freqs,
            disk: None,
            qos: Some(QosRequest::add(devfreq)?),
            observer: None,
            stopped: false,
        };
        let dev = KBox::pin_init(
            try_pin_init!(Self {
                name,
                devfreq_name,
                hot: Hot::new(&cfg),
                work,
                state <- new_mutex!(state, "blk_pmqos::Device::state"),
                stop_lock <- new_mutex!(false, "blk_pmqos::Device::stop_lock"),
                gone: AtomicBool::new(false),
            }? Error),
            GFP_KERNEL,
        )?;
        // SAFETY: the device is pinned in its box and owns the work, which it drops (after
        // cancelling it) before it is freed.
        unsafe { dev.work.bind(&dev) };
        // The watch first, with no lock held (its notifiers take the device's locks): if the
        // disk goes away from here on, `stop` runs, and the observer below is never started.
        // SAFETY: the caller drops the watch before the device (see above).
        let watch = unsafe { Watch::start(&disk, devfreq, &dev) }?;
        {
            let mut st = dev.state.lock();
            if st.stopped {
                return Err(ENODEV);
            }
            // SAFETY: `PinnedDrop` stops the observer before the device is freed.
            st.observer = Some(unsafe { Observer::start(&disk, &dev) }?);
            st.disk = Some(disk);
        }
        Ok((dev, watch))
    }

    /// A request was issued (tracepoint). Lock-free.
    pub(crate) fn issue(&self, op: Op, now_ns: u64) {
        if self.hot.issue(op, now_ns) {
            self.work.kick();
        }
    }

    /// A sample found a request issued since the last one, with `depth` in flight. Lock-free.
    pub(crate) fn seen(&self, op: Op, depth: u32, now_ns: u64) {
        if self.hot.seen(op, depth, now_ns) {
            self.work.kick();
        }
    }

    /// The work item: one policy step, its action on the PM-QoS request, and the next run.
    pub(crate) fn run_work(&self) {
        let mut st = self.state.lock();
        if st.stopped {
            return;
        }
        let (last, depth, beat) = self.hot.begin_step();
        let now = ffi::now_ns();
        let decision = st.policy.step_beat(now, last, depth, beat);
        let khz = match decision.action {
            Action::None => None,
            Action::SetFloor(hz) => Some(qos_khz(hz)),
            Action::DropFloor => Some(0),
        };
        if let (Some(khz), Some(qos)) = (khz, st.qos.as_mut()) {
            if let Err(e) = qos.update(khz) {
                pr_warn!(
                    "{}: floor {} kHz not applied: error {}\n",
                    &*self.name,
                    khz,
                    e.to_errno()
                );
            }
        }
        if let Some(next) = decision.next_ns {
            if st.policy.may_skip_requests() {
                self.hot.set_armed();
            }
            self.work.arm(next.saturating_sub(now));
        }
    }

    /// Takes a new configuration (already validated) and lets the work apply it.
    pub(crate) fn reconfigure(&self, st: &mut State, cfg: Config) {
        let target = floor_hz(cfg.boost_hz, st.freqs.range, st.freqs.table());
        st.policy.reconfigure(cfg, target);
        self.hot.configure(&cfg);
    }

    /// Stops everything that reaches the disk or its controller: the observer (no probe or
    /// sample runs after this), the floor and its request, the work. Idempotent; the counters
    /// and the configuration stay readable.
    pub(crate) fn stop(&self) {
        let mut stopped = self.stop_lock.lock();
        if *stopped {
            return;
        }
        *stopped = true;
        let (observer, qos, disk) = {
            let mut st = self.state.lock();
            st.stopped = true;
            st.policy.release(ffi::now_ns());
            (st.observer.take(), st.qos.take(), st.disk.take())
        };
        drop(observer);
        drop(qos);
        drop(disk);
        self.work.cancel();
    }

    /// A device the disk hangs from is going away (before its driver's remove runs): stop
    /// now; the registry detaches the disk later.
    pub(crate) fn gone(&self) {
        self.gone.store(true, Relaxed);
        self.stop();
    }

    pub(crate) fn is_gone(&self) -> bool {
        self.gone.load(Relaxed)
    }
}

#[pinned_drop]
impl PinnedDrop for Device {
    fn drop(self: Pin<&mut Self>) {
        self.stop();
    }
}
