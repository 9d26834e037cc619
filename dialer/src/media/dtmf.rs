//! RFC 4733 telephone-events: DTMF digits carried as RTP payloads, not as tones in the audio.
//!
//! A digit is sent as a run of packets with one RTP timestamp (the start of the event) and a
//! growing duration; the last three carry the end bit. The payload is 4 bytes:
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! |     event     |E|R| volume    |          duration             |
//! ```
//!
//! Dialers need them both ways: to read a called party's key presses (IVR menus, "press 9 to be
//! removed from the list") and to send digits to a far-end IVR.

/// One telephone-event payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// The event code: 0–9 the digits, 10 `*`, 11 `#`, 12–15 `A`–`D`, 16 flash (RFC 4733 §3.2).
    pub event: u8,
    /// The end bit: set on the final packets of the event.
    pub end: bool,
    /// The power level in −dBm0, 0–63 (larger is quieter); 10 is a usual DTMF level.
    pub volume: u8,
    /// The duration so far, in timestamp units (8000 per second), from the packet's timestamp.
    pub duration: u16,
}

/// Why a payload is not a telephone-event.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TelephoneEventError {
    /// Shorter than the 4-byte event block.
    #[error("telephone-event payload of {0} bytes is shorter than the 4-byte event block (RFC 4733 §2.3)")]
    TooShort(usize),
}

/// The event codes of the sixteen DTMF keys, in the order of [`TelephoneEvent::digit`].
const DIGITS: &[u8; 16] = b"0123456789*#ABCD";

impl TelephoneEvent {
    /// Reads the event block at the start of a payload. The reserved bit is ignored, as RFC 4733
    /// asks of receivers; a payload may hold more blocks (§2.5.1.5 lets a sender pack several
    /// events) and only the first is read.
    pub fn parse(payload: &[u8]) -> Result<TelephoneEvent, TelephoneEventError> {
        if payload.len() < 4 {
            return Err(TelephoneEventError::TooShort(payload.len()));
        }
        Ok(TelephoneEvent {
            event: payload[0],
            end: payload[1] & 0x80 != 0,
            volume: payload[1] & 0x3F,
            duration: u16::from_be_bytes([payload[2], payload[3]]),
        })
    }

    /// The 4-byte payload. A volume above 63 is written as 63 (the quietest level the 6-bit
    /// field can say); the reserved bit is zero.
    pub fn to_bytes(&self) -> [u8; 4] {
        let [hi, lo] = self.duration.to_be_bytes();
        [self.event, if self.end { 0x80 } else { 0 } | self.volume.min(63), hi, lo]
    }

    /// The key for a DTMF event (`'0'`–`'9'`, `'*'`, `'#'`, `'A'`–`'D'`), `None` for other
    /// events (flash, the tones of RFC 4734).
    pub fn digit(&self) -> Option<char> {
        DIGITS.get(self.event as usize).map(|&b| b as char)
    }

    /// The event code of a DTMF key (case-insensitive for `A`–`D`).
    pub fn event_for_digit(key: char) -> Option<u8> {
        let key = key.to_ascii_uppercase();
        DIGITS.iter().position(|&b| b as char == key).map(|i| i as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_writes_the_rfc_layout() {
        // Digit 1, end bit, volume 20, duration 1760 (the example of MS-RTPDT and RFC 4733 style).
        let bytes = [0x01, 0x80 | 20, 0x06, 0xE0];
        let ev = TelephoneEvent::parse(&bytes).unwrap();
        assert_eq!(ev, TelephoneEvent { event: 1, end: true, volume: 20, duration: 1760 });
        assert_eq!(ev.to_bytes(), bytes);
        assert_eq!(ev.digit(), Some('1'));
        // The reserved bit is ignored on receipt and cleared on sending.
        let with_r = [11, 0x40 | 10, 0, 160];
        let ev = TelephoneEvent::parse(&with_r).unwrap();
        assert_eq!(ev, TelephoneEvent { event: 11, end: false, volume: 10, duration: 160 });
        assert_eq!(ev.to_bytes(), [11, 10, 0, 160]);
        assert_eq!(ev.digit(), Some('#'));
    }

    #[test]
    fn short_payloads_are_errors_and_extra_blocks_are_ignored() {
        assert_eq!(TelephoneEvent::parse(&[1, 2, 3]), Err(TelephoneEventError::TooShort(3)));
        assert_eq!(TelephoneEvent::parse(&[]), Err(TelephoneEventError::TooShort(0)));
        let two = [5, 10, 0, 80, 6, 10, 0, 80];
        assert_eq!(TelephoneEvent::parse(&two).unwrap().event, 5);
    }

    #[test]
    fn volume_is_clamped_to_six_bits() {
        let ev = TelephoneEvent { event: 16, end: true, volume: 200, duration: 65535 };
        let bytes = ev.to_bytes();
        assert_eq!(bytes[1], 0x80 | 63);
        assert_eq!(TelephoneEvent::parse(&bytes).unwrap().volume, 63);
        assert_eq!(ev.digit(), None, "16 is flash, not a key");
    }

    #[test]
    fn keys_map_to_event_codes() {
        for (code, key) in "0123456789*#ABCD".chars().enumerate() {
            assert_eq!(TelephoneEvent::event_for_digit(key), Some(code as u8));
            let ev = TelephoneEvent { event: code as u8, end: false, volume: 10, duration: 0 };
            assert_eq!(ev.digit(), Some(key));
        }
        assert_eq!(TelephoneEvent::event_for_digit('d'), Some(15));
        assert_eq!(TelephoneEvent::event_for_digit('E'), None);
    }
}
