// SPDX-License-Identifier: GPL-2.0

//! The only place that touches C: the glue declared in `shim.h` (device and metadata reads in
//! `io.c`, decompressor wrappers in `decompress.c`, directory emission and `iov_iter` copies
//! in `inode.c`, registration in `super.c`) and the functions C calls back into
//! Rust (`erd_rs_*`). Everything it exports to the rest of the crate is safe.

use core::ffi::c_void;
use core::ptr::NonNull;

use kernel::alloc::{KBox, KVVec};
use kernel::ffi::c_int;
use kernel::prelude::*;

use crate::erofs::FileMap;
use crate::mount::Mount;

mod raw {
    use super::*;

    extern "C" {
        pub(super) fn erd_shim_register() -> c_int;
        pub(super) fn erd_shim_unregister();
        pub(super) fn erd_shim_dev_read(
            sb: *mut c_void,
            pos: u64,
            buf: *mut u8,
            len: usize,
        ) -> c_int;
        pub(super) fn erd_shim_dev_submit(
            sb: *mut c_void,
            pos: u64,
            buf: *mut u8,
            len: usize,
            handle: *mut *mut c_void,
        ) -> c_int;
        pub(super) fn erd_shim_dev_wait(handle: *mut c_void) -> c_int;
        pub(super) fn erd_shim_meta_read(
            sb: *mut c_void,
            mb: *mut MetaBuf,
            pos: u64,
            buf: *mut u8,
            len: usize,
        ) -> c_int;
        pub(super) fn erd_shim_meta_release(mb: *mut MetaBuf);
        pub(super) fn erd_shim_dir_emit(
            dctx: *mut c_void,
            name: *const u8,
            len: u32,
            nid: u64,
            ftype: u8,
            pos: u64,
            next: u64,
        ) -> bool;
        pub(super) fn erd_shim_dir_set_pos(dctx: *mut c_void, pos: u64);
        pub(super) fn erd_shim_count(what: u32);
        pub(super) fn erd_shim_copy_to_iter(buf: *const u8, len: usize, iter: *mut c_void)
            -> usize;
        pub(super) fn erd_shim_iter_is_kernel(iter: *mut c_void) -> bool;
        pub(super) fn erd_shim_dest_map(
            iter: *mut c_void,
            len: usize,
            handle: *mut *mut c_void,
        ) -> *mut u8;
        pub(super) fn erd_shim_dest_unmap(handle: *mut c_void);
        pub(super) fn erd_shim_decompress(
            alg: u32,
            src: *const u8,
            slen: usize,
            dst: *mut u8,
            dlen: usize,
            partial: bool,
            dict_size: u32,
        ) -> c_int;
        pub(super) fn erd_shim_job_start(
            alg: u32,
            src: *const u8,
            slen: usize,
            dst: *mut u8,
            dlen: usize,
            partial: bool,
            dict_size: u32,
        ) -> *mut c_void;
        pub(super) fn erd_shim_job_finish(job: *mut c_void) -> c_int;
        pub(super) fn erd_shim_reader_begin();
        pub(super) fn erd_shim_reader_end();
    }
}

/// Registers the `erofs_dio` filesystem type.
pub(crate) fn register() -> Result {
    // SAFETY: called once from module init.
    let ret = unsafe { raw::erd_shim_register() };
    if ret < 0 {
        return Err(Error::from_errno(ret));
    }
    Ok(())
}

/// Unregisters the filesystem type (no mount can exist: each one holds a module reference).
pub(crate) fn unregister() {
    // SAFETY: called once from module exit, after a successful `register`.
    unsafe { raw::erd_shim_unregister() }
}

/// Inode fields for the glue; mirrors `struct erd_stat` in shim.h.
#[repr(C)]
pub(crate) struct Stat {
    pub(crate) size: u64,
    pub(crate) mtime: u64,
    pub(crate) blocks: u64,
    pub(crate) mtime_nsec: u32,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) nlink: u32,
    pub(crate) rdev: u32,
    pub(crate) mode: u16,
    pub(crate) pad: u16,
}

