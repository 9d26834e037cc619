//! What the emulated callee did: one [`CallRecord`] per call (`calls.csv`) and the run's
//! [`Summary`] (`summary.json`, and the table `dialer callee` prints).

use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Who ended a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HangUpBy {
    /// The caller's BYE.
    Caller,
    /// The caller's CANCEL while it rang.
    Cancel,
    /// Our BYE (patience, end of message, longest call, no ACK) or our 480 after ringing out.
    Callee,
    /// Refused with a final response (busy, invalid): nobody hung up.
    None,
    /// The callee was stopping (signal, `--duration`, `--calls`) with the call in progress.
    Shutdown,
}

impl HangUpBy {
    /// The CSV and summary name.
    pub fn as_str(self) -> &'static str {
        match self {
            HangUpBy::Caller => "caller",
            HangUpBy::Cancel => "cancel",
            HangUpBy::Callee => "callee",
            HangUpBy::None => "none",
            HangUpBy::Shutdown => "shutdown",
        }
    }
}

/// One call as the callee saw it: a row of `calls.csv`. Times are milliseconds since the callee
/// started; empty cells where not reached.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallRecord {
    /// The INVITE's Call-ID.
    pub call_id: String,
    /// The lead the call was taken as (the n-th INVITE, or the Request-URI's number).
    pub lead: u64,
    /// human, machine, busy, no_answer, invalid.
    pub kind: &'static str,
    /// The drawn time to the answer (human, machine) or the refusal (busy, invalid).
    pub ring_ms: Option<u64>,
    /// A person's drawn patience after their greeting; empty: forever, or not a person.
    pub patience_ms: Option<u64>,
    /// The greeting's length to its last word or beep (human, machine).
    pub greeting_ms: Option<u64>,
    /// The final response to the INVITE, if one was sent.
    pub final_code: Option<u16>,
    /// When the INVITE came.
    pub invited_ms: u64,
    /// When we answered.
    pub answered_ms: Option<u64>,
    /// When the call ended for us.
    pub ended_ms: u64,
    /// caller, cancel, callee, none, shutdown.
    pub hangup_by: &'static str,
    /// Whether the person heard someone (voice from the caller).
    pub heard_voice: bool,
    /// RTP packets we sent.
    pub rtp_sent: u64,
    /// RTP packets received from the caller.
    pub rtp_received: u64,
    /// RTP packets the caller sent that never came (RFC 3550 cumulative loss, floored at 0).
    pub rtp_lost: u64,
    /// Interarrival jitter of the caller's stream, ms.
    pub jitter_ms: Option<f64>,
}

/// Counts over the whole run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Calls that ended, by kind (`refused`: INVITEs refused before a person was drawn, e.g. a
    /// non-numeric user with `--by-number`).
    pub calls: BTreeMap<&'static str, u64>,
    /// Responses we sent, by status code (provisional ones included, 100 excepted).
    pub responses: BTreeMap<u16, u64>,
    /// Calls by who ended them.
    pub hangups: BTreeMap<&'static str, u64>,
    /// RTP packets sent.
    pub rtp_sent: u64,
    /// RTP packets received from callers.
    pub rtp_received: u64,
    /// RTP packets lost on the way from callers.
    pub rtp_lost: u64,
    /// RTP datagrams from an address no call expects.
    pub rtp_stray: u64,
    /// SIP datagrams sent, retransmissions included.
    pub sip_sent: u64,
    /// SIP messages received.
    pub sip_received: u64,
    /// Retransmissions among the SIP datagrams sent.
    pub retransmissions: u64,
    /// Seconds the callee ran.
    pub duration_s: f64,
    /// The SIP socket's buffers and the kernel's UDP drops on this host while the callee ran
    /// (absent where the system does not tell).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub socket: Option<reports::load::SocketFigures>,
    /// What each emulated agent did (`--agents-to`); absent without agents.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<super::agents::AgentRecord>,
}

