//! The live dialer: the same [`crate::core`] the simulator drives, driven in wall-clock time by a
//! tokio runtime against real SIP trunks, with agents' phones connected through the desk.
//!
//! - [`desk`]: agents' side — their phones' SIP legs, the local HTTP/JSON agent API, the audio
//!   bridged to them.

pub mod desk;
