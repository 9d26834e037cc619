//! Sockets for SIP: UDP with buffers large enough for load work, and the limits every datagram
//! is checked against before it is parsed.
//!
//! INTEROP.md: with default socket buffers, drops start at a few thousand calls per second
//! (the kernel's `RcvbufErrors`); every load figure here is measured with enlarged ones.

use std::io;
use std::net::SocketAddr;

/// The largest datagram we accept: the largest UDP payload. Bigger reads are truncated by the
/// kernel and counted as oversized.
pub const MAX_DATAGRAM: usize = 65_507;

/// Socket buffer size asked for by default (4 MiB, SIPp's `-buff_size 4194304`); the kernel caps
/// it at `net.core.rmem_max` / `wmem_max` unless the process may raise it.
pub const DEFAULT_BUFFER_BYTES: usize = 4 * 1024 * 1024;

/// Binds a non-blocking UDP socket on `addr` with `buffer_bytes` of receive and send buffer
/// (the kernel may grant less; [`buffer_sizes`] tells).
pub fn bind_udp(addr: SocketAddr, buffer_bytes: usize) -> io::Result<std::net::UdpSocket> {
    let domain = if addr.is_ipv4() { socket2::Domain::IPV4 } else { socket2::Domain::IPV6 };
    let socket = socket2::Socket::new(domain, socket2::Type::DGRAM, Some(socket2::Protocol::UDP))?;
    // Buffer sizes before bind, so the first burst already has them. Asking for more than the
    // kernel allows is not an error: it grants its maximum.
    socket.set_recv_buffer_size(buffer_bytes)?;
    socket.set_send_buffer_size(buffer_bytes)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// The receive and send buffer sizes the kernel granted a socket (Linux reports twice what was
/// granted, to account for its bookkeeping; this returns what it reports).
pub fn buffer_sizes(socket: &std::net::UdpSocket) -> io::Result<(usize, usize)> {
    let s = socket2::SockRef::from(socket);
    Ok((s.recv_buffer_size()?, s.send_buffer_size()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_on_loopback_with_larger_buffers_than_the_default() {
        let plain = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let big = bind_udp("127.0.0.1:0".parse().expect("addr"), DEFAULT_BUFFER_BYTES).expect("bind");
        let (plain_rx, _) = buffer_sizes(&plain).expect("sizes");
        let (big_rx, big_tx) = buffer_sizes(&big).expect("sizes");
        // Without privileges the kernel caps the request at rmem_max; with them it grants it.
        // Either way the request must not have been ignored when the cap is above the default.
        let rmem_max: usize = std::fs::read_to_string("/proc/sys/net/core/rmem_max")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        if rmem_max > plain_rx / 2 {
            assert!(big_rx > plain_rx, "asked {DEFAULT_BUFFER_BYTES}, got {big_rx} (default {plain_rx})");
        }
        assert!(big_tx > 0);
        // And it carries a datagram.
        let to = big.local_addr().expect("addr");
        plain.send_to(b"OPTIONS", to).expect("send");
        let mut buf = [0u8; 16];
        big.set_nonblocking(false).expect("blocking for the test");
        big.set_read_timeout(Some(std::time::Duration::from_secs(5))).expect("timeout");
        let (n, from) = big.recv_from(&mut buf).expect("receive");
        assert_eq!((&buf[..n], from), (&b"OPTIONS"[..], plain.local_addr().expect("addr")));
    }
}