/// A mounted `struct super_block`, used only for its block device.
#[derive(Clone, Copy)]
pub(crate) struct SuperBlock(NonNull<c_void>);

// SAFETY: the super block outlives its mount (the `Mount` is freed in `kill_sb` after
// `kill_block_super`), and device reads may be issued from any thread.
unsafe impl Send for SuperBlock {}
// SAFETY: as above; reads share nothing but the block device, which is thread-safe.
unsafe impl Sync for SuperBlock {}

impl SuperBlock {
    /// Fills `buf` from the device at byte `pos`: bios into `buf`'s own pages when `pos`, the
    /// length and `buf` are aligned to logical blocks, else into bounce pages.
    pub(crate) fn dev_read(&self, pos: u64, buf: &mut [u8]) -> Result {
        // SAFETY: the super block is live (see the `Send` impl) and `buf` is valid for writes
        // of `buf.len()` bytes, ours alone until the call returns, after the bios into it end.
        let ret =
            unsafe { raw::erd_shim_dev_read(self.0.as_ptr(), pos, buf.as_mut_ptr(), buf.len()) };
        if ret < 0 {
            return Err(Error::from_errno(ret));
        }
        Ok(())
    }

    /// Starts filling the first `len` bytes of `buf` from the device at byte `pos` and
    /// returns at once; the buffer comes back from [`PendingRead::wait`]. Only for a read
    /// whose bios can land in `buf` itself: otherwise, or without memory, or when `len` is
    /// beyond `buf`, nothing is started and `buf` is given back.
    pub(crate) fn dev_submit(
        &self,
        pos: u64,
        mut buf: KVVec<u8>,
        len: usize,
    ) -> core::result::Result<PendingRead, KVVec<u8>> {
        if len > buf.len() {
            return Err(buf);
        }
        let mut handle = core::ptr::null_mut();
        // SAFETY: the super block is live (see the `Send` impl); `buf` is valid for writes of
        // `len` bytes and moves into the returned `PendingRead`, which waits for the bios
        // before it gives `buf` back or drops it.
        let ret = unsafe {
            raw::erd_shim_dev_submit(self.0.as_ptr(), pos, buf.as_mut_ptr(), len, &mut handle)
        };
        match NonNull::new(handle) {
            Some(handle) if ret == 0 => Ok(PendingRead {
                handle: Some(handle),
                buf,
            }),
            _ => Err(buf),
        }
    }

    /// Fills `buf` from the device at byte `pos` through the block device's page cache,
    /// keeping the last page read in `mb` for the next call.
    pub(crate) fn meta_read(&self, mb: &mut MetaBuf, pos: u64, buf: &mut [u8]) -> Result {
        // SAFETY: the super block is live (see the `Send` impl); `mb` is a `MetaBuf` of this
        // super block's device (`Meta` pairs them); `buf` is valid for writes of `buf.len()`
        // bytes, and the glue only copies into it.
        let ret = unsafe {
            raw::erd_shim_meta_read(self.0.as_ptr(), mb, pos, buf.as_mut_ptr(), buf.len())
        };
        if ret < 0 {
            return Err(Error::from_errno(ret));
        }
        Ok(())
    }
}

/// A device read in flight into a buffer it owns (from [`SuperBlock::dev_submit`]). Dropping
/// it waits for the read, so the device never writes into memory that was freed or reused.
pub(crate) struct PendingRead {
    handle: Option<NonNull<c_void>>,
    buf: KVVec<u8>,
}

impl PendingRead {
    /// Waits for the read; returns the buffer and whether the device read it.
    pub(crate) fn wait(mut self) -> (KVVec<u8>, Result) {
        let res = self.finish();
        (core::mem::replace(&mut self.buf, KVVec::new()), res)
    }

    fn finish(&mut self) -> Result {
        let Some(handle) = self.handle.take() else {
            return Ok(());
        };
        // SAFETY: `handle` came from `erd_shim_dev_submit` and is waited for once (taken).
        let ret = unsafe { raw::erd_shim_dev_wait(handle.as_ptr()) };
        if ret < 0 {
            return Err(Error::from_errno(ret));
        }
        Ok(())
    }
}

