//! Via header values: what the transaction layer matches on (branch) and where responses go
//! (sent-by, `received`, `rport`).
//!
//! rsip's typed Via fails on IPv6 sent-by and cuts `received=2001:db8::1` at the first colon;
//! this parser takes RFC 3261's grammar as it is, white space around `/`, `:` and `;` included.

use rsip::Host;

use super::lex::{Cursor, find_param, is_token_byte, is_wsp, split_list};
use super::uri::{HostRef, UriError, check_hostport, parse_port};

/// One Via value (a header line may hold several, comma-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    /// `SIP/2.0` (normalised without the white space RFC 3261 allows around the slashes).
    pub protocol: String,
    /// The transport token as written: `UDP`, `TCP`, `TLS`, `SCTP`, `WS`, or an extension.
    pub transport: String,
    /// The host of `sent-by`.
    pub host: Host,
    /// The port of `sent-by`, if given.
    pub port: Option<u16>,
    /// The Via parameters (`branch`, `received`, `rport`, `maddr`, `ttl`, …), values whole.
    pub params: Vec<(String, Option<String>)>,
}

impl Via {
    /// A parameter by name (case-insensitive): `None` if absent, `Some(None)` if valueless.
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        find_param(&self.params, name)
    }

    /// The `branch` parameter: the transaction id when it starts with `z9hG4bK` (RFC 3261 §17.2.3).
    pub fn branch(&self) -> Option<&str> {
        self.param("branch").flatten()
    }

    /// The `received` parameter a server adds when the source address differs from sent-by.
    pub fn received(&self) -> Option<&str> {
        self.param("received").flatten()
    }

    /// RFC 3581 `rport`: `None` if absent, `Some(None)` if asked for (no value yet),
    /// `Some(Some(port))` once a server filled it in. A value that is not a port counts as absent.
    pub fn rport(&self) -> Option<Option<u16>> {
        match self.param("rport")? {
            None => Some(None),
            Some(v) => v.parse().ok().map(Some),
        }
    }
}

/// Why a Via value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViaError {
    /// Empty value or an empty element between commas (RFC 4475 `badinv01`).
    #[error("the Via value is empty or has an empty element")]
    Empty,
    /// `sent-protocol` is not `name/version/transport`.
    #[error("the Via's sent-protocol is not name/version/transport")]
    BadProtocol,
    /// The sent-by host or port is malformed.
    #[error("the Via's sent-by is malformed: {0}")]
    BadSentBy(#[from] UriError),
    /// The parameters are malformed (`;;`, `branch=` with no value, stray text).
    #[error("the Via's parameters are malformed")]
    BadParams,
}

/// Parses every Via value of one header line.
pub fn parse_via_list(value: &str) -> Result<Vec<Via>, ViaError> {
    split_list(value).ok_or(ViaError::Empty)?.into_iter().map(parse_via).collect()
}

/// [`parse_via_list`]'s checks, nothing built: how many Via values the line holds.
pub(crate) fn check_via_list(value: &str) -> Result<usize, ViaError> {
    let values = split_list(value).ok_or(ViaError::Empty)?;
    values.iter().try_for_each(|v| check_via(v).map(drop))?;
    Ok(values.len())
}

/// Parses a single Via value.
pub fn parse_via(value: &str) -> Result<Via, ViaError> {
    let v = check_via(value)?;
    // Checked by `check_via`.
    let params = Cursor::new(v.params).params().ok_or(ViaError::BadParams)?;
    Ok(Via {
        protocol: format!("{}/{}", v.name, v.version),
        transport: v.transport.to_owned(),
        host: v.host.build(),
        port: v.port,
        params,
    })
}

/// A Via value checked and cut into parts, nothing copied.
struct ViaParts<'a> {
    name: &'a str,
    version: &'a str,
    transport: &'a str,
    host: HostRef<'a>,
    port: Option<u16>,
    /// The parameters as written (checked).
    params: &'a str,
}

/// [`parse_via`]'s checks.
fn check_via(value: &str) -> Result<ViaParts<'_>, ViaError> {
    let mut cur = Cursor::new(value);
    cur.skip_wsp();
    let name = cur.take_while(is_token_byte);
    if name.is_empty() || !cur.eat(b'/') {
        return Err(ViaError::BadProtocol);
    }
    cur.skip_wsp();
    let version = cur.take_while(is_token_byte);
    if version.is_empty() || !cur.eat(b'/') {
        return Err(ViaError::BadProtocol);
    }
    cur.skip_wsp();
    let transport = cur.take_while(is_token_byte);
    if transport.is_empty() {
        return Err(ViaError::BadProtocol);
    }
    cur.skip_wsp();
    let start = cur.pos;
    if cur.peek() == Some(b'[') {
        cur.take_while(|b| b != b']' && b.is_ascii() && !is_wsp(b) && b != b';');
        if cur.peek() != Some(b']') {
            return Err(ViaError::BadSentBy(UriError::BadHost));
        }
        cur.pos += 1;
    } else {
        cur.take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    }
    let host = &cur.s[start..cur.pos];
    let port = if cur.eat(b':') {
        cur.skip_wsp();
        Some(parse_port(cur.take_while(|b| b.is_ascii_digit()))?)
    } else {
        None
    };
    let (host, _) = check_hostport(host)?;
    let params = cur.rest();
    if !cur.check_params() {
        return Err(ViaError::BadParams);
    }
    Ok(ViaParts { name, version, transport, host, port, params })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_space_everywhere_rfc_4475_wsinv() {
        let vias = parse_via_list(
            "SIP  / 2.0  / TCP     spindle.example.com   ;  branch  =   z9hG4bK9ikj8  , SIP  /    2.0   / UDP  192.168.255.111   ; branch= z9hG4bK30239",
        )
        .unwrap();
        assert_eq!(vias.len(), 2);
        assert_eq!(vias[0].transport, "TCP");
        assert_eq!(vias[0].host, Host::Domain("spindle.example.com".into()));
        assert_eq!(vias[0].branch(), Some("z9hG4bK9ikj8"));
        assert_eq!(vias[1].branch(), Some("z9hG4bK30239"));
        assert_eq!(vias[1].protocol, "SIP/2.0");
    }

    #[test]
    fn ipv6_sent_by_received_and_rport() {
        let via =
            parse_via("SIP/2.0/UDP [2001:db8::9:1]:5060;received=2001:db8::9:255;rport=5070;branch=z9hG4bKx").unwrap();
        assert_eq!(via.host, Host::IpAddr("2001:db8::9:1".parse().unwrap()));
        assert_eq!(via.port, Some(5060));
        assert_eq!(via.received(), Some("2001:db8::9:255"));
        assert_eq!(via.rport(), Some(Some(5070)));
        let via = parse_via("SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bKy").unwrap();
        assert_eq!(via.rport(), Some(None));
    }

    #[test]
    fn malformed_vias_are_refused() {
        assert_eq!(parse_via_list("SIP/2.0/UDP 192.0.2.15;;,;,,"), Err(ViaError::Empty));
        assert_eq!(parse_via("SIP/2.0/UDP 192.0.2.15;;"), Err(ViaError::BadParams));
        assert_eq!(parse_via("SIP/2.0 host"), Err(ViaError::BadProtocol));
        assert!(matches!(parse_via("SIP/2.0/UDP [::1"), Err(ViaError::BadSentBy(_))));
        assert!(matches!(parse_via("SIP/2.0/UDP host:99999"), Err(ViaError::BadSentBy(_))));
        assert_eq!(parse_via("SIP/2.0/UDP host;branch="), Err(ViaError::BadParams));
    }
}
