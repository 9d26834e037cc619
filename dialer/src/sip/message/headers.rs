//! Header names: compact forms expanded, and the bridge between `(name, value)` text and rsip's
//! `Header` enum.
//!
//! rsip 0.4 does not know compact header names (`v:`, `i:`, `f:` …) and files them under
//! `Header::Other`, where its accessors never look. We expand them before building the header,
//! so `Via`, `Call-ID`, `From` … always land in their own variant.

use rsip::Header;
use rsip::headers::UntypedHeader;
use rsip::headers::untyped as h;

/// The full name of a compact header name (RFC 3261 §7.3.3 and the extensions that registered
/// one), or `None` if `name` is not a one-letter compact form.
pub fn expand_compact(name: &str) -> Option<&'static str> {
    let [b] = name.as_bytes() else { return None };
    Some(match b.to_ascii_lowercase() {
        b'a' => "Accept-Contact",
        b'b' => "Referred-By",
        b'c' => "Content-Type",
        b'd' => "Request-Disposition",
        b'e' => "Content-Encoding",
        b'f' => "From",
        b'i' => "Call-ID",
        b'j' => "Reject-Contact",
        b'k' => "Supported",
        b'l' => "Content-Length",
        b'm' => "Contact",
        b'n' => "Identity-Info",
        b'o' => "Event",
        b'r' => "Refer-To",
        b's' => "Subject",
        b't' => "To",
        b'u' => "Allow-Events",
        b'v' => "Via",
        b'x' => "Session-Expires",
        b'y' => "Identity",
        _ => return None,
    })
}

macro_rules! known_headers {
    ($( $variant:ident => $name:literal ),* $(,)?) => {
        /// Builds rsip's header for a (full, any-case) name and its value. Names rsip has no
        /// variant for become `Header::Other` with the name as given.
        pub fn make_header(name: &str, value: String) -> Header {
            $( if name.eq_ignore_ascii_case($name) { return Header::$variant(h::$variant::new(value)); } )*
            Header::Other(name.to_owned(), value)
        }

        /// The canonical name and the value of a header, for writing it out (rsip's `Display`
        /// spells some names oddly, e.g. `Call-Id`).
        pub fn name_value(header: &Header) -> (&str, &str) {
            match header {
                $( Header::$variant(v) => ($name, v.value()), )*
                Header::Other(name, value) => (name.as_str(), value.as_str()),
            }
        }
    };
}

known_headers! {
    // The headers every message carries first: `make_header` tries the names in this order.
    Via => "Via",
    From => "From",
    To => "To",
    CallId => "Call-ID",
    CSeq => "CSeq",
    MaxForwards => "Max-Forwards",
    Contact => "Contact",
    ContentLength => "Content-Length",
    ContentType => "Content-Type",
    RecordRoute => "Record-Route",
    Route => "Route",
    Accept => "Accept",
    AcceptEncoding => "Accept-Encoding",
    AcceptLanguage => "Accept-Language",
    AlertInfo => "Alert-Info",
    Allow => "Allow",
    AuthenticationInfo => "Authentication-Info",
    Authorization => "Authorization",
    CallInfo => "Call-Info",
    ContentDisposition => "Content-Disposition",
    ContentEncoding => "Content-Encoding",
    ContentLanguage => "Content-Language",
    Date => "Date",
    ErrorInfo => "Error-Info",
    Event => "Event",
    Expires => "Expires",
    InReplyTo => "In-Reply-To",
    MimeVersion => "MIME-Version",
    MinExpires => "Min-Expires",
    Organization => "Organization",
    Priority => "Priority",
    ProxyAuthenticate => "Proxy-Authenticate",
    ProxyAuthorization => "Proxy-Authorization",
    ProxyRequire => "Proxy-Require",
    ReplyTo => "Reply-To",
    Require => "Require",
    RetryAfter => "Retry-After",
    Server => "Server",
    Subject => "Subject",
    SubscriptionState => "Subscription-State",
    Supported => "Supported",
    Timestamp => "Timestamp",
    Unsupported => "Unsupported",
    UserAgent => "User-Agent",
    Warning => "Warning",
    WwwAuthenticate => "WWW-Authenticate",
}

/// Builds a header from a name as it appeared on the wire: compact forms are expanded first.
pub fn header_from_wire(name: &str, value: String) -> Header {
    make_header(expand_compact(name).unwrap_or(name), value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_names_land_in_their_variants() {
        for (compact, full) in [("v", "Via"), ("i", "Call-ID"), ("f", "From"), ("t", "To"), ("l", "Content-Length")] {
            let header = header_from_wire(compact, "x".into());
            assert_eq!(name_value(&header), (full, "x"));
            assert!(!matches!(header, Header::Other(..)), "{compact} should not be Other");
        }
        assert!(matches!(header_from_wire("M", "<sip:a@b>".into()), Header::Contact(_)));
        assert!(matches!(header_from_wire("k", "path".into()), Header::Supported(_)));
        assert!(matches!(header_from_wire("o", "dialog".into()), Header::Event(_)));
        assert!(matches!(header_from_wire("c", "application/sdp".into()), Header::ContentType(_)));
        assert!(matches!(header_from_wire("e", "gzip".into()), Header::ContentEncoding(_)));
        assert!(matches!(header_from_wire("s", "hi".into()), Header::Subject(_)));
        assert_eq!(name_value(&header_from_wire("r", "<sip:x@y>".into())), ("Refer-To", "<sip:x@y>"));
        assert_eq!(name_value(&header_from_wire("u", "talk".into())), ("Allow-Events", "talk"));
        assert_eq!(expand_compact("q"), None);
        assert_eq!(expand_compact("via"), None);
    }

    #[test]
    fn names_are_case_insensitive_and_unknown_ones_kept() {
        assert!(matches!(header_from_wire("cAlL-iD", "x".into()), Header::CallId(_)));
        assert_eq!(name_value(&header_from_wire("X-Custom", "1".into())), ("X-Custom", "1"));
    }
}