impl Drop for PendingRead {
    fn drop(&mut self) {
        // Nothing to report to: the caller dropped the read unused.
        let _ = self.finish();
    }
}

/// A reference to one page of a block device's page cache, held between metadata reads;
/// `struct erd_metabuf` in shim.h. Dropping it puts the page.
#[repr(C)]
pub(crate) struct MetaBuf {
    page: *mut c_void,
    index: core::ffi::c_ulong,
}

impl MetaBuf {
    /// Holds no page.
    pub(crate) const fn new() -> Self {
        Self {
            page: core::ptr::null_mut(),
            index: 0,
        }
    }
}

impl Drop for MetaBuf {
    fn drop(&mut self) {
        // SAFETY: `page` is null or a reference the glue took and this buffer owns.
        unsafe { raw::erd_shim_meta_release(self) }
    }
}

/// What the debugfs counters of `stats.c` count; mirrors `enum erd_count` in shim.h.
#[derive(Clone, Copy)]
#[repr(u32)]
pub(crate) enum Event {
    /// A decoded pcluster served by a mount's cache (`cache_hits`).
    CacheHit = 0,
    /// An extent decoded straight into a read's mapped destination (`mapped_decodes`).
    MappedDecode = 1,
    /// A run of pclusters read ahead and then decoded (`ahead_used`).
    AheadUsed = 2,
    /// Decoded bytes copied once into a read's pinned and mapped user pages (`mapped_copies`).
    MappedCopy = 3,
}

/// A request in progress, counted while it lives: with as many as CPUs, every CPU already
/// decodes and [`Handed::start`] hands nothing to a worker.
pub(crate) struct Active(());

impl Active {
    pub(crate) fn new() -> Self {
        // SAFETY: increments a global atomic counter; callable from any context.
        unsafe { raw::erd_shim_reader_begin() };
        Self(())
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        // SAFETY: decrements what `Active::new` incremented, once.
        unsafe { raw::erd_shim_reader_end() };
    }
}

/// Counts `event`.
pub(crate) fn count(event: Event) {
    // SAFETY: increments a global atomic counter; callable from any context.
    unsafe { raw::erd_shim_count(event as u32) }
}

/// A `struct dir_context` of one `iterate_shared` call.
pub(crate) struct DirEmitter(*mut c_void);

impl DirEmitter {
    /// Emits one entry at position `pos`; the position becomes `next` if it was taken.
    /// Returns false when the caller's buffer is full.
    pub(crate) fn emit(&mut self, name: &[u8], nid: u64, ftype: u8, pos: u64, next: u64) -> bool {
        // SAFETY: the context is live for this `iterate_shared` call; `name` is valid for
        // `name.len()` bytes (at most 255, checked by `DirBlock::entry`).
        unsafe {
            raw::erd_shim_dir_emit(
                self.0,
                name.as_ptr(),
                name.len() as u32,
                nid,
                ftype,
                pos,
                next,
            )
        }
    }

    /// Sets the position (at the end of the directory).
    pub(crate) fn set_pos(&mut self, pos: u64) {
        // SAFETY: the context is live for this `iterate_shared` call.
        unsafe { raw::erd_shim_dir_set_pos(self.0, pos) }
    }
}

/// The kernel decompressors of `decompress.c`; mirrors `enum erd_alg` in shim.h.
#[derive(Clone, Copy)]
#[repr(u32)]
pub(crate) enum Codec {
    /// An LZ4 block.
    Lz4 = 0,
    /// A zstd frame.
    Zstd = 1,
    /// A raw DEFLATE stream.
    Deflate = 2,
    /// A MicroLZMA stream.
    Lzma = 3,
}

