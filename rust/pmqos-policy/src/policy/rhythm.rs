//! The rhythm of qualifying requests: whether they come at a steady period, and when the next
//! one is due.
//!
//! Periodic lone I/O (a player's or logger's reads, a database's periodic sync) arrives more
//! often than `hold_time`, so a plain hold keeps the floor up without a break, at full clock
//! between requests that each take a fraction of the period. When the requests keep a steady
//! period, the floor can drop after each one and come back just before the next is due: the
//! requests still find the clock high, the time between them is paid at the governor's clock.
//!
//! The period and its jitter are smoothed as TCP smooths a round-trip time (RFC 6298: gains of
//! 1/8 and 1/4), in integers. Arrivals less than [`MIN_GAP_NS`] apart are one event (a fault's
//! read and its readahead); only the gaps between events count.

/// Arrivals closer than this belong to one event.
pub const MIN_GAP_NS: u64 = 1_000_000;

/// Gaps longer than this end a rhythm: the next one starts it again.
pub const MAX_PERIOD_NS: u64 = 10_000_000_000;

/// Gaps it takes before a period is trusted.
pub const STEADY_BEATS: u32 = 6;

/// The smoothed period of the gaps between events and their mean deviation from it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rhythm {
    period_ns: u64,
    jitter_ns: u64,
    beats: u32,
}

/// The last event of a steady rhythm: when it came, the period and the jitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Beat {
    /// When the last event's first request was issued.
    pub event_ns: u64,
    /// The smoothed gap between events.
    pub period_ns: u64,
    /// The smoothed mean deviation of the gaps from the period.
    pub jitter_ns: u64,
}

impl Rhythm {
    /// No gap seen yet.
    pub const NONE: Self = Self {
        period_ns: 0,
        jitter_ns: 0,
        beats: 0,
    };

    /// Takes the gap between two events. A gap beyond [`MAX_PERIOD_NS`] starts over; so does
    /// one more than twice the period or less than half of it: the rhythm broke (a pause, a
    /// request off the rhythm), and averaging such a gap in would take dozens of gaps to wash
    /// out, while starting over takes [`STEADY_BEATS`].
    #[must_use]
    pub fn gap(self, gap_ns: u64) -> Self {
        if gap_ns > MAX_PERIOD_NS {
            return Self::NONE;
        }
        if self.beats == 0
            || gap_ns > self.period_ns.saturating_mul(2)
            || gap_ns.saturating_mul(2) < self.period_ns
        {
            // As RFC 6298 starts: the jitter at half the first sample, so that a few steady
            // gaps are needed before it is small against the period.
            return Self {
                period_ns: gap_ns,
                jitter_ns: gap_ns / 2,
                beats: 1,
            };
        }
        let error = gap_ns.abs_diff(self.period_ns);
        let period = self
            .period_ns
            .saturating_sub(self.period_ns / 8)
            .saturating_add(gap_ns / 8);
        let jitter = self
            .jitter_ns
            .saturating_sub(self.jitter_ns / 4)
            .saturating_add(error / 4);
        Self {
            period_ns: period,
            jitter_ns: jitter,
            beats: self.beats.saturating_add(1),
        }
    }

    /// The smoothed period, if there is one.
    pub const fn period_ns(&self) -> Option<u64> {
        if self.beats == 0 {
            None
        } else {
            Some(self.period_ns)
        }
    }

    /// The smoothed jitter.
    pub const fn jitter_ns(&self) -> u64 {
        self.jitter_ns
    }

    /// Whether the gaps are steady: at least [`STEADY_BEATS`] of them, and a jitter at most an
    /// eighth of the period (gaps spread evenly over half to one and a half periods average a
    /// quarter; their windows would miss a request in three).
    pub fn is_steady(&self) -> bool {
        self.beats >= STEADY_BEATS && self.jitter_ns.saturating_mul(8) <= self.period_ns
    }

    /// The last event, `event_ns`, of this rhythm if it is steady.
    pub fn beat(&self, event_ns: u64) -> Option<Beat> {
        self.is_steady().then_some(Beat {
            event_ns,
            period_ns: self.period_ns,
            jitter_ns: self.jitter_ns,
        })
    }

    /// Packs it into one word for an atomic (microseconds, 28 bits each for the period and
    /// the jitter, 8 for the beats, which saturate there).
    pub fn pack(&self) -> u64 {
        const MASK: u64 = (1 << 28) - 1;
        let period = (self.period_ns / 1_000).min(MASK);
        let jitter = (self.jitter_ns / 1_000).min(MASK);
        let beats = u64::from(self.beats.min(255));
        period.wrapping_shl(36) | jitter.wrapping_shl(8) | beats
    }

    /// The rhythm [`Rhythm::pack`] packed (to the microsecond).
    pub fn unpack(word: u64) -> Self {
        const MASK: u64 = (1 << 28) - 1;
        Self {
            period_ns: (word.wrapping_shr(36) & MASK).saturating_mul(1_000),
            jitter_ns: (word.wrapping_shr(8) & MASK).saturating_mul(1_000),
            beats: u32::try_from(word & 0xff).unwrap_or(0),
        }
    }
}

impl Beat {
    /// The window around the next event for a floor raised `lead_ns` ahead: from `lead_ns`
    /// plus twice the jitter before the event's due time to as long after it, or a quarter of
    /// the period after it if that is longer. A late request costs a read at a low clock; the
    /// longer tail costs only while a request is late, since the floor drops soon after it.
    pub fn window(&self, lead_ns: u64) -> (u64, u64) {
        let due = self.event_ns.saturating_add(self.period_ns);
        let half = self.half(lead_ns);
        let tail = half.max(self.period_ns / 4);
        (due.saturating_sub(half), due.saturating_add(tail))
    }

    /// Lead before a due request, and the floor's stay after one: `lead_ns` plus twice the
    /// jitter.
    pub fn half(&self, lead_ns: u64) -> u64 {
        lead_ns.saturating_add(self.jitter_ns.saturating_mul(2))
    }
}
