//! URIs: our own parser and writer around `rsip::Uri`.
//!
//! rsip 0.4 cannot parse IPv6 references (`sip:[2001:db8::1]:5060`), cuts parameter values at
//! `:` (`;maddr=2001:db8::1`), has no idea of `tel:` URIs, and its `Display` drops the brackets
//! of an IPv6 host and writes other schemes as `scheme://`. So we parse URIs here into rsip's
//! struct, and write them back with [`UriDisplay`] (never with rsip's `Display`):
//! - `sip:`/`sips:` fill every field; an IPv6 host is `Host::IpAddr(V6)` and is written in
//!   brackets again.
//! - `tel:` puts the telephone number in `auth.user`, an empty domain in the host, and its
//!   parameters in `params`.
//! - any other scheme (`http:`, `urn:`, RFC 4475's `nobodyKnowsThisScheme:`) is kept opaque: the
//!   whole text after the colon is the host's domain.
//!
//! URI headers (`?Route=…`) have no place in `rsip::Uri` (its `headers` field is a `Vec<u32>`):
//! [`parse_uri`] hands them back as a raw string beside the URI.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use rsip::common::uri::param::{OtherParam, OtherParamValue};
use rsip::{Auth, Domain, Host, HostWithPort, Param, Port, Scheme, Uri};

use super::lex::{is_token_byte, pos, split_byte};

/// Why a URI was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    /// There is no `scheme:` prefix, or the scheme has characters a scheme cannot have (as in
    /// RFC 4475's `<sip:…>` Request-URI).
    #[error("the URI has no valid scheme")]
    BadScheme,
    /// White space, a control character, `<`, `>` or `"` inside the URI.
    #[error("the URI contains white space or a character that cannot appear in a URI")]
    BadCharacter,
    /// The host is empty, not a hostname or IPv4 address, or an IPv6 reference that does not parse.
    #[error("the URI's host is missing or malformed")]
    BadHost,
    /// The port is not a number from 0 to 65535.
    #[error("the URI's port is not a number from 0 to 65535")]
    BadPort,
    /// A parameter has an empty name or characters not allowed in a parameter.
    #[error("a URI parameter is malformed")]
    BadParam,
    /// `tel:` with no number, or an opaque URI with nothing after the colon.
    #[error("the URI is empty after its scheme")]
    Empty,
}

/// A parsed URI and the raw (still escaped) header part after `?`, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedUri {
    /// The URI in rsip's model (see the module doc for how `tel:` and opaque URIs fit in it).
    pub uri: Uri,
    /// The text after `?` in a SIP URI (`Route=%3Csip:example.com%3E`), kept verbatim because
    /// rsip has nowhere to put it.
    pub headers: Option<String>,
}

/// Parses a URI written as in a Request-URI or inside `<…>` of a header field.
pub fn parse_uri(s: &str) -> Result<ParsedUri, UriError> {
    check_uri(s).map(UriParts::build)
}

/// A URI checked against the grammar and cut into its parts, nothing copied: what message
/// validation needs (it runs on every From, To, Contact and Route of every message, and building
/// rsip's URI there was a tenth of the load generator's instructions). [`parse_uri`] builds
/// rsip's struct from it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct UriParts<'a> {
    kind: UriKind<'a>,
    /// `;name=value…` as written (checked), or empty.
    params: &'a str,
    /// The text after `?`, if any.
    headers: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum UriKind<'a> {
    Sip { secure: bool, user: Option<&'a str>, password: Option<&'a str>, host: HostRef<'a>, port: Option<u16> },
    Tel { number: &'a str },
    Other { scheme: &'a str, rest: &'a str },
}

/// A host checked but not copied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum HostRef<'a> {
    V6(Ipv6Addr),
    /// A hostname or an IPv4 address, as written.
    Name(&'a str),
}

impl HostRef<'_> {
    pub(crate) fn build(self) -> Host {
        match self {
            HostRef::V6(ip) => Host::IpAddr(IpAddr::V6(ip)),
            // Only a name starting with a digit can be an IPv4 address; skip the attempt otherwise.
            HostRef::Name(name) if name.as_bytes().first().is_some_and(u8::is_ascii_digit) => Host::from(name),
            HostRef::Name(name) => Host::Domain(Domain::new(name)),
        }
    }
}