/// Decodes `src` into `dst` with `codec`: exactly `dst.len()` bytes, or (partial) the first
/// ones; `dict_size` is MicroLZMA's dictionary. Returns the bytes written or a negative errno.
pub(crate) fn decompress(
    codec: Codec,
    src: &[u8],
    dst: &mut [u8],
    partial: bool,
    dict_size: u32,
) -> core::result::Result<usize, c_int> {
    // SAFETY: `dst` is valid for writes of its length and does not overlap `src`.
    unsafe { decompress_raw(codec, src, dst.as_mut_ptr(), dst.len(), partial, dict_size) }
}

/// [`decompress`] into a mapped destination: the decoder writes the caller's memory through
/// raw pointers only, never a Rust reference to it (another thread of the caller may touch it).
pub(crate) fn decompress_into(
    codec: Codec,
    src: &[u8],
    dst: &Dest,
    partial: bool,
    dict_size: u32,
) -> core::result::Result<usize, c_int> {
    // SAFETY: `dst` maps `dst.len` writable bytes while it lives; our own buffers never
    // overlap a caller's memory.
    unsafe { decompress_raw(codec, src, dst.ptr.as_ptr(), dst.len, partial, dict_size) }
}

/// # Safety
///
/// `dst` is valid for writes of `dlen` bytes and does not overlap `src`.
unsafe fn decompress_raw(
    codec: Codec,
    src: &[u8],
    dst: *mut u8,
    dlen: usize,
    partial: bool,
    dict_size: u32,
) -> core::result::Result<usize, c_int> {
    // SAFETY: the decoder reads `slen` bytes at `src` (a valid slice) and writes at most
    // `dlen` bytes at `dst` (the caller's contract).
    let ret = unsafe {
        raw::erd_shim_decompress(
            codec as u32,
            src.as_ptr(),
            src.len(),
            dst,
            dlen,
            partial,
            dict_size,
        )
    };
    usize::try_from(ret).map_err(|_| ret)
}

/// The next bytes of a read's destination mapped as one kernel range (`dest.c`): the caller's
/// pinned pages, or a readahead window's folios. Unmapped, and user pages released dirty, when
/// dropped.
pub(crate) struct Dest {
    ptr: NonNull<u8>,
    len: usize,
    handle: NonNull<c_void>,
}

impl Dest {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Writes all of `src`, which must be as long as the destination.
    pub(crate) fn write(&mut self, src: &[u8]) -> Result {
        if src.len() != self.len {
            return Err(EINVAL);
        }
        // SAFETY: `ptr` maps `len` writable bytes of pinned pages until `self` is dropped, so
        // the copy cannot fault; `src` is kernel memory of the engine or the mount's cache,
        // never one of those pages.
        unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), self.ptr.as_ptr(), self.len) };
        Ok(())
    }
}

impl Drop for Dest {
    fn drop(&mut self) {
        // SAFETY: `handle` came from `erd_shim_dest_map` and is released once, here.
        unsafe { raw::erd_shim_dest_unmap(self.handle.as_ptr()) }
    }
}

/// A decode of one pcluster into its [`Dest`], handed to a kworker (`worker.c`) so that it runs
/// on another CPU while the reader goes on. [`Handed::finish`] (or dropping it) waits for it,
/// or decodes it on the spot when no worker has started it; only then is the destination
/// released.
pub(crate) struct Handed {
    job: NonNull<c_void>,
    dest: Dest,
}

impl Handed {
    /// Hands the decode of `src` into `dest` (as [`decompress_into`]) to a worker; gives
    /// `dest` back when the job cannot be allocated.
    ///
    /// # Safety
    ///
    /// The bytes of `src` stay valid and unchanged until the job is finished or dropped.
    pub(crate) unsafe fn start(
        codec: Codec,
        src: &[u8],
        dest: Dest,
        partial: bool,
        dict_size: u32,
    ) -> core::result::Result<Self, Dest> {
        // SAFETY: `dest` maps `dest.len` writable bytes until it is dropped, which `Handed`
        // does only after the job finished; `src` outlives the job (the caller's contract).
        let job = unsafe {
            raw::erd_shim_job_start(
                codec as u32,
                src.as_ptr(),
                src.len(),
                dest.ptr.as_ptr(),
                dest.len,
                partial,
                dict_size,
            )
        };
        match NonNull::new(job) {
            Some(job) => Ok(Self { job, dest }),
            None => Err(dest),
        }
    }

