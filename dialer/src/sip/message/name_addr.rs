//! `name-addr` / `addr-spec` header values (From, To, Contact, Route, Record-Route, Reply-To).
//!
//! rsip 0.4 keeps the quotes of a quoted display name (and its `\"` escapes), and fails on the
//! URIs it cannot parse (IPv6, `tel:`). We parse these values ourselves: display names come out
//! unquoted and unescaped, URIs through [`super::uri::parse_uri`].

use rsip::Uri;

use super::lex::{
    Cursor, find_param, is_token_byte, is_wsp, pos, split_at_byte, split_byte, split_list, trim_wsp, unescape,
};
use super::uri::{UriError, UriParts, check_uri};

/// A header value naming a party or a hop: display name, URI and header parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    /// The display name, unquoted and unescaped (`"J Rosenberg \\\""` reads `J Rosenberg \"`);
    /// `None` when there is none.
    pub display_name: Option<String>,
    /// The URI (see [`super::parse_uri`] for how rsip's struct holds `tel:` and other schemes).
    pub uri: Uri,
    /// The URI's `?headers` part, verbatim, if it had one (only allowed inside `<…>`).
    pub uri_headers: Option<String>,
    /// Header parameters after the URI (`tag`, `expires`, `q`, …), names as written, quoted
    /// values unquoted.
    pub params: Vec<(String, Option<String>)>,
}

impl NameAddr {
    /// A header parameter by name (case-insensitive): `None` if absent, `Some(None)` if it has
    /// no value.
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        find_param(&self.params, name)
    }

    /// The `tag` parameter: what identifies a dialog's side in From and To.
    pub fn tag(&self) -> Option<&str> {
        self.param("tag").flatten()
    }
}

/// The tag of a To or From value of the usual shape (`[display name] <plain URI>[;params]`, no
/// quotes, no white space in the URI or the parameters), read directly: rsip's typed header
/// costs some 5 000 instructions a call. `None` for anything else, which rsip reads.
pub(crate) fn plain_tag(value: &str) -> Option<Option<&str>> {
    let open = pos(value, b'<')?;
    let close = open + pos(&value[open..], b'>')?;
    let (name, uri, params) = (&value[..open], &value[open + 1..close], &value[close + 1..]);
    // Token characters (a table lookup) and a few more, tested with `matches!` (a bit mask), not a
    // scan of a character list per byte.
    let name_ok = name.bytes().all(|b| is_token_byte(b) || b == b' ');
    let uri_ok = !uri.is_empty()
        && uri
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'@' | b'.' | b';' | b'=' | b'-' | b'_' | b'+'));
    let params_ok = params.is_empty()
        || (params.starts_with(';') && params.bytes().all(|b| is_token_byte(b) || matches!(b, b';' | b'=')));
    if !(name_ok && uri_ok && params_ok) {
        return None;
    }
    let mut tag = None;
    for param in split_byte(params, b';').skip(1) {
        let (key, val) = split_at_byte(param, b'=').unwrap_or((param, ""));
        if key.is_empty() || (key.eq_ignore_ascii_case("tag") && (key != "tag" || val.is_empty() || tag.is_some())) {
            return None; // unusual: left to rsip
        }
        if key == "tag" {
            tag = Some(val);
        }
    }
    Some(tag)
}

/// Why a name-addr value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameAddrError {
    /// The header field has no value at all.
    #[error("the value is empty")]
    Empty,
    /// A quoted display name has no closing quote (RFC 4475 `quotbal`).
    #[error("the display name's quoted string is not terminated")]
    UnterminatedQuote,
    /// An unquoted display name holds characters other than tokens and spaces (RFC 4475 `baddn`).
    #[error("the display name has characters that need quotes")]
    BadDisplayName,
    /// `<` without `>`, or white space just inside the brackets (RFC 4475 `badaspec`).
    #[error("the <…> around the URI is unbalanced or holds white space")]
    BadBrackets,
    /// A URI with `?headers` outside `<…>` (RFC 4475 `regbadct`: it must be enclosed).
    #[error("a URI with headers must be enclosed in <…>")]
    HeadersNeedBrackets,
    /// The URI itself is malformed.
    #[error("bad URI: {0}")]
    Uri(#[from] UriError),
    /// The header parameters after the URI are malformed (RFC 4475 `badinv01`'s `;;;;`).
    #[error("the header parameters are malformed")]
    BadParams,
}

