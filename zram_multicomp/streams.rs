// SPDX-License-Identifier: GPL-2.0

//! Pools of per-CPU-sized resources, handed out one user at a time (a user that finds none
//! free waits): compression streams, one context per online CPU with its output buffer for each
//! configured algorithm, and the scratch pages a synchronous write copies its request page into.

use kernel::new_condvar;
use kernel::new_spinlock;
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;
use kernel::sync::{CondVar, SpinLock};

use crate::ffi::{Codec, CodecKind};

/// Output room: twice a page, so an expanding compressor never overruns.
pub(crate) const BUF_LEN: usize = 2 * PAGE_SIZE;

pub(crate) struct Stream {
    pub(crate) codec: Codec,
    pub(crate) buf: KVec<u8>,
}

pub(crate) type Streams = Pool<Stream>;
pub(crate) type Pages = Pool<KVec<u8>>;

#[pin_data]
pub(crate) struct Pool<T> {
    /// One entry per item; `None` while the item is handed out.
    #[pin]
    free: SpinLock<KVec<Option<KBox<T>>>>,
    #[pin]
    wait: CondVar,
}

/// An item taken from its pool; it goes back on drop.
pub(crate) struct Guard<'a, T> {
    pool: &'a Pool<T>,
    item: Option<KBox<T>>,
}

impl<T> Pool<T> {
    /// `count` items made by `make`.
    fn new(count: usize, mut make: impl FnMut() -> Result<T>) -> Result<Pin<KBox<Self>>> {
        let mut free = KVec::with_capacity(count, GFP_KERNEL)?;
        for _ in 0..count {
            free.push(Some(KBox::new(make()?, GFP_KERNEL)?), GFP_KERNEL)?;
        }
        KBox::pin_init(
            pin_init!(Self {
                free <- new_spinlock!(free, "zmc:pool"),
                wait <- new_condvar!("zmc:pool_wait"),
            }),
            GFP_KERNEL,
        )
    }

    /// Takes a free item, waiting for one if all are busy.
    pub(crate) fn get(&self) -> Guard<'_, T> {
        let mut free = self.free.lock();
        loop {
            if let Some(item) = free.iter_mut().find_map(|s| s.take()) {
                return Guard {
                    pool: self,
                    item: Some(item),
                };
            }
            self.wait.wait(&mut free);
        }
    }
}

impl Streams {
    /// `count` streams of `kind` at `level`.
    pub(crate) fn streams(kind: CodecKind, level: i32, count: usize) -> Result<Pin<KBox<Self>>> {
        Self::new(count, || {
            Ok(Stream {
                codec: Codec::new(kind, level)?,
                buf: KVec::from_elem(0u8, BUF_LEN, GFP_KERNEL)?,
            })
        })
    }
}

impl Pages {
    /// `count` scratch pages.
    pub(crate) fn pages(count: usize) -> Result<Pin<KBox<Self>>> {
        Self::new(count, || Ok(KVec::from_elem(0u8, PAGE_SIZE, GFP_KERNEL)?))
    }
}

impl<T> Guard<'_, T> {
    pub(crate) fn item(&mut self) -> Option<&mut T> {
        self.item.as_deref_mut()
    }
}

impl<T> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        if let Some(item) = self.item.take() {
            let mut free = self.pool.free.lock();
            // The entry this item came from is empty, so there is always a place.
            if let Some(place) = free.iter_mut().find(|s| s.is_none()) {
                *place = Some(item);
            }
            drop(free);
            self.pool.wait.notify_one();
        }
    }
}