    /// Waits for the decode (or runs it here): the destination, and the bytes written or a
    /// negative errno.
    pub(crate) fn finish(self) -> (Dest, core::result::Result<usize, c_int>) {
        let me = core::mem::ManuallyDrop::new(self);
        // SAFETY: `job` came from `erd_shim_job_start` and is finished once: `me` is never
        // dropped.
        let ret = unsafe { raw::erd_shim_job_finish(me.job.as_ptr()) };
        // SAFETY: `me.dest` is moved out once and `me` is not used or dropped after it.
        let dest = unsafe { core::ptr::read(&me.dest) };
        (dest, usize::try_from(ret).map_err(|_| ret))
    }
}

impl Drop for Handed {
    fn drop(&mut self) {
        // SAFETY: `job` came from `erd_shim_job_start` and is finished once, here; `dest` is
        // released after it, with the other fields.
        unsafe { raw::erd_shim_job_finish(self.job.as_ptr()) };
    }
}

/// The destination `struct iov_iter` of one read call, and how many bytes it took.
pub(crate) struct IterSink {
    iter: *mut c_void,
    copied: usize,
    kernel: bool,
}

impl IterSink {
    /// # Safety
    ///
    /// `iter` is a live destination iterator, used by nothing else while this sink lives.
    pub(crate) unsafe fn new(iter: *mut c_void) -> Self {
        // SAFETY: by the caller's contract `iter` is a live iterator.
        let kernel = unsafe { raw::erd_shim_iter_is_kernel(iter) };
        Self {
            iter,
            copied: 0,
            kernel,
        }
    }

    /// Whether the destination is kernel pages, which a copy cannot fault on.
    pub(crate) fn is_kernel(&self) -> bool {
        self.kernel
    }

    /// Bytes the destination took.
    pub(crate) fn copied(&self) -> usize {
        self.copied
    }

    /// Copies `chunk` to the destination; EFAULT when it takes less (its memory faulted).
    pub(crate) fn copy(&mut self, chunk: &[u8]) -> Result {
        // SAFETY: `iter` is live (see `new`); `chunk` is valid for its length.
        let n = unsafe { raw::erd_shim_copy_to_iter(chunk.as_ptr(), chunk.len(), self.iter) };
        self.copied += n;
        if n != chunk.len() {
            return Err(EFAULT);
        }
        Ok(())
    }

    /// Maps the next `len` bytes of the destination and moves past them, if they map; the
    /// caller reports them with [`Self::filled`] once written.
    pub(crate) fn map(&mut self, len: usize) -> Option<Dest> {
        let mut handle = core::ptr::null_mut();
        // SAFETY: `iter` is live (see `new`); `handle` is valid for writes.
        let ptr = unsafe { raw::erd_shim_dest_map(self.iter, len, &mut handle) };
        Some(Dest {
            ptr: NonNull::new(ptr)?,
            len,
            handle: NonNull::new(handle)?,
        })
    }

    /// The bytes of a [`Dest`] from [`Self::map`] were written.
    pub(crate) fn filled(&mut self, dest: Dest) {
        self.copied += dest.len;
    }
}

fn errno(e: Error) -> c_int {
    e.to_errno()
}

/// # Safety
///
/// `mnt` must be a pointer returned by `erd_rs_mount` and not yet passed to `erd_rs_unmount`.
unsafe fn mount_ref<'a>(mnt: *mut c_void) -> &'a Mount {
    // SAFETY: by the caller's contract `mnt` is a live `Mount` from `KBox::into_raw`.
    unsafe { &*mnt.cast::<Mount>() }
}

/// # Safety
///
/// `file` must be a pointer stored by `erd_rs_iget` and not yet passed to `erd_rs_file_free`.
unsafe fn file_ref<'a>(file: *mut c_void) -> &'a FileMap {
    // SAFETY: by the caller's contract `file` is a live `FileMap` from `KBox::into_raw`.
    unsafe { &*file.cast::<FileMap>() }
}

