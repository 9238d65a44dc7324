//! What a request is, as far as the policy cares, and the per-request rule.

use core::ops::BitOr;

/// A request's operation and flags, mapped by the module from `rq->cmd_flags`.
///
/// The kind is one of [`Op::READ`], [`Op::WRITE`], [`Op::FLUSH`] and [`Op::DISCARD`] (which
/// also stands for secure erase and write-zeroes); other operations (zone management, driver
/// private) have no kind bit. [`Op::SYNC`], [`Op::FUA`] and [`Op::PREFLUSH`] are `REQ_SYNC`,
/// `REQ_FUA` and `REQ_PREFLUSH`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Op(pub u8);

impl Op {
    /// `REQ_OP_READ`.
    pub const READ: Self = Self(1);
    /// `REQ_OP_WRITE`.
    pub const WRITE: Self = Self(1 << 1);
    /// `REQ_OP_FLUSH`.
    pub const FLUSH: Self = Self(1 << 2);
    /// `REQ_OP_DISCARD`, `REQ_OP_SECURE_ERASE`, `REQ_OP_WRITE_ZEROES`.
    pub const DISCARD: Self = Self(1 << 3);
    /// `REQ_SYNC`.
    pub const SYNC: Self = Self(1 << 4);
    /// `REQ_FUA`.
    pub const FUA: Self = Self(1 << 5);
    /// `REQ_PREFLUSH`.
    pub const PREFLUSH: Self = Self(1 << 6);

    /// No bit set.
    pub const fn empty() -> Self {
        Self(0)
    }

    /// Both sets of bits.
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether someone is probably waiting for this request: a read (page faults and reads
    /// block their task; readahead counts, as a fault's read is readahead), a flush or
    /// preflush (fsync waits for it), or a write marked sync or FUA. Discards never are: they
    /// are maintenance, and a faster clock does not make the device trim faster.
    pub const fn latency_bound(self) -> bool {
        let waited = Self::READ
            .union(Self::FLUSH)
            .union(Self::PREFLUSH)
            .union(Self::SYNC)
            .union(Self::FUA);
        self.0 & Self::DISCARD.0 == 0 && self.0 & waited.0 != 0
    }
}

impl BitOr for Op {
    type Output = Self;

    fn bitor(self, other: Self) -> Self {
        self.union(other)
    }
}

/// The hot-path rule: a request qualifies for a boost when it is latency-bound and was issued
/// at a queue depth (requests in flight, this one included) of at most `low_depth`: a lone
/// request that someone waits for, which the utilisation-driven governor does not see.
pub const fn qualifies(op: Op, depth: u32, low_depth: u32) -> bool {
    depth <= low_depth && op.latency_bound()
}