/// Parses one `name-addr` or `addr-spec` with its header parameters.
pub fn parse_name_addr(value: &str) -> Result<NameAddr, NameAddrError> {
    let parts = check_name_addr(value)?;
    let display_name = match parts.display {
        Some(Display::Quoted(raw)) => Some(unescape(raw)),
        Some(Display::Tokens(raw)) => Some(collapse_wsp(raw)),
        None => None,
    };
    let uri = parts.uri.build();
    // Checked by `check_name_addr`.
    let params = Cursor::new(parts.params).params().ok_or(NameAddrError::BadParams)?;
    Ok(NameAddr { display_name, uri: uri.uri, uri_headers: uri.headers, params })
}

/// A name-addr checked against the grammar and cut into parts, nothing copied (see
/// [`super::uri::check_uri`] for why validation does not build).
pub(crate) struct NameAddrParts<'a> {
    display: Option<Display<'a>>,
    uri: UriParts<'a>,
    /// The header parameters as written (checked).
    params: &'a str,
}

/// A display name as written.
enum Display<'a> {
    /// The inside of the quotes, quoted pairs still escaped.
    Quoted(&'a str),
    /// Tokens and the white space between them.
    Tokens(&'a str),
}

/// [`parse_name_addr`]'s checks, nothing copied.
pub(crate) fn check_name_addr(value: &str) -> Result<NameAddrParts<'_>, NameAddrError> {
    let value = trim_wsp(value);
    if value.is_empty() {
        return Err(NameAddrError::Empty);
    }
    let mut cur = Cursor::new(value);
    let (display, uri_text) = if cur.peek() == Some(b'"') {
        let name = cur.quoted_span().ok_or(NameAddrError::UnterminatedQuote)?;
        cur.skip_wsp();
        if cur.peek() != Some(b'<') {
            return Err(NameAddrError::BadBrackets);
        }
        (Some(Display::Quoted(name)), bracketed(&mut cur)?)
    } else if let Some(lt) = pos(value, b'<') {
        let name = trim_wsp(&value[..lt]);
        if !name.bytes().all(|b| is_token_byte(b) || is_wsp(b)) {
            return Err(NameAddrError::BadDisplayName);
        }
        cur.pos = lt;
        let display = if name.is_empty() { None } else { Some(Display::Tokens(name)) };
        (display, bracketed(&mut cur)?)
    } else {
        // addr-spec: the URI ends at white space or at the first ';' (which starts header
        // parameters: a URI in this form cannot carry its own).
        let uri = cur.take_while(|b| !is_wsp(b) && b != b';' && b.is_ascii());
        if uri.is_empty() {
            return Err(NameAddrError::Empty);
        }
        (None, uri)
    };
    let uri = check_uri(uri_text)?;
    if uri.headers().is_some() && !value[..cur.pos].ends_with('>') {
        return Err(NameAddrError::HeadersNeedBrackets);
    }
    let params = cur.rest();
    if !cur.check_params() {
        return Err(NameAddrError::BadParams);
    }
    Ok(NameAddrParts { display, uri, params })
}

impl NameAddrParts<'_> {
    /// Whether the URI had `?headers`.
    pub(crate) fn has_uri_headers(&self) -> bool {
        self.uri.headers().is_some()
    }
}

/// Parses a comma-separated list of name-addrs (Contact, Route, Record-Route).
pub fn parse_name_addr_list(value: &str) -> Result<Vec<NameAddr>, NameAddrError> {
    split_list(value).ok_or(NameAddrError::Empty)?.into_iter().map(parse_name_addr).collect()
}

/// [`parse_name_addr_list`]'s checks, nothing built.
pub(crate) fn check_name_addr_list(value: &str) -> Result<(), NameAddrError> {
    split_list(value).ok_or(NameAddrError::Empty)?.into_iter().try_for_each(|v| check_name_addr(v).map(drop))
}

/// Consumes `<uri>` at the cursor and returns the URI text.
fn bracketed<'a>(cur: &mut Cursor<'a>) -> Result<&'a str, NameAddrError> {
    let rest = cur.rest();
    let close = pos(rest, b'>').ok_or(NameAddrError::BadBrackets)?;
    let inner = &rest[1..close];
    if inner.is_empty() || inner.starts_with([' ', '\t']) || inner.ends_with([' ', '\t']) {
        return Err(NameAddrError::BadBrackets);
    }
    cur.pos += close + 1;
    Ok(inner)
}