impl Summary {
    /// Calls ended in all.
    pub fn ended(&self) -> u64 {
        self.calls.values().sum()
    }

    /// Counts one ended call.
    pub fn add(&mut self, record: &CallRecord) {
        *self.calls.entry(record.kind).or_default() += 1;
        *self.hangups.entry(record.hangup_by).or_default() += 1;
        self.rtp_sent += record.rtp_sent;
        self.rtp_received += record.rtp_received;
        self.rtp_lost += record.rtp_lost;
    }

    /// Writes the human-readable summary.
    pub fn write_text(&self, out: &mut impl Write) -> io::Result<()> {
        let join = |m: &mut dyn Iterator<Item = String>| {
            let parts: Vec<String> = m.collect();
            if parts.is_empty() { "none".to_owned() } else { parts.join(", ") }
        };
        writeln!(out, "dialer callee: {} calls in {:.1} s", self.ended(), self.duration_s)?;
        writeln!(out, "calls by kind: {}", join(&mut self.calls.iter().map(|(k, n)| format!("{k} {n}"))))?;
        writeln!(out, "responses sent: {}", join(&mut self.responses.iter().map(|(k, n)| format!("{k}: {n}"))))?;
        writeln!(out, "hung up by: {}", join(&mut self.hangups.iter().map(|(k, n)| format!("{k} {n}"))))?;
        writeln!(
            out,
            "rtp: {} packets sent, {} received, {} lost, {} stray",
            self.rtp_sent, self.rtp_received, self.rtp_lost, self.rtp_stray
        )?;
        writeln!(
            out,
            "sip: {} datagrams sent ({} retransmissions), {} received",
            self.sip_sent, self.retransmissions, self.sip_received
        )?;
        if let Some(socket) = &self.socket {
            writeln!(out, "{}", socket.describe())?;
        }
        for a in &self.agents {
            writeln!(
                out,
                "{}: {} calls ({} hung up by the agent), talk {:.1} s, wrap {:.1} s; sale {}, callback {}, dnc_request {}, no_sale {}; ended {}",
                a.name,
                a.calls,
                a.agent_hangups,
                a.talk_ms as f64 / 1000.0,
                a.wrap_ms as f64 / 1000.0,
                a.sale,
                a.callback,
                a.dnc_request,
                a.no_sale,
                a.end
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_calls_and_prints_them() {
        let row = CallRecord {
            call_id: "a".into(),
            lead: 1,
            kind: "human",
            ring_ms: Some(10),
            patience_ms: None,
            greeting_ms: Some(900),
            final_code: Some(200),
            invited_ms: 0,
            answered_ms: Some(10),
            ended_ms: 500,
            hangup_by: HangUpBy::Caller.as_str(),
            heard_voice: false,
            rtp_sent: 24,
            rtp_received: 3,
            rtp_lost: 1,
            jitter_ms: Some(0.5),
        };
        let mut s = Summary::default();
        s.add(&row);
        s.add(&CallRecord {
            kind: "busy",
            hangup_by: "none",
            rtp_sent: 0,
            rtp_received: 0,
            rtp_lost: 0,
            ..row.clone()
        });
        s.responses.insert(200, 1);
        let mut text = Vec::new();
        s.write_text(&mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("calls by kind: busy 1, human 1"), "{text}");
        assert!(text.contains("hung up by: caller 1, none 1"), "{text}");
        assert!(text.contains("rtp: 24 packets sent, 3 received, 1 lost"), "{text}");
        let mut csv = csv::Writer::from_writer(Vec::new());
        csv.serialize(&row).unwrap();
        let csv = String::from_utf8(csv.into_inner().unwrap()).unwrap();
        assert!(csv.starts_with("call_id,lead,kind,ring_ms,patience_ms,greeting_ms,final_code,"), "{csv}");
        assert!(csv.contains("a,1,human,10,,900,200,0,10,500,caller,false,24,3,1,0.5"), "{csv}");
    }
}
