//! The agent API's routes (docs/agents.md): a request's method, path and body against the
//! table, to a status and a JSON body. Pure: the HTTP server frames, this decides.

use super::table::{Action, ActionError, Table, is_disposition};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};

/// A response before framing.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Value,
    /// The `Allow` header of a 405.
    pub allow: Option<&'static str>,
}

fn ok(body: Value) -> Reply {
    Reply { status: 200, body, allow: None }
}

fn error(status: u16, message: impl Into<String>) -> Reply {
    Reply { status, body: json!({ "error": message.into() }), allow: None }
}

fn not_allowed(method: &str, path: &str, allow: &'static str) -> Reply {
    Reply { allow: Some(allow), ..error(405, format!("{method} is not allowed on {path} (use {allow})")) }
}

/// The body of `POST /agents/NAME/wrapup`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wrapup {
    disposition: String,
    #[serde(default)]
    callback_at: Option<String>,
}

/// Serves one request.
pub(crate) fn route(table: &mut Table, method: &str, path: &str, body: &[u8], now: Timestamp) -> Reply {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    match parts.as_slice() {
        ["agents"] => match method {
            "GET" => ok(Value::Array(table.agents().iter().filter_map(|a| table.view(a.id)).collect())),
            _ => not_allowed(method, path, "GET"),
        },
        ["agents", name] => match method {
            "GET" => match table.id_of(name).and_then(|id| table.view(id)) {
                Some(view) => ok(view),
                None => error(404, ActionError::Unknown((*name).to_owned()).to_string()),
            },
            _ => not_allowed(method, path, "GET"),
        },
        ["agents", name, action] => {
            let action = match *action {
                "pause" => Action::Pause,
                "resume" => Action::Resume,
                "hangup" => Action::Hangup,
                "logout" => Action::Logout,
                "wrapup" if method == "POST" => match wrapup(body, now) {
                    Ok(action) => action,
                    Err(message) => return error(400, message),
                },
                "wrapup" => Action::Wrapup { disposition: String::new(), callback_at: None },
                _ => {
                    return error(
                        404,
                        format!("no such action `{action}` (use pause, resume, hangup, logout or wrapup)"),
                    );
                }
            };
            if method != "POST" {
                return not_allowed(method, path, "POST");
            }
            match table.act(name, action, now) {
                Ok(id) => ok(table.view(id).unwrap_or(Value::Null)),
                Err(e @ ActionError::Unknown(_)) => error(404, e.to_string()),
                Err(e @ ActionError::Conflict(_)) => error(409, e.to_string()),
            }
        }
        _ => error(404, format!("no such resource `{path}` (the API serves /agents and /agents/NAME[/ACTION])")),
    }
}