/// Opens the image under a new super block; returns the mount, or NULL with `*err` set.
///
/// # Safety
///
/// `sb` is a super block being filled, with its block device open; the pointers are valid.
#[no_mangle]
pub(crate) unsafe extern "C" fn erd_rs_mount(
    sb: *mut c_void,
    err: *mut c_int,
    root_nid: *mut u64,
    blkszbits: *mut u32,
) -> *mut c_void {
    let Some(sb) = NonNull::new(sb) else {
        // SAFETY: `err` is valid for writes (caller contract).
        unsafe { *err = -(crate::erofs::error::EINVAL) };
        return core::ptr::null_mut();
    };
    match Mount::open(SuperBlock(sb)).map_err(|e| -e) {
        Ok(m) => {
            // SAFETY: the out-pointers are valid for writes (caller contract).
            unsafe {
                *root_nid = m.vol.sb.root_nid;
                *blkszbits = u32::from(m.vol.sb.blkszbits);
            }
            // SAFETY: the mount stays where it is until `erd_rs_unmount` drops it in place.
            let m = unsafe { Pin::into_inner_unchecked(m) };
            KBox::into_raw(m).cast()
        }
        Err(e) => {
            // SAFETY: `err` is valid for writes (caller contract).
            unsafe { *err = e };
            core::ptr::null_mut()
        }
    }
}

/// Frees a mount.
///
/// # Safety
///
/// `mnt` comes from `erd_rs_mount`; no inode or reader of the mount is left.
#[no_mangle]
pub(crate) unsafe extern "C" fn erd_rs_unmount(mnt: *mut c_void) {
    // SAFETY: `mnt` came from `KBox::into_raw` in `erd_rs_mount` and is freed once, dropped
    // where it is (never moved).
    drop(unsafe { KBox::from_raw(mnt.cast::<Mount>()) });
}

/// Reads inode `nid`; fills `*st` and stores its mapping state in `*file`.
///
/// # Safety
///
/// `mnt` is a live mount; `st` and `file` are valid for writes.
#[no_mangle]
pub(crate) unsafe extern "C" fn erd_rs_iget(
    mnt: *mut c_void,
    nid: u64,
    st: *mut Stat,
    file: *mut *mut c_void,
) -> c_int {
    // SAFETY: `mnt` is live (caller contract).
    let m = unsafe { mount_ref(mnt) };
    let (stat, map) = match m.iget(nid) {
        Ok(v) => v,
        Err(e) => return errno(e),
    };
    let map = match KBox::new(map, GFP_KERNEL) {
        Ok(b) => b,
        Err(_) => return ENOMEM.to_errno(),
    };
    // SAFETY: both out-pointers are valid for writes (caller contract).
    unsafe {
        st.write(stat);
        *file = KBox::into_raw(map).cast();
    }
    0
}

/// Frees an inode's mapping state (NULL is allowed).
///
/// # Safety
///
/// `file` is NULL or was stored by `erd_rs_iget` and is freed once.
#[no_mangle]
pub(crate) unsafe extern "C" fn erd_rs_file_free(file: *mut c_void) {
    if !file.is_null() {
        // SAFETY: `file` came from `KBox::into_raw` in `erd_rs_iget` (caller contract).
        drop(unsafe { KBox::from_raw(file.cast::<FileMap>()) });
    }
}

/// Looks `name` up in directory `dir`: 0 and `*nid`, -ENOENT, or another negative errno.
///
/// # Safety
///
/// `mnt` and `dir` are live; `name` is valid for `len` bytes; `nid` is valid for writes.
#[no_mangle]
pub(crate) unsafe extern "C" fn erd_rs_lookup(
    mnt: *mut c_void,
    dir: *mut c_void,
    name: *const u8,
    len: u32,
    nid: *mut u64,
) -> c_int {
    // SAFETY: `mnt` and `dir` are live (caller contract).
    let (m, d) = unsafe { (mount_ref(mnt), file_ref(dir)) };
    // SAFETY: `name` is valid for `len` bytes (caller contract).
    let name = unsafe { core::slice::from_raw_parts(name, len as usize) };
    match crate::dir::lookup(m, d, name) {
        Ok(n) => {
            // SAFETY: `nid` is valid for writes (caller contract).
            unsafe { *nid = n };
            0
        }
        Err(e) => errno(e),
    }
}

