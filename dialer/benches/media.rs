//! The media layer's per-packet costs: what one 20 ms frame of one call costs to encode, decode,
//! packetise, parse and count, and to synthesise as a greeting. At 50 frames a second per call,
//! 10 000 calls are 500 000 frames a second, so each nanosecond here is 0.05% of a core.
//!
//! `cargo bench -p dialer --bench media`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dialer::core::Time;
use dialer::media::{FRAME_SAMPLES, G711, Greeting, RtpPacket, RtpReceiver, RtpSender};
use std::hint::black_box;

/// A frame of real-ish speech to code (the codecs' cost does not depend much on the signal).
fn speech_frame() -> [i16; FRAME_SAMPLES] {
    let mut greeting = Greeting::machine(1);
    // Skip the lead-in silence.
    greeting.nth(30).expect("greetings are endless")
}

fn g711(c: &mut Criterion) {
    let pcm = speech_frame();
    let mut group = c.benchmark_group("g711 (one 20 ms frame)");
    group.throughput(Throughput::Elements(FRAME_SAMPLES as u64));
    for law in [G711::Pcmu, G711::Pcma] {
        let mut codes = [0u8; FRAME_SAMPLES];
        group.bench_function(format!("{law:?} encode"), |b| {
            b.iter(|| {
                law.encode(black_box(&pcm), &mut codes);
                black_box(&codes);
            })
        });
        law.encode(&pcm, &mut codes);
        let mut out = [0i16; FRAME_SAMPLES];
        group.bench_function(format!("{law:?} decode"), |b| {
            b.iter(|| {
                law.decode(black_box(&codes), &mut out);
                black_box(&out);
            })
        });
    }
    group.finish();
}

fn rtp(c: &mut Criterion) {
    let payload = [0xD5u8; FRAME_SAMPLES];
    let packet = RtpPacket {
        marker: false,
        payload_type: 8,
        sequence: 4242,
        timestamp: 0x1234_5678,
        ssrc: 0xCAFE_F00D,
        csrcs: Default::default(),
        extension: None,
        payload: &payload,
        padding: 0,
    };
    let mut buf = Vec::with_capacity(256);
    let mut group = c.benchmark_group("rtp");
    group.bench_function("build + parse a 20 ms G.711 packet", |b| {
        b.iter(|| {
            buf.clear();
            black_box(&packet).write(&mut buf).expect("valid packet");
            let parsed = RtpPacket::parse(black_box(&buf)).expect("parses");
            black_box(parsed.sequence);
        })
    });
    let pcm = speech_frame();
    group.bench_function("sender: encode + packetise a frame", |b| {
        let mut sender = RtpSender::new(G711::Pcmu, 1, Time::ZERO);
        let mut source = || pcm;
        let mut now = Time::ZERO;
        b.iter(|| {
            let tx = sender.poll_transmit(now, &mut source, &mut buf);
            now = sender.poll_timeout();
            black_box(tx)
        })
    });
    group.bench_function("receiver: parse + count a packet", |b| {
        let mut receiver = RtpReceiver::new(8000);
        let mut datagram = Vec::new();
        packet.write(&mut datagram).expect("valid packet");
        let mut sequence = 0u16;
        let mut ms = 0u64;
        b.iter(|| {
            // Next packet: patch its sequence number and timestamp in place.
            sequence = sequence.wrapping_add(1);
            datagram[2..4].copy_from_slice(&sequence.to_be_bytes());
            datagram[4..8].copy_from_slice(&(u32::from(sequence) * 160).to_be_bytes());
            ms += 20;
            black_box(receiver.receive(black_box(&datagram), Time::from_ms(ms)).expect("counts").arrival)
        })
    });
    group.finish();
}

fn greeting(c: &mut Criterion) {
    let mut group = c.benchmark_group("greeting");
    group.throughput(Throughput::Elements(FRAME_SAMPLES as u64));
    group.bench_function("one 20 ms frame of speech (machine)", |b| {
        // Machine 3 speaks from 0.26 s to 8.6 s: replay its first 5 s of speech.
        let mut start = Greeting::machine(3);
        start.nth(15);
        let mut g = start.clone();
        let mut frames = 0;
        b.iter(|| {
            frames += 1;
            if frames % 250 == 0 {
                g = start.clone();
            }
            black_box(g.next_frame())
        })
    });
    group.bench_function("one 20 ms frame of the noise floor (after the greeting)", |b| {
        let mut g = Greeting::human(3);
        g.nth(150); // 3 s: the person has said hello and waits
        b.iter(|| black_box(g.next_frame()))
    });
    group.finish();
}

criterion_group!(benches, g711, rtp, greeting);
criterion_main!(benches);
