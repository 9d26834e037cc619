//! UDP datagrams read and written in batches: Linux's `recvmmsg(2)` and `sendmmsg(2)`, one
//! system call for many datagrams.
//!
//! Under load an endpoint finds several datagrams waiting each time it wakes and has several to
//! send after handling them. Read and written one by one, that is a `recvfrom` per datagram plus
//! one that finds the socket empty, and a `sendto` per datagram; in batches it is one call each
//! way per wake-up. The kernel's work per datagram is the same either way (on loopback most of
//! it is the receiver's side of each send), so what this saves is the system call's own cost and
//! tokio's readiness bookkeeping around it.
//!
//! The raw buffers the calls need (`mmsghdr`, `iovec`) hold pointers, so they are built on the
//! stack for each call; only the datagram buffers and addresses persist, which keeps the endpoint
//! `Send`.

use std::io;
use std::mem::MaybeUninit;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::RawFd;

/// Datagrams read per `recvmmsg` at most.
pub const RECV_BATCH: usize = 16;

/// Datagrams written per `sendmmsg` at most.
pub const SEND_BATCH: usize = 32;

/// Buffers for one `recvmmsg`: [`RECV_BATCH`] slots of `slot` bytes each, their senders and
/// lengths.
pub struct RecvBatch {
    bufs: Box<[u8]>,
    slot: usize,
    addrs: Box<[libc::sockaddr_storage]>,
    addr_lens: [libc::socklen_t; RECV_BATCH],
    lens: [usize; RECV_BATCH],
    truncated: [bool; RECV_BATCH],
    count: usize,
}

impl RecvBatch {
    /// Slots of `slot` bytes: a datagram longer than that is reported truncated.
    pub fn new(slot: usize) -> RecvBatch {
        RecvBatch {
            bufs: vec![0u8; slot * RECV_BATCH].into_boxed_slice(),
            slot,
            // SAFETY: all zeros is a valid (empty) sockaddr_storage.
            addrs: (0..RECV_BATCH).map(|_| unsafe { std::mem::zeroed() }).collect(),
            addr_lens: [0; RECV_BATCH],
            lens: [0; RECV_BATCH],
            truncated: [false; RECV_BATCH],
            count: 0,
        }
    }

    /// Reads what is waiting on `fd`, up to [`RECV_BATCH`] datagrams, without blocking; returns
    /// how many (an error `WouldBlock` when there were none).
    pub fn recv(&mut self, fd: RawFd) -> io::Result<usize> {
        self.count = 0;
        let mut iovecs: [MaybeUninit<libc::iovec>; RECV_BATCH] = [const { MaybeUninit::uninit() }; RECV_BATCH];
        let mut hdrs: [libc::mmsghdr; RECV_BATCH] = unsafe { std::mem::zeroed() };
        let base = self.bufs.as_mut_ptr();
        for i in 0..RECV_BATCH {
            let iov = iovecs[i].write(libc::iovec {
                // SAFETY: slot i lies inside `bufs` (RECV_BATCH slots of `slot` bytes).
                iov_base: unsafe { base.add(i * self.slot) }.cast(),
                iov_len: self.slot,
            });
            let hdr = &mut hdrs[i].msg_hdr;
            hdr.msg_name = std::ptr::from_mut(&mut self.addrs[i]).cast();
            hdr.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            hdr.msg_iov = iov;
            hdr.msg_iovlen = 1;
        }
        // SAFETY: every header points at a live buffer and address slot of the right size, and
        // nothing else touches them during the call.
        let n = unsafe {
            libc::recvmmsg(fd, hdrs.as_mut_ptr(), RECV_BATCH as libc::c_uint, libc::MSG_DONTWAIT, std::ptr::null_mut())
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        for (i, hdr) in hdrs.iter().enumerate().take(n) {
            self.lens[i] = (hdr.msg_len as usize).min(self.slot);
            self.truncated[i] = hdr.msg_hdr.msg_flags & libc::MSG_TRUNC != 0;
            self.addr_lens[i] = hdr.msg_hdr.msg_namelen;
        }
        self.count = n;
        Ok(n)
    }

    /// Datagram `i` of the last read: its bytes, its sender (`None` if not IP) and whether the
    /// kernel cut it to the slot's size.
    pub fn get(&self, i: usize) -> (&[u8], Option<SocketAddr>, bool) {
        debug_assert!(i < self.count);
        let start = i * self.slot;
        (&self.bufs[start..start + self.lens[i]], socket_addr(&self.addrs[i], self.addr_lens[i]), self.truncated[i])
    }
}

/// The IP address and port the kernel wrote into `s` (`None` for another family).
fn socket_addr(s: &libc::sockaddr_storage, len: libc::socklen_t) -> Option<SocketAddr> {
    let len = len as usize;
    match i32::from(s.ss_family) {
        libc::AF_INET if len >= size_of::<libc::sockaddr_in>() => {
            // SAFETY: the family says the storage holds a sockaddr_in, and it is large enough.
            let a = unsafe { &*std::ptr::from_ref(s).cast::<libc::sockaddr_in>() };
            let ip = Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr));
            Some(SocketAddr::V4(SocketAddrV4::new(ip, u16::from_be(a.sin_port))))
        }
        libc::AF_INET6 if len >= size_of::<libc::sockaddr_in6>() => {
            // SAFETY: as above, for sockaddr_in6.
            let a = unsafe { &*std::ptr::from_ref(s).cast::<libc::sockaddr_in6>() };
            let ip = Ipv6Addr::from(a.sin6_addr.s6_addr);
            Some(SocketAddr::V6(SocketAddrV6::new(ip, u16::from_be(a.sin6_port), a.sin6_flowinfo, a.sin6_scope_id)))
        }
        _ => None,
    }
}