impl UriParts<'_> {
    /// The text after `?`, if any.
    pub(crate) fn headers(&self) -> Option<&str> {
        self.headers
    }

    /// rsip's URI, and the headers part apart.
    pub(crate) fn build(self) -> ParsedUri {
        // Checked by `check_uri`: every parameter is Ok.
        let params: Vec<Param> =
            param_list(self.params).filter_map(Result::ok).map(|(n, v)| to_rsip_param(n, v)).collect();
        let uri = match self.kind {
            UriKind::Sip { secure, user, password, host, port } => Uri {
                scheme: Some(if secure { Scheme::Sips } else { Scheme::Sip }),
                auth: user.map(|u| Auth { user: u.to_owned(), password: password.map(str::to_owned) }),
                host_with_port: HostWithPort { host: host.build(), port: port.map(Port::from) },
                params,
                headers: Vec::new(),
            },
            UriKind::Tel { number } => Uri {
                scheme: Some(Scheme::Other("tel".to_owned())),
                auth: Some(Auth { user: number.to_owned(), password: None }),
                host_with_port: HostWithPort { host: Host::Domain(Domain::new("")), port: None },
                params,
                headers: Vec::new(),
            },
            UriKind::Other { scheme, rest } => Uri {
                scheme: Some(Scheme::Other(scheme.to_owned())),
                host_with_port: HostWithPort { host: Host::Domain(Domain::new(rest)), port: None },
                ..Default::default()
            },
        };
        ParsedUri { uri, headers: self.headers.map(str::to_owned) }
    }
}

/// Checks a URI and cuts it into parts without copying anything.
pub(crate) fn check_uri(s: &str) -> Result<UriParts<'_>, UriError> {
    match plain_sip(s) {
        Some(parts) => Ok(parts),
        None => check_any_uri(s),
    }
}

/// [`check_uri`]'s general path: every scheme and spelling the grammar allows.
fn check_any_uri(s: &str) -> Result<UriParts<'_>, UriError> {
    if s.bytes().any(|b| b <= b' ' || b == 0x7f || matches!(b, b'<' | b'>' | b'"')) {
        return Err(UriError::BadCharacter);
    }
    let colon = pos(s, b':').ok_or(UriError::BadScheme)?;
    let scheme = &s[..colon];
    let rest = &s[colon + 1..];
    let valid_scheme = scheme.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !valid_scheme {
        return Err(UriError::BadScheme);
    }
    if scheme.eq_ignore_ascii_case("sip") {
        check_sip(false, rest)
    } else if scheme.eq_ignore_ascii_case("sips") {
        check_sip(true, rest)
    } else if scheme.eq_ignore_ascii_case("tel") {
        check_tel(rest)
    } else if rest.is_empty() {
        Err(UriError::Empty)
    } else {
        Ok(UriParts { kind: UriKind::Other { scheme, rest }, params: "", headers: None })
    }
}

/// The usual shape, `sip:[user[:password]@]host[:port][;params]` made of alphanumerics and
/// `.-_+:=` only, checked in one pass over the bytes where [`check_uri`]'s general path scans
/// five times; `None` for anything else, which the general path decides (errors included). It
/// cuts the URI exactly where the general path would (the first `@`, then the first `;`) and
/// checks host, port and parameters with the same functions, so the two agree on every input
/// it takes (a test compares them).
fn plain_sip(s: &str) -> Option<UriParts<'_>> {
    let rest = s.strip_prefix("sip:")?;
    let (mut at, mut semi) = (None, None);
    for (i, &b) in rest.as_bytes().iter().enumerate() {
        match b {
            b'@' if at.is_none() && semi.is_none() => at = Some(i),
            b';' if semi.is_none() => semi = Some(i),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'+' | b':' | b'=' | b';' => {}
            _ => return None,
        }
    }
    let (user, password, hostpart) = match at {
        Some(at) => {
            let userinfo = &rest[..at];
            let (user, password) = match pos(userinfo, b':') {
                Some(c) => (&userinfo[..c], Some(&userinfo[c + 1..])),
                None => (userinfo, None),
            };
            (Some(user), password, &rest[at + 1..])
        }
        None => (None, None, rest),
    };
    let (hostport, params) = match semi {
        Some(semi) => {
            let semi = semi - at.map_or(0, |a| a + 1);
            (&hostpart[..semi], &hostpart[semi..])
        }
        None => (hostpart, ""),
    };
    let (host, port) = check_hostport(hostport).ok()?;
    check_params(params).ok()?;
    Some(UriParts { kind: UriKind::Sip { secure: false, user, password, host, port }, params, headers: None })
}

