//! The timer values of RFC 3261 §17 (Table 4 of its appendix A) and the settings they derive from.

/// Settings of a [`TransactionLayer`](super::TransactionLayer): the RFC's base timer values and the
/// seed of the branches and tags it makes up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// T1, the round-trip time estimate (RFC default 500 ms): the first retransmit interval, and
    /// 64·T1 is every transaction timeout.
    pub t1_ms: u64,
    /// T2, the longest retransmit interval of non-INVITE requests and INVITE responses (4 s).
    pub t2_ms: u64,
    /// T4, how long a message may live in the network (5 s): timers I and K over UDP.
    pub t4_ms: u64,
    /// A server INVITE transaction sends 100 Trying this long after the INVITE when the TU has not
    /// responded yet (§17.2.1 says 200 ms); 0 sends it at once.
    pub trying_after_ms: u64,
    /// Seed of [`TransactionLayer::new_branch`](super::TransactionLayer::new_branch) and
    /// [`new_token`](super::TransactionLayer::new_token): two layers with one seed make the same
    /// branches, so a simulated run is reproducible. Give each live process its own.
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config { t1_ms: 500, t2_ms: 4_000, t4_ms: 5_000, trying_after_ms: 200, seed: 0x5eed }
    }
}

/// The timers of §17 and RFC 6026, named as the RFC names them. Reported in
/// [`Event::Timeout`](super::Event::Timeout) and priced by [`Config::duration`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// INVITE request retransmission (client, UDP): T1, doubling without a cap.
    A,
    /// INVITE transaction timeout (client, Calling): 64·T1. It stops at the first provisional
    /// response (§17.1.1.2): from then on the TU's ring timeout and [`cancel`] bound the wait.
    ///
    /// [`cancel`]: super::TransactionLayer::cancel
    B,
    /// Wait for response retransmissions after a non-2xx (client INVITE, Completed): 32 s over
    /// UDP, 0 over a reliable transport.
    D,
    /// Non-INVITE request retransmission (client, UDP): T1 doubling up to T2; T2 once a
    /// provisional came.
    E,
    /// Non-INVITE transaction timeout (client): 64·T1.
    F,
    /// Final response retransmission (server INVITE, UDP): T1 doubling up to T2. The layer also
    /// retransmits a 2xx on this schedule until its ACK comes (the UAS core's duty in §13.3.1.4).
    G,
    /// Wait for the ACK of a non-2xx (server INVITE, Completed): 64·T1.
    H,
    /// Absorb ACK retransmissions (server INVITE, Confirmed): T4 over UDP, 0 reliable.
    I,
    /// Absorb request retransmissions (server non-INVITE, Completed): 64·T1 over UDP, 0 reliable.
    J,
    /// Absorb response retransmissions (client non-INVITE, Completed): T4 over UDP, 0 reliable.
    K,
    /// Absorb INVITE retransmissions after a 2xx (server, Accepted, RFC 6026): 64·T1. When it
    /// fires before the 2xx was acknowledged, the TU hears [`Event::Timeout`](super::Event::Timeout).
    L,
    /// Pass 2xx retransmissions to the TU (client, Accepted, RFC 6026): 64·T1.
    M,
    /// Send 100 Trying if the TU has not responded to an INVITE by then (server, Proceeding).
    Trying,
    /// Give up an INVITE 64·T1 after its CANCEL when no final response came (§9.1).
    Cancel,
}

impl Config {
    /// How long `timer` runs the first time it is set, on a reliable transport (TCP, TLS) or not.
    /// Timers A, E and G double from this value; a zero means the state is left at once.
    pub fn duration(&self, timer: Timer, reliable: bool) -> u64 {
        let t1x64 = self.t1_ms.saturating_mul(64);
        match timer {
            Timer::A | Timer::E | Timer::G => self.t1_ms,
            Timer::B | Timer::F | Timer::H | Timer::L | Timer::M | Timer::Cancel => t1x64,
            Timer::D if reliable => 0,
            Timer::D => 32_000,
            Timer::I | Timer::K if reliable => 0,
            Timer::I | Timer::K => self.t4_ms,
            Timer::J if reliable => 0,
            Timer::J => t1x64,
            Timer::Trying => self.trying_after_ms,
        }
    }
}