/// Reads and checks a wrap-up body.
fn wrapup(body: &[u8], now: Timestamp) -> Result<Action, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(r#"wrapup needs a JSON body such as {"disposition": "sale"}"#.to_owned());
    }
    let w: Wrapup = serde_json::from_slice(body).map_err(|e| format!("the wrapup body is not valid: {e}"))?;
    if !is_disposition(&w.disposition) {
        return Err(format!(
            "disposition `{}` is not a code: 1 to 32 of a-z, 0-9, `_` and `-` (sale, callback, dnc_request, no_sale, …)",
            w.disposition
        ));
    }
    let callback_at = match w.callback_at {
        None => None,
        Some(_) if w.disposition != "callback" => {
            return Err(format!("callback_at is for the `callback` disposition, not `{}`", w.disposition));
        }
        Some(text) => {
            let at: Timestamp = text.parse().map_err(|e| {
                format!("callback_at `{text}` is not an RFC 3339 time such as 2026-11-22T15:00:00Z: {e}")
            })?;
            if at <= now {
                return Err(format!("callback_at {at} is not in the future (it is now {now})"));
            }
            Some(at)
        }
    };
    Ok(Action::Wrapup { disposition: w.disposition, callback_at })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::desk::table::LegRef;
    use crate::live::desk::{DeskEvent, table::SipCmd};
    use tokio::sync::mpsc;

    struct Fixture {
        table: Table,
        events: mpsc::UnboundedReceiver<DeskEvent>,
        sip: mpsc::UnboundedReceiver<SipCmd>,
        _media: mpsc::UnboundedReceiver<crate::live::desk::table::LegCmd>,
        now: Timestamp,
    }

    fn fixture() -> Fixture {
        let (etx, events) = mpsc::unbounded_channel();
        let (stx, sip) = mpsc::unbounded_channel();
        let (mtx, media) = mpsc::unbounded_channel();
        let mut table = Table::new(etx, stx);
        let now: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
        let leg = table.new_leg_id();
        table.login("bob", LegRef { id: leg, media: mtx }, now);
        Fixture { table, events, sip, _media: media, now }
    }

    impl Fixture {
        fn call(&mut self, method: &str, path: &str, body: &str) -> Reply {
            route(&mut self.table, method, path, body.as_bytes(), self.now)
        }
        fn events(&mut self) -> Vec<DeskEvent> {
            std::iter::from_fn(|| self.events.try_recv().ok()).collect()
        }
    }

    #[test]
    fn a_call_goes_talk_hangup_wrap_wrapup_ready() {
        let mut f = fixture();
        assert_eq!(f.events(), vec![DeskEvent::Login { agent: crate::core::AgentId(1), name: "bob".into() }]);
        let r = f.call("GET", "/agents", "");
        assert_eq!(r.status, 200);
        assert_eq!(r.body[0]["state"], "ready");
        assert_eq!(r.body[0]["id"], 1);
        assert_eq!(f.call("POST", "/agents/bob/hangup", "").status, 409);
        let audio = f.table.connect(crate::core::AgentId(1), crate::core::CallId(7), "+15550100", f.now);
        assert!(audio.is_some());
        let r = f.call("GET", "/agents/bob", "");
        assert_eq!((r.body["state"].as_str(), r.body["call"].as_u64()), (Some("talk"), Some(7)));
        assert_eq!(r.body["caller"], "+15550100");
        assert_eq!(f.call("POST", "/agents/bob/wrapup", r#"{"disposition":"sale"}"#).status, 409);
        let r = f.call("POST", "/agents/bob/hangup", "");
        assert_eq!((r.status, r.body["state"].as_str()), (200, Some("wrap")));
        let r =
            f.call("POST", "/agents/bob/wrapup", r#"{"disposition":"callback","callback_at":"2026-11-22T15:00:00Z"}"#);
        assert_eq!((r.status, r.body["state"].as_str()), (200, Some("ready")), "{r:?}");
        let at: Timestamp = "2026-11-22T15:00:00Z".parse().unwrap();
        let agent = crate::core::AgentId(1);
        assert_eq!(
            f.events(),
            vec![
                DeskEvent::Hangup { agent },
                DeskEvent::WrapDone { agent, disposition: "callback".into(), callback_at: Some(at) }
            ]
        );
    }

    #[test]
    fn bad_requests_get_400_404_405_with_reasons() {
        let mut f = fixture();
        f.table.connect(crate::core::AgentId(1), crate::core::CallId(1), "1", f.now);
        f.table.call_ended(crate::core::AgentId(1), crate::core::CallId(1), f.now);
        for body in [
            "",
            "{",
            r#"{"disposition":"Sale!"}"#,
            r#"{"disposition":"sale","extra":1}"#,
            r#"{"disposition":"sale","callback_at":"2026-11-23T00:00:00Z"}"#,
            r#"{"disposition":"callback","callback_at":"2026-11-22T09:00:00Z"}"#,
            r#"{"disposition":"callback","callback_at":"tomorrow"}"#,
        ] {
            let r = f.call("POST", "/agents/bob/wrapup", body);
            assert_eq!(r.status, 400, "{body}: {r:?}");
            assert!(r.body["error"].as_str().is_some_and(|e| !e.is_empty()));
        }
        assert_eq!(f.call("GET", "/agents/alice", "").status, 404);
        assert_eq!(f.call("POST", "/agents/alice/pause", "").status, 404);
        assert_eq!(f.call("POST", "/agents/bob/dance", "").status, 404);
        assert_eq!(f.call("GET", "/nothing", "").status, 404);
        let r = f.call("GET", "/agents/bob/pause", "");
        assert_eq!((r.status, r.allow), (405, Some("POST")));
        assert_eq!(f.call("DELETE", "/agents", "").status, 405);
        // Still in wrap: nothing above changed it.
        assert_eq!(f.call("GET", "/agents/bob", "").body["state"], "wrap");
        // A callback without a time takes the campaign's default delay.
        assert_eq!(f.call("POST", "/agents/bob/wrapup", r#"{"disposition":"callback"}"#).status, 200);
    }

    #[test]
    fn pause_waits_for_the_wrap_up_and_logout_hangs_up_the_phone() {
        let mut f = fixture();
        let agent = crate::core::AgentId(1);
        let r = f.call("POST", "/agents/bob/pause", "");
        assert_eq!((r.status, r.body["state"].as_str()), (200, Some("paused")));
        assert_eq!(f.call("POST", "/agents/bob/pause", "").status, 409);
        assert_eq!(f.call("POST", "/agents/bob/resume", "").body["state"], "ready");
        assert_eq!(f.call("POST", "/agents/bob/resume", "").status, 409);
        f.table.connect(agent, crate::core::CallId(2), "2", f.now);
        let r = f.call("POST", "/agents/bob/pause", "");
        assert_eq!((r.body["state"].as_str(), r.body["pause_pending"].as_bool()), (Some("talk"), Some(true)));
        let r = f.call("POST", "/agents/bob/logout", "");
        assert_eq!((r.body["state"].as_str(), r.body["logout_pending"].as_bool()), (Some("talk"), Some(true)));
        assert!(f.sip.try_recv().is_err(), "the phone stays up while the call lasts");
        f.table.call_ended(agent, crate::core::CallId(2), f.now);
        let r = f.call("POST", "/agents/bob/wrapup", r#"{"disposition":"no_sale"}"#);
        assert_eq!(r.body["state"], "logged_out");
        assert!(matches!(f.sip.try_recv(), Ok(SipCmd::HangUp(a)) if a == agent));
        let _ = f.events();
        f.table.phone_gone(agent, 1, f.now);
        assert_eq!(f.events(), vec![], "the logout was told when it was asked for");
        assert_eq!(f.call("POST", "/agents/bob/pause", "").status, 409);
    }

    #[test]
    fn a_phone_gone_mid_call_hangs_up_wraps_up_and_logs_out() {
        let mut f = fixture();
        let agent = crate::core::AgentId(1);
        f.table.connect(agent, crate::core::CallId(3), "3", f.now);
        let _ = f.events();
        f.table.phone_gone(agent, 1, f.now);
        assert_eq!(
            f.events(),
            vec![
                DeskEvent::Hangup { agent },
                DeskEvent::WrapDone { agent, disposition: String::new(), callback_at: None },
                DeskEvent::Logout { agent }
            ]
        );
        assert_eq!(f.call("GET", "/agents/bob", "").body["state"], "logged_out");
    }
}
