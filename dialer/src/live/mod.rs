//! The live dialer: the same [`crate::core`] the simulator drives, driven in wall-clock time by a
//! tokio runtime against real SIP trunks, with agents' phones connected through the desk.
//!
//! - [`driver`]: the task that owns the core, the campaign store, the trunks and every call;
//! - [`codes`]: what a trunk's final answer means for the campaign (docs/live.md's table);
//! - [`agents`]: the agents' side as the driver sees it, and scripted agents for loopback runs;
//! - [`media`]: one answered call's RTP: AMD, the abandon message, the bridge to the agent;
//! - [`desk`]: agents' side — their phones' SIP legs, the local HTTP/JSON agent API, the audio
//!   bridged to them.

pub mod agents;
pub mod codes;
pub mod desk;
pub mod driver;
pub mod media;