fn check_sip(secure: bool, rest: &str) -> Result<UriParts<'_>, UriError> {
    let (userinfo, hostpart) = match pos(rest, b'@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let (user, password) = match userinfo {
        Some(u) => match pos(u, b':') {
            Some(c) => (Some(&u[..c]), Some(&u[c + 1..])),
            None => (Some(u), None),
        },
        None => (None, None),
    };
    let (hostpart, headers) = match pos(hostpart, b'?') {
        Some(q) => (&hostpart[..q], Some(&hostpart[q + 1..])),
        None => (hostpart, None),
    };
    let (hostport, params) = match pos(hostpart, b';') {
        Some(semi) => (&hostpart[..semi], &hostpart[semi..]),
        None => (hostpart, ""),
    };
    let (host, port) = check_hostport(hostport)?;
    check_params(params)?;
    Ok(UriParts { kind: UriKind::Sip { secure, user, password, host, port }, params, headers })
}

fn check_tel(rest: &str) -> Result<UriParts<'_>, UriError> {
    let (number, params) = match pos(rest, b';') {
        Some(semi) => (&rest[..semi], &rest[semi..]),
        None => (rest, ""),
    };
    if number.is_empty() {
        return Err(UriError::Empty);
    }
    check_params(params)?;
    Ok(UriParts { kind: UriKind::Tel { number }, params, headers: None })
}

/// Checks `host [":" port]`, where host is a hostname, an IPv4 address or an IPv6 reference in
/// brackets, nothing copied. Shared with the Via parser's `sent-by`.
pub(crate) fn check_hostport(s: &str) -> Result<(HostRef<'_>, Option<u16>), UriError> {
    let (host, port) = if let Some(inner) = s.strip_prefix('[') {
        let close = pos(inner, b']').ok_or(UriError::BadHost)?;
        let ip: Ipv6Addr = inner[..close].parse().map_err(|_| UriError::BadHost)?;
        let after = &inner[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(UriError::BadHost),
        };
        (HostRef::V6(ip), port)
    } else {
        let (name, port) = match pos(s, b':') {
            Some(c) => (&s[..c], Some(&s[c + 1..])),
            None => (s, None),
        };
        let valid =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        if !valid {
            return Err(UriError::BadHost);
        }
        (HostRef::Name(name), port)
    };
    let port = match port {
        Some(p) => Some(parse_port(p)?),
        None => None,
    };
    Ok((host, port))
}

pub(crate) fn parse_port(p: &str) -> Result<u16, UriError> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UriError::BadPort);
    }
    p.parse().map_err(|_| UriError::BadPort)
}

/// URI parameter characters (`paramchar`: unreserved, escaped, and `[]/:&+$`).
fn is_param_byte(b: u8) -> bool {
    is_token_byte(b) || matches!(b, b'(' | b')' | b'[' | b']' | b'/' | b':' | b'&' | b'+' | b'$')
}

/// Checks `;name[=value]…` (`s` empty or starting with `;`).
fn check_params(s: &str) -> Result<(), UriError> {
    param_list(s).try_for_each(|p| p.map(drop))
}

/// The parameters of `;name[=value]…` (`s` empty or starting with `;`), each checked.
fn param_list(s: &str) -> impl Iterator<Item = Result<(&str, Option<&str>), UriError>> {
    s.get(1..).filter(|_| !s.is_empty()).into_iter().flat_map(|rest| split_byte(rest, b';')).map(param_parts)
}

/// One parameter's name and value, checked.
fn param_parts(p: &str) -> Result<(&str, Option<&str>), UriError> {
    let (name, value) = match pos(p, b'=') {
        Some(eq) => (&p[..eq], Some(&p[eq + 1..])),
        None => (p, None),
    };
    if name.is_empty() || !name.bytes().all(is_param_byte) || value.is_some_and(|v| !v.bytes().all(is_param_byte)) {
        return Err(UriError::BadParam);
    }
    Ok((name, value))
}