/// `a   b` → `a b`: LWS between the tokens of an unquoted display name is one space.
fn collapse_wsp(s: &str) -> String {
    s.split([' ', '\t']).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_display_names_are_unquoted_and_unescaped() {
        let na = parse_name_addr(r#""J Rosenberg \\\""       <sip:jdrosen@example.com> ;  tag = 98asjd8"#).unwrap();
        assert_eq!(na.display_name.as_deref(), Some(r#"J Rosenberg \""#));
        assert_eq!(na.uri.user(), Some("jdrosen"));
        assert_eq!(na.tag(), Some("98asjd8"));
    }

    #[test]
    fn token_display_names_and_addr_specs() {
        let na = parse_name_addr("caller<sip:caller@example.com>;tag=323").unwrap();
        assert_eq!(na.display_name.as_deref(), Some("caller"));
        let na = parse_name_addr("sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n").unwrap();
        assert_eq!(na.display_name, None);
        assert_eq!(na.tag(), Some("1918181833n"));
        assert!(na.uri.params.is_empty(), "addr-spec parameters belong to the header");
        let na = parse_name_addr("A.  Bell <sip:a.g.bell@example.com>").unwrap();
        assert_eq!(na.display_name.as_deref(), Some("A. Bell"));
    }

    #[test]
    fn ipv6_and_tel_uris_inside_name_addrs() {
        let na = parse_name_addr("<sip:[2001:db8::10]:5070;transport=udp>;expires=60").unwrap();
        assert_eq!(na.uri.host_with_port.host, rsip::Host::IpAddr("2001:db8::10".parse().unwrap()));
        assert_eq!(na.param("expires"), Some(Some("60")));
        let na = parse_name_addr("\"Bob\" <tel:+15551234567>;tag=x").unwrap();
        assert_eq!(na.uri.user(), Some("+15551234567"));
    }

    #[test]
    fn malformed_name_addrs_are_refused() {
        assert_eq!(parse_name_addr(r#""Mr. J. User <sip:j.user@example.com>"#), Err(NameAddrError::UnterminatedQuote));
        assert_eq!(parse_name_addr("Bell, Alexander <sip:a@b>;tag=43"), Err(NameAddrError::BadDisplayName));
        assert_eq!(parse_name_addr("\"W\" < sip:t.watson@example.org >"), Err(NameAddrError::BadBrackets));
        assert_eq!(parse_name_addr("sip:u@example.com?Route=%3Csip:x%3E"), Err(NameAddrError::HeadersNeedBrackets));
        assert_eq!(parse_name_addr("\"Joe\" <sip:joe@example.org>;;;;"), Err(NameAddrError::BadParams));
        assert_eq!(parse_name_addr("  "), Err(NameAddrError::Empty));
        assert!(parse_name_addr("<sip:a@b").is_err());
    }

    #[test]
    fn lists_split_on_top_level_commas() {
        let list = parse_name_addr_list("<sip:a@h;lr>, \"x,y\" <sip:b@h>").unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].display_name.as_deref(), Some("x,y"));
    }

    #[test]
    fn checking_accepts_exactly_what_parsing_accepts() {
        let samples = [
            r#""J Rosenberg \\\""       <sip:jdrosen@example.com> ;  tag = 98asjd8"#,
            "caller<sip:caller@example.com>;tag=323",
            "sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n",
            "<sip:[2001:db8::10]:5070;transport=udp>;expires=60",
            "\"Bob\" <tel:+15551234567>;tag=x",
            "<sip:u@h?Route=%3Csip:x%3E>",
            "\"esc \\é\" <sip:a@b>",
            r#""Mr. J. User <sip:j.user@example.com>"#,
            "Bell, Alexander <sip:a@b>;tag=43",
            "\"W\" < sip:t.watson@example.org >",
            "sip:u@example.com?Route=%3Csip:x%3E",
            "\"Joe\" <sip:joe@example.org>;;;;",
            "<sip:a@b;x=>",
            "<sip:a@[::1>",
            "<sip:a@b:99999>",
            "<nobodyKnowsThisScheme:totallyopaquecontent>",
            "<sip:a@b>;p=\"open",
            "  ",
        ];
        for s in samples {
            let parsed = parse_name_addr(s);
            assert_eq!(check_name_addr(s).is_ok(), parsed.is_ok(), "{s}: {parsed:?}");
            if let Ok(na) = parsed {
                assert_eq!(check_name_addr(s).unwrap().has_uri_headers(), na.uri_headers.is_some(), "{s}");
            }
        }
    }
}
