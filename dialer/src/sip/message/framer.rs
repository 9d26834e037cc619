//! Cutting a TCP (or TLS) byte stream into SIP messages.
//!
//! On a stream only Content-Length says where a message ends (RFC 3261 §18.3), and rsip ignores
//! it. The framer buffers bytes, skips RFC 5626 keep-alives (CRLF CRLF pings, CRLF pongs)
//! between messages, and hands out one complete message at a time for [`super::parse`]. A
//! partial message is the normal state (`Ok(None)`); an error means the stream cannot be
//! re-synchronised and the connection should be closed.

use super::headers::expand_compact;
use super::lex::{is_wsp, trim_wsp};
use super::parse::{head_end, parse_content_length};

/// Largest message the framer accepts by default: a UDP datagram's worth; SIP over streams has
/// no smaller natural bound, and nothing we exchange comes close.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 65_535;

/// Why a stream cannot be framed any further. Close the connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The header section has no Content-Length, which RFC 3261 §18.3 makes mandatory on streams.
    #[error("a message on a stream has no Content-Length")]
    MissingContentLength,
    /// Content-Length is not a non-negative decimal number, or two differ.
    #[error("the Content-Length header is malformed or repeated with different values")]
    BadContentLength,
    /// Header section plus Content-Length exceed the configured maximum (or the header section
    /// alone grew past it without ending).
    #[error("message of {size} bytes exceeds the maximum of {max}")]
    TooLarge {
        /// The size the message would have (or has reached so far).
        size: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The bytes do not start with a SIP start line: the peer does not speak SIP, or the stream
    /// lost sync.
    #[error("the stream does not hold a SIP message here")]
    Garbage,
}

/// Buffers a byte stream and pops complete SIP messages off it.
#[derive(Debug)]
pub struct StreamFramer {
    buf: Vec<u8>,
    /// Bytes before `start` were handed out already.
    start: usize,
    /// Bytes of the current message already searched for the end of its header section, so a
    /// message arriving a few bytes at a time is scanned once, not once per read.
    scanned: usize,
    /// The current message's total size, once its header section is complete.
    size: Option<usize>,
    /// The current message's start line has arrived and looks like SIP.
    start_line_ok: bool,
    max_message_size: usize,
}

impl Default for StreamFramer {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_MESSAGE_SIZE)
    }
}

impl StreamFramer {
    /// A framer that refuses messages larger than `max_message_size` bytes.
    pub fn new(max_message_size: usize) -> Self {
        StreamFramer { buf: Vec::new(), start: 0, scanned: 0, size: None, start_line_ok: false, max_message_size }
    }