/// rsip's typed variant where one exists and keeps the text, else `Param::Other`. `transport`
/// and `method` values rsip does not know (and would refuse) stay `Other` too; values are whole,
/// colons included.
pub(crate) fn to_rsip_param(name: &str, value: Option<&str>) -> Param {
    let typed = match value {
        // rsip's own conversion only splits on nothing and copies the value; it fails only for
        // transports and methods it does not know, which then stay `Other`.
        Some(v) => Param::try_from((name, Some(v))).ok(),
        None if name.eq_ignore_ascii_case("lr") => Some(Param::Lr),
        None => None,
    };
    match typed {
        // rsip's `method` conversion is case-insensitive; SIP methods are not. Keep the text.
        Some(Param::Method(_)) | None => Param::Other(OtherParam::new(name), value.map(OtherParamValue::new)),
        Some(param) => param,
    }
}

/// Writes a URI back to text: the inverse of [`parse_uri`] (minus URI headers). Use this, not
/// rsip's `Display`, for anything that goes on the wire.
pub struct UriDisplay<'a>(pub &'a Uri);

impl fmt::Display for UriDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_uri(f, self.0)
    }
}

/// [`UriDisplay`]'s writer, generic so that writing into a `String` (every request the load
/// generator sends) is monomorphised rather than a chain of `dyn Write` calls and `write!`s.
pub(crate) fn write_uri(f: &mut impl fmt::Write, uri: &Uri) -> fmt::Result {
    match &uri.scheme {
        Some(Scheme::Other(s)) if s.eq_ignore_ascii_case("tel") => {
            f.write_str(s)?;
            f.write_char(':')?;
            if let Some(auth) = &uri.auth {
                f.write_str(&auth.user)?;
            }
        }
        Some(Scheme::Other(s)) => {
            f.write_str(s)?;
            f.write_char(':')?;
            write_host(f, &uri.host_with_port.host)?;
        }
        scheme => {
            match scheme {
                Some(Scheme::Sips) => f.write_str("sips:")?,
                Some(_) => f.write_str("sip:")?,
                None => {}
            }
            if let Some(auth) = &uri.auth {
                f.write_str(&auth.user)?;
                if let Some(pw) = &auth.password {
                    f.write_char(':')?;
                    f.write_str(pw)?;
                }
                f.write_char('@')?;
            }
            write_host(f, &uri.host_with_port.host)?;
            if let Some(port) = &uri.host_with_port.port {
                f.write_char(':')?;
                f.write_str(itoa::Buffer::new().format(*port.value()))?;
            }
        }
    }
    for param in &uri.params {
        write!(f, "{param}")?;
    }
    Ok(())
}