/// Writes up to [`SEND_BATCH`] datagrams of `items` to `fd` in one `sendmmsg`, without
/// blocking; returns how many the kernel took, in order. An error means the first was not sent
/// (`WouldBlock`: the send buffer is full).
pub fn send_batch<'a>(fd: RawFd, items: impl Iterator<Item = (&'a SocketAddr, &'a [u8])>) -> io::Result<usize> {
    let mut addrs: [MaybeUninit<socket2::SockAddr>; SEND_BATCH] = [const { MaybeUninit::uninit() }; SEND_BATCH];
    let mut iovecs: [MaybeUninit<libc::iovec>; SEND_BATCH] = [const { MaybeUninit::uninit() }; SEND_BATCH];
    let mut hdrs: [libc::mmsghdr; SEND_BATCH] = unsafe { std::mem::zeroed() };
    let mut n = 0;
    for (to, bytes) in items.take(SEND_BATCH) {
        let addr = addrs[n].write(socket2::SockAddr::from(*to));
        let iov = iovecs[n].write(libc::iovec { iov_base: bytes.as_ptr().cast_mut().cast(), iov_len: bytes.len() });
        let hdr = &mut hdrs[n].msg_hdr;
        hdr.msg_name = addr.as_ptr().cast_mut().cast();
        hdr.msg_namelen = addr.len();
        hdr.msg_iov = iov;
        hdr.msg_iovlen = 1;
        n += 1;
    }
    if n == 0 {
        return Ok(0);
    }
    // SAFETY: the first n headers point at live addresses and buffers, which the kernel only
    // reads.
    let sent = unsafe { libc::sendmmsg(fd, hdrs.as_mut_ptr(), n as libc::c_uint, libc::MSG_DONTWAIT) };
    // SockAddr has no destructor to run, so the initialised `addrs` need no drop.
    if sent < 0 { Err(io::Error::last_os_error()) } else { Ok(sent as usize) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn a_batch_goes_out_and_comes_back_in_order_with_its_senders() {
        let a = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        b.set_nonblocking(true).unwrap();
        let to = b.local_addr().unwrap();
        let datagrams: Vec<(SocketAddr, Vec<u8>)> = (0..40u8).map(|i| (to, vec![i; 1 + i as usize])).collect();
        // 40 datagrams: the first call takes SEND_BATCH of them, the second the rest.
        let mut sent = 0;
        while sent < datagrams.len() {
            sent += send_batch(a.as_raw_fd(), datagrams[sent..].iter().map(|(t, d)| (t, d.as_slice()))).unwrap();
        }
        assert_eq!(sent, 40);
        let mut batch = RecvBatch::new(64);
        let mut got = Vec::new();
        loop {
            match batch.recv(b.as_raw_fd()) {
                Ok(n) => {
                    assert!(n <= RECV_BATCH);
                    for i in 0..n {
                        let (bytes, from, truncated) = batch.get(i);
                        assert_eq!(from, Some(a.local_addr().unwrap()));
                        assert!(!truncated);
                        got.push(bytes.to_vec());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("recvmmsg: {e}"),
            }
        }
        let want: Vec<Vec<u8>> = datagrams.into_iter().map(|(_, d)| d).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_datagram_longer_than_its_slot_is_reported_truncated() {
        let a = std::net::UdpSocket::bind("[::1]:0").unwrap();
        let b = std::net::UdpSocket::bind("[::1]:0").unwrap();
        b.set_nonblocking(true).unwrap();
        let to = b.local_addr().unwrap();
        let items = [(to, vec![7u8; 100]), (to, vec![8u8; 10])];
        assert_eq!(send_batch(a.as_raw_fd(), items.iter().map(|(t, d)| (t, d.as_slice()))).unwrap(), 2);
        let mut batch = RecvBatch::new(50);
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(batch.recv(b.as_raw_fd()).unwrap(), 2);
        let (first, from, truncated) = batch.get(0);
        assert_eq!((first.len(), truncated, from), (50, true, Some(a.local_addr().unwrap())));
        let (second, _, truncated) = batch.get(1);
        assert_eq!((second, truncated), (&[8u8; 10][..], false));
    }

    #[test]
    fn an_empty_socket_would_block() {
        let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        b.set_nonblocking(true).unwrap();
        let err = RecvBatch::new(16).recv(b.as_raw_fd()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    }
}