    /// Appends bytes read from the stream.
    pub fn push(&mut self, data: &[u8]) {
        if self.start > 0 && self.start * 2 >= self.buf.len() {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Bytes buffered and not yet handed out (keep-alives included).
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The next complete message, `Ok(None)` while it is still partial.
    pub fn pop(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        let size = match self.size {
            Some(size) => size,
            None => match self.read_head()? {
                Some(size) => size,
                None => return Ok(None),
            },
        };
        if self.buffered() < size {
            return Ok(None);
        }
        let message = self.buf[self.start..self.start + size].to_vec();
        self.start += size;
        self.scanned = 0;
        self.size = None;
        self.start_line_ok = false;
        Ok(Some(message))
    }

    /// Looks for the end of the current message's header section and, once it is there, works
    /// out the message's size from Content-Length.
    fn read_head(&mut self) -> Result<Option<usize>, FrameError> {
        if self.scanned == 0 {
            // Keep-alives: any run of CR and LF between messages.
            while matches!(self.buf.get(self.start), Some(b'\r' | b'\n')) {
                self.start += 1;
            }
        }
        let data = &self.buf[self.start..];
        if data.is_empty() {
            return Ok(None);
        }
        if !self.start_line_ok {
            match memchr::memchr(b'\n', &data[self.scanned..]).map(|i| i + self.scanned) {
                // A complete start line: CRLF-terminated and of SIP's shape.
                Some(i) if i > 0 && data[i - 1] == b'\r' && is_start_line(&data[..i - 1]) => self.start_line_ok = true,
                // A bare LF, or a line that is not a SIP start line.
                Some(_) => return Err(FrameError::Garbage),
                // Still arriving: printable so far.
                None if data[self.scanned..].iter().all(|&b| b == b'\r' || (b' '..0x7f).contains(&b)) => {}
                None => return Err(FrameError::Garbage),
            }
        }
        // Resume the search a few bytes back, in case CRLF CRLF straddles two reads.
        let from = self.scanned.saturating_sub(3);
        let Some(head_end) = head_end(&data[from..]).map(|i| i + from) else {
            self.scanned = data.len();
            if data.len() > self.max_message_size {
                return Err(FrameError::TooLarge { size: data.len(), max: self.max_message_size });
            }
            return Ok(None);
        };
        let size = head_end + 4 + content_length(&data[..head_end])?;
        if size > self.max_message_size {
            return Err(FrameError::TooLarge { size, max: self.max_message_size });
        }
        self.size = Some(size);
        Ok(Some(size))
    }
}

/// `SIP/x.y …` or `… SIP/x.y`.
fn is_start_line(line: &[u8]) -> bool {
    let version_at = |s: &[u8]| s.len() >= 7 && s.starts_with(b"SIP/") && s[4].is_ascii_digit();
    version_at(line) || line.len() >= 8 && version_at(&line[line.len() - 7..]) && line[line.len() - 8] == b' '
}

/// The Content-Length of a header section (found under its full or compact name, unfolded).
fn content_length(head: &[u8]) -> Result<usize, FrameError> {
    // A header section that is not text is not SIP.
    let text = std::str::from_utf8(head).map_err(|_| FrameError::Garbage)?;
    let mut found: Option<usize> = None;
    let mut lines = text.split("\r\n").skip(1).peekable();
    while let Some(line) = lines.next() {
        let Some((name, value)) = line.split_once(':') else { continue };
        let name = trim_wsp(name);
        if !(name.eq_ignore_ascii_case("Content-Length") || expand_compact(name) == Some("Content-Length")) {
            continue;
        }
        let mut value = value.to_owned();
        while let Some(next) = lines.peek().filter(|l| l.as_bytes().first().is_some_and(|&b| is_wsp(b))) {
            value.push_str(next);
            lines.next();
        }
        let n = parse_content_length(&value).map_err(|_| FrameError::BadContentLength)?;
        if found.is_some_and(|f| f != n) {
            return Err(FrameError::BadContentLength);
        }
        found = Some(n);
    }
    found.ok_or(FrameError::MissingContentLength)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: &[u8] = b"OPTIONS sip:a@b SIP/2.0\r\nl: 5\r\nCall-ID: x\r\n\r\nhello";

    #[test]
    fn partial_messages_wait_and_complete_ones_pop() {
        let mut f = StreamFramer::default();
        for chunk in OPTIONS.chunks(7) {
            assert_eq!(f.pop(), Ok(None));
            f.push(chunk);
        }
        assert_eq!(f.pop().unwrap().as_deref(), Some(OPTIONS));
        assert_eq!(f.pop(), Ok(None));
        assert_eq!(f.buffered(), 0);
    }

    #[test]
    fn byte_by_byte_arrival_frames_every_message() {
        let mut stream = Vec::new();
        for _ in 0..3 {
            stream.extend_from_slice(b"\r\n\r\n");
            stream.extend_from_slice(OPTIONS);
        }
        let mut f = StreamFramer::default();
        let mut frames = Vec::new();
        for &b in &stream {
            f.push(&[b]);
            while let Some(frame) = f.pop().unwrap() {
                frames.push(frame);
            }
        }
        assert_eq!(frames, vec![OPTIONS.to_vec(); 3]);
        assert_eq!(f.buffered(), 0);
    }

    #[test]
    fn back_to_back_messages_and_keepalives() {
        let mut f = StreamFramer::default();
        f.push(b"\r\n\r\n");
        f.push(OPTIONS);
        f.push(b"\r\n");
        f.push(OPTIONS);
        f.push(b"\r\n\r\n");
        assert_eq!(f.pop().unwrap().as_deref(), Some(OPTIONS));
        assert_eq!(f.pop().unwrap().as_deref(), Some(OPTIONS));
        assert_eq!(f.pop(), Ok(None));
    }

    #[test]
    fn missing_or_bad_content_length_is_fatal() {
        let mut f = StreamFramer::default();
        f.push(b"OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n");
        assert_eq!(f.pop(), Err(FrameError::MissingContentLength));
        let mut f = StreamFramer::default();
        f.push(b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n");
        assert_eq!(f.pop(), Err(FrameError::BadContentLength));
        let mut f = StreamFramer::default();
        f.push(b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\nab");
        assert_eq!(f.pop(), Err(FrameError::BadContentLength));
    }

    #[test]
    fn oversized_messages_are_refused_before_they_arrive() {
        let mut f = StreamFramer::new(100);
        f.push(b"INVITE sip:a@b SIP/2.0\r\nContent-Length: 1000\r\n\r\n");
        assert_eq!(f.pop(), Err(FrameError::TooLarge { size: 1048, max: 100 }));
        let mut f = StreamFramer::new(100);
        f.push(b"INVITE sip:a@b SIP/2.0\r\n");
        f.push(&[b'X'; 200]);
        assert!(matches!(f.pop(), Err(FrameError::TooLarge { .. })));
    }

    #[test]
    fn garbage_is_refused() {
        let mut f = StreamFramer::default();
        f.push(b"\x16\x03\x01\x02\x00\x01\x00");
        assert_eq!(f.pop(), Err(FrameError::Garbage));
        let mut f = StreamFramer::default();
        f.push(b"GET / HTTP/1.1\r\n");
        assert_eq!(f.pop(), Err(FrameError::Garbage));
        let mut f = StreamFramer::default();
        f.push(b"OPTIONS sip:a@b SIP/2.0\r\nX: \xff\xfe\r\n\r\n");
        assert_eq!(f.pop(), Err(FrameError::Garbage), "a header section that is not text");
    }
}