/// Writes a host, putting an IPv6 address in brackets (rsip's `Display` does not).
pub(crate) fn write_host(f: &mut impl fmt::Write, host: &Host) -> fmt::Result {
    match host {
        Host::IpAddr(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
        Host::IpAddr(IpAddr::V4(ip)) => {
            let mut num = itoa::Buffer::new();
            for (i, octet) in ip.octets().into_iter().enumerate() {
                if i > 0 {
                    f.write_char('.')?;
                }
                f.write_str(num.format(octet))?;
            }
            Ok(())
        }
        Host::Domain(d) => write!(f, "{d}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_pass_path_agrees_with_the_general_one() {
        let users = ["", "alice@", "a:pw@", "+15550100@", "a.b-c_d@", "x=y@", ":@", "a@b@", "@"];
        let hosts = ["127.0.0.1", "example.com", "h_1", "", "1.2.3.4.5", "host-", "a+b", "a=b", "[::1]"];
        let ports = ["", ":5060", ":0", ":65535", ":65536", ":", ":12a", ":999999", ":1:2"];
        let params = ["", ";transport=udp", ";lr", ";a=b;c", ";;", ";=x", ";x=", ";user=phone;x=1:2", ";x=a@b", "?h=1"];
        let mut taken = 0;
        for scheme in ["sip:", "SIP:", "sips:"] {
            for user in users {
                for host in hosts {
                    for port in ports {
                        for param in params {
                            let uri = format!("{scheme}{user}{host}{port}{param}");
                            let general = check_any_uri(&uri);
                            if let Some(fast) = plain_sip(&uri) {
                                taken += 1;
                                assert_eq!(Ok(fast), general, "{uri}");
                            }
                            assert_eq!(check_uri(&uri), general, "{uri}");
                        }
                    }
                }
            }
        }
        // The fast path must take the common shapes, or it saves nothing.
        assert!(taken > 500, "{taken}");
        assert!(plain_sip("sip:bench@127.0.0.1:5060").is_some());
        assert!(plain_sip("sip:dialkit@127.0.0.1:40000;transport=tcp").is_some());
    }

    fn round_trip(s: &str) -> Uri {
        let parsed = parse_uri(s).unwrap();
        assert_eq!(UriDisplay(&parsed.uri).to_string(), s, "round trip of {s}");
        parsed.uri
    }

    #[test]
    fn ipv6_hosts_parse_and_keep_their_brackets() {
        let uri = round_trip("sip:alice@[2001:db8::1]:5060;transport=TCP");
        assert_eq!(uri.host_with_port.host, Host::IpAddr("2001:db8::1".parse().unwrap()));
        assert_eq!(uri.host_with_port.port, Some(Port::from(5060)));
        assert_eq!(uri.transport(), Some(&rsip::Transport::Tcp));
        round_trip("sips:[::1]");
    }

    #[test]
    fn parameter_values_keep_their_colons() {
        let uri = round_trip("sip:bob@example.com;maddr=2001:db8::9:1;foo=a:b:c;lr");
        assert_eq!(uri.params[0], Param::Maddr("2001:db8::9:1".into()));
        assert_eq!(uri.params[1], Param::Other("foo".into(), Some("a:b:c".into())));
        assert_eq!(uri.params[2], Param::Lr);
    }

    #[test]
    fn tel_uris_keep_number_and_parameters() {
        let uri = round_trip("tel:+1-201-555-0123;phone-context=example.com");
        assert_eq!(uri.user(), Some("+1-201-555-0123"));
        assert_eq!(uri.params.len(), 1);
        assert_eq!(parse_uri("tel:").unwrap_err(), UriError::Empty);
    }

    #[test]
    fn other_schemes_are_opaque() {
        let uri = round_trip("http://www.example.com");
        assert_eq!(uri.scheme, Some(Scheme::Other("http".into())));
        round_trip("soap.beep://192.0.2.103:3002");
    }

    #[test]
    fn userinfo_may_hold_semicolons_question_marks_and_a_password() {
        let uri = round_trip("sip:user;par=u%40example.net@example.com");
        assert_eq!(uri.user(), Some("user;par=u%40example.net"));
        let s = "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com";
        let uri = round_trip(s);
        assert_eq!(uri.user(), Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"));
        assert_eq!(uri.auth.unwrap().password.as_deref(), Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"));
    }

    #[test]
    fn headers_are_returned_apart() {
        let parsed = parse_uri("sip:user@example.com?Route=%3Csip:sip.example.com%3E").unwrap();
        assert_eq!(parsed.headers.as_deref(), Some("Route=%3Csip:sip.example.com%3E"));
        assert_eq!(parsed.uri.host_with_port.host, Host::Domain("example.com".into()));
    }

    #[test]
    fn malformed_uris_are_refused() {
        assert_eq!(parse_uri("<sip:a@b>").unwrap_err(), UriError::BadCharacter);
        assert_eq!(parse_uri("sip:a@b; lr").unwrap_err(), UriError::BadCharacter);
        assert_eq!(parse_uri("nocolon").unwrap_err(), UriError::BadScheme);
        assert_eq!(parse_uri("1sip:a").unwrap_err(), UriError::BadScheme);
        assert_eq!(parse_uri("sip:a@[2001:db8::g]").unwrap_err(), UriError::BadHost);
        assert_eq!(parse_uri("sip:a@host:99999").unwrap_err(), UriError::BadPort);
        assert_eq!(parse_uri("sip:a@host;;lr").unwrap_err(), UriError::BadParam);
        assert_eq!(parse_uri("sip:a@").unwrap_err(), UriError::BadHost);
    }
}
