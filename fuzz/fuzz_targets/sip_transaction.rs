//! Bytes as a sequence of received messages, clock ticks and TU commands against one
//! `dialer::sip::transaction::TransactionLayer` (its `fuzz_drive` reads them): whatever arrives
//! and in whatever order, the layer must not panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    dialer::sip::transaction::fuzz_drive(data);
});
