// SPDX-License-Identifier: GPL-2.0

//! Compression streams: for each configured algorithm, one context per online CPU with its
//! output buffer, handed out one writer at a time. A writer that finds none free waits.

use kernel::new_condvar;
use kernel::new_spinlock;
use kernel::prelude::*;
use kernel::sync::{CondVar, SpinLock};

use crate::ffi::{Codec, CodecKind};

/// Output room: twice a page, so an expanding compressor never overruns.
pub(crate) const BUF_LEN: usize = 2 * kernel::page::PAGE_SIZE;

pub(crate) struct Stream {
    pub(crate) codec: Codec,
    pub(crate) buf: KVec<u8>,
}

#[pin_data]
pub(crate) struct Streams {
    /// One entry per stream; `None` while the stream is handed out.
    #[pin]
    free: SpinLock<KVec<Option<KBox<Stream>>>>,
    #[pin]
    wait: CondVar,
}

/// A stream taken from its pool; it goes back on drop.
pub(crate) struct StreamGuard<'a> {
    pool: &'a Streams,
    stream: Option<KBox<Stream>>,
}

impl Streams {
    /// `count` streams of `kind` at `level`.
    pub(crate) fn new(kind: CodecKind, level: i32, count: usize) -> Result<Pin<KBox<Self>>> {
        let mut free = KVec::with_capacity(count, GFP_KERNEL)?;
        for _ in 0..count {
            let buf = KVec::from_elem(0u8, BUF_LEN, GFP_KERNEL)?;
            let stream = KBox::new(
                Stream {
                    codec: Codec::new(kind, level)?,
                    buf,
                },
                GFP_KERNEL,
            )?;
            free.push(Some(stream), GFP_KERNEL)?;
        }
        KBox::pin_init(
            pin_init!(Self {
                free <- new_spinlock!(free, "zmc:streams"),
                wait <- new_condvar!("zmc:streams_wait"),
            }),
            GFP_KERNEL,
        )
    }

    /// Takes a free stream, waiting for one if all are busy.
    pub(crate) fn get(&self) -> StreamGuard<'_> {
        let mut free = self.free.lock();
        loop {
            if let Some(stream) = free.iter_mut().find_map(|s| s.take()) {
                return StreamGuard {
                    pool: self,
                    stream: Some(stream),
                };
            }
            self.wait.wait(&mut free);
        }
    }
}

impl StreamGuard<'_> {
    pub(crate) fn stream(&mut self) -> Option<&mut Stream> {
        self.stream.as_deref_mut()
    }
}

impl Drop for StreamGuard<'_> {
    fn drop(&mut self) {
        if let Some(stream) = self.stream.take() {
            let mut free = self.pool.free.lock();
            // The entry this stream came from is empty, so there is always a place.
            if let Some(place) = free.iter_mut().find(|s| s.is_none()) {
                *place = Some(stream);
            }
            drop(free);
            self.pool.wait.notify_one();
        }
    }
}