/// Emits the entries of `dir` from `pos` into the `struct dir_context` `dctx`.
///
/// # Safety
///
/// `mnt` and `dir` are live; `dctx` is the live context of an `iterate_shared` call.
#[no_mangle]
pub(crate) unsafe extern "C" fn erd_rs_readdir(
    mnt: *mut c_void,
    dir: *mut c_void,
    dctx: *mut c_void,
    pos: u64,
) -> c_int {
    // SAFETY: `mnt` and `dir` are live (caller contract).
    let (m, d) = unsafe { (mount_ref(mnt), file_ref(dir)) };
    let mut emitter = DirEmitter(dctx);
    match crate::dir::readdir(m, d, &mut emitter, pos) {
        Ok(()) => 0,
        Err(e) => errno(e),
    }
}

/// Reads up to `len` bytes of `file` at `pos` into the kernel buffer `buf` (the page cache
/// path and symlinks); returns the count or a negative errno.
///
/// # Safety
///
/// `mnt` and `file` are live; `buf` is valid for writes of `len` bytes.
#[no_mangle]
pub(crate) unsafe extern "C" fn erd_rs_read(
    mnt: *mut c_void,
    file: *mut c_void,
    pos: u64,
    buf: *mut u8,
    len: usize,
) -> isize {
    // SAFETY: `mnt` and `file` are live (caller contract).
    let (m, f) = unsafe { (mount_ref(mnt), file_ref(file)) };
    // SAFETY: `buf` is valid for writes of `len` bytes and not otherwise used meanwhile.
    let dst = unsafe { core::slice::from_raw_parts_mut(buf, len) };
    match m.reader().read_into(f, pos, dst) {
        Ok(n) => n as isize,
        Err(e) => errno(e) as isize,
    }
}

/// Where the readahead window `[pos, pos + len)` should end: 0 with `*end` set, or -EINVAL
/// when it should stay as it is.
///
/// # Safety
///
/// `mnt` and `file` are live; `end` is valid for writes.
#[no_mangle]
pub(crate) unsafe extern "C" fn erd_rs_window_end(
    mnt: *mut c_void,
    file: *mut c_void,
    pos: u64,
    len: u64,
    end: *mut u64,
) -> c_int {
    // SAFETY: `mnt` and `file` are live (caller contract).
    let (m, f) = unsafe { (mount_ref(mnt), file_ref(file)) };
    match crate::reader::window_end(m, f, pos, len) {
        Some(e) => {
            // SAFETY: `end` is valid for writes (caller contract).
            unsafe { *end = e };
            0
        }
        None => EINVAL.to_errno(),
    }
}

/// The O_DIRECT read: `len` bytes of `file` at `pos` (already clamped to the file size) into
/// the `struct iov_iter` `iter`, decoded in private buffers; returns the count copied (short
/// on a fault after some progress) or a negative errno.
///
/// # Safety
///
/// `mnt` and `file` are live; `iter` is the live destination iterator of a `read_iter` call.
#[no_mangle]
pub(crate) unsafe extern "C" fn erd_rs_read_iter(
    mnt: *mut c_void,
    file: *mut c_void,
    pos: u64,
    len: usize,
    iter: *mut c_void,
) -> isize {
    // SAFETY: `mnt` and `file` are live (caller contract).
    let (m, f) = unsafe { (mount_ref(mnt), file_ref(file)) };
    // SAFETY: `iter` is live for this call and used only through the sink.
    let mut sink = unsafe { IterSink::new(iter) };
    let result = m.reader().read(f, pos, len as u64, &mut sink);
    let copied = sink.copied();
    match result {
        Ok(_) => copied as isize,
        Err(_) if copied > 0 => copied as isize,
        Err(e) => errno(e) as isize,
    }
}
