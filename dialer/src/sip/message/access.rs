//! Read access to the headers the transaction and dialog layers work from.
//!
//! rsip's own typed accessors fail on the inputs its parser fails on (IPv6, `tel:`, quoted
//! display names, compact names), so these go through our parsers. Every accessor returns an
//! error rather than panicking; on a message that passed [`super::parse`] the mandatory ones
//! (top Via, Call-ID, From, To, and CSeq unless a response names an extension method rsip has no
//! variant for) and the Contact, Route and Record-Route lists cannot fail.

use rsip::headers::UntypedHeader;
use rsip::message::HasHeaders;
use rsip::{Header, Method, Uri};

use super::headers::name_value;
use super::lex::{is_token_byte, trim_wsp};
use super::name_addr::{NameAddr, NameAddrError, parse_name_addr, parse_name_addr_list, plain_tag};
use super::parse::method_from_token;
use super::via::{Via, ViaError, parse_via_list};

/// Why a header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    /// The message has no such header.
    #[error("the message has no {0} header")]
    Missing(&'static str),
    /// A Via value is malformed.
    #[error("bad Via: {0}")]
    Via(#[from] ViaError),
    /// A From, To, Contact, Route or Record-Route value is malformed.
    #[error("bad {name}: {error}")]
    NameAddr {
        /// Which header.
        name: &'static str,
        /// What is wrong with it.
        error: NameAddrError,
    },
    /// CSeq is not `number method` with a number below 2³².
    #[error("bad CSeq: {0}")]
    CSeq(&'static str),
    /// The CSeq method is one rsip has no variant for.
    #[error("CSeq method {0:?} is not one rsip knows")]
    UnknownMethod(String),
    /// Max-Forwards is not a number from 0 to 255.
    #[error("Max-Forwards is not a number from 0 to 255")]
    MaxForwards,
}

/// The CSeq header: sequence number and method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CSeq {
    /// The sequence number (RFC 3261 §8.1.1.5: below 2³¹ when we choose it, below 2³² on input).
    pub seq: u32,
    /// The method.
    pub method: Method,
}

/// Splits a CSeq value into number and method token, with the range and syntax checks.
pub(crate) fn parse_cseq(value: &str) -> Result<(u32, &str), &'static str> {
    let value = trim_wsp(value);
    let digits_end = value.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(value.len());
    let (num, rest) = value.split_at(digits_end);
    if num.is_empty() {
        return Err("no sequence number");
    }
    let seq = u32::try_from(decimal(num).ok_or("sequence number is too long")?)
        .map_err(|_| "sequence number is 2^32 or more")?;
    let method = trim_wsp(rest);
    if rest.len() == method.len() || method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err("expected `number method`");
    }
    Ok((seq, method))
}

/// The value of a string of ASCII digits, leading zeros allowed; `None` past 20 significant
/// digits (beyond any field we read).
fn decimal(digits: &str) -> Option<u64> {
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Some(0);
    }
    if significant.len() > 19 {
        return None;
    }
    significant.parse().ok()
}

/// A Max-Forwards value.
pub(crate) fn parse_max_forwards(value: &str) -> Result<u8, AccessError> {
    let value = trim_wsp(value);
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AccessError::MaxForwards);
    }
    let n = decimal(value).ok_or(AccessError::MaxForwards)?;
    u8::try_from(n).map_err(|_| AccessError::MaxForwards)
}

/// Header accessors for rsip requests, responses and messages, robust to what rsip's fail on.
// `from_*` names the SIP From header here, not a conversion.
#[allow(clippy::wrong_self_convention)]
pub trait MessageExt {
    /// Every Via value, top first (a header line may hold several).
    fn vias(&self) -> Result<Vec<Via>, AccessError>;
    /// The top Via: the one this hop added, whose branch names the transaction.
    fn top_via(&self) -> Result<Via, AccessError>;
    /// The top Via's branch parameter, if it has one.
    fn branch(&self) -> Result<Option<String>, AccessError>;
    /// The Call-ID value.
    fn call_id(&self) -> Result<&str, AccessError>;
    /// CSeq number and method.
    fn cseq(&self) -> Result<CSeq, AccessError>;
    /// The From header.
    fn from_addr(&self) -> Result<NameAddr, AccessError>;
    /// The To header.
    fn to_addr(&self) -> Result<NameAddr, AccessError>;
    /// The From tag.
    fn from_tag(&self) -> Result<Option<String>, AccessError>;
    /// The To tag (absent on an out-of-dialog request).
    fn to_tag(&self) -> Result<Option<String>, AccessError>;
    /// Max-Forwards, if present.
    fn max_forwards(&self) -> Result<Option<u8>, AccessError>;
    /// Every Contact value (empty for none; `*` reads as no value).
    fn contacts(&self) -> Result<Vec<NameAddr>, AccessError>;
    /// The first Contact's URI: the remote target of a dialog.
    fn contact_uri(&self) -> Result<Option<Uri>, AccessError>;
    /// Every Record-Route value, in message order.
    fn record_routes(&self) -> Result<Vec<NameAddr>, AccessError>;
    /// Every Route value, in message order.
    fn routes(&self) -> Result<Vec<NameAddr>, AccessError>;
    /// The Content-Type value, if any.
    fn content_type(&self) -> Option<&str>;
    /// The Expires header's seconds, if present and a number (REGISTER, §10.2.1.1).
    fn expires(&self) -> Option<u64>;
}

impl<T: HasHeaders> MessageExt for T {
    fn vias(&self) -> Result<Vec<Via>, AccessError> {
        let mut out = Vec::new();
        for header in self.headers().iter() {
            if let Header::Via(v) = header {
                out.extend(parse_via_list(v.value())?);
            }
        }
        Ok(out)
    }

    fn top_via(&self) -> Result<Via, AccessError> {
        let list = parse_via_list(first(self, "Via", |h| matches!(h, Header::Via(_)))?)?;
        // `parse_via_list` never returns an empty list: an empty value is its error.
        list.into_iter().next().ok_or(AccessError::Missing("Via"))
    }

    fn branch(&self) -> Result<Option<String>, AccessError> {
        Ok(self.top_via()?.branch().map(str::to_owned))
    }

    fn call_id(&self) -> Result<&str, AccessError> {
        first(self, "Call-ID", |h| matches!(h, Header::CallId(_)))
    }

    fn cseq(&self) -> Result<CSeq, AccessError> {
        let value = first(self, "CSeq", |h| matches!(h, Header::CSeq(_)))?;
        let (seq, method) = parse_cseq(value).map_err(AccessError::CSeq)?;
        let method = method_from_token(method).ok_or_else(|| AccessError::UnknownMethod(method.to_owned()))?;
        Ok(CSeq { seq, method })
    }

    fn from_addr(&self) -> Result<NameAddr, AccessError> {
        let value = first(self, "From", |h| matches!(h, Header::From(_)))?;
        parse_name_addr(value).map_err(|error| AccessError::NameAddr { name: "From", error })
    }

    fn to_addr(&self) -> Result<NameAddr, AccessError> {
        let value = first(self, "To", |h| matches!(h, Header::To(_)))?;
        parse_name_addr(value).map_err(|error| AccessError::NameAddr { name: "To", error })
    }

    fn from_tag(&self) -> Result<Option<String>, AccessError> {
        if let Ok(value) = first(self, "From", |h| matches!(h, Header::From(_)))
            && let Some(tag) = plain_tag(value)
        {
            return Ok(tag.map(str::to_owned));
        }
        Ok(self.from_addr()?.tag().map(str::to_owned))
    }

    fn to_tag(&self) -> Result<Option<String>, AccessError> {
        // The usual shape read directly; anything else (quotes, escapes, white space) parsed.
        if let Ok(value) = first(self, "To", |h| matches!(h, Header::To(_)))
            && let Some(tag) = plain_tag(value)
        {
            return Ok(tag.map(str::to_owned));
        }
        Ok(self.to_addr()?.tag().map(str::to_owned))
    }

    fn max_forwards(&self) -> Result<Option<u8>, AccessError> {
        match first(self, "Max-Forwards", |h| matches!(h, Header::MaxForwards(_))) {
            Ok(value) => parse_max_forwards(value).map(Some),
            Err(_) => Ok(None),
        }
    }

    fn contacts(&self) -> Result<Vec<NameAddr>, AccessError> {
        name_addrs(self, "Contact", |h| match h {
            Header::Contact(v) if trim_wsp(v.value()) != "*" => Some(v.value()),
            _ => None,
        })
    }

    fn contact_uri(&self) -> Result<Option<Uri>, AccessError> {
        Ok(self.contacts()?.into_iter().next().map(|na| na.uri))
    }

    fn record_routes(&self) -> Result<Vec<NameAddr>, AccessError> {
        name_addrs(self, "Record-Route", |h| match h {
            Header::RecordRoute(v) => Some(v.value()),
            _ => None,
        })
    }

    fn routes(&self) -> Result<Vec<NameAddr>, AccessError> {
        name_addrs(self, "Route", |h| match h {
            Header::Route(v) => Some(v.value()),
            _ => None,
        })
    }

    fn content_type(&self) -> Option<&str> {
        first(self, "Content-Type", |h| matches!(h, Header::ContentType(_))).ok()
    }

    fn expires(&self) -> Option<u64> {
        first(self, "Expires", |h| matches!(h, Header::Expires(_))).ok()?.trim().parse().ok()
    }
}

/// The value of the first header `is` picks, or `Missing(name)`.
fn first<'a, T: HasHeaders>(msg: &'a T, name: &'static str, is: fn(&Header) -> bool) -> Result<&'a str, AccessError> {
    msg.headers().iter().find(|h| is(h)).map(|h| name_value(h).1).ok_or(AccessError::Missing(name))
}

fn name_addrs<'a, T: HasHeaders>(
    msg: &'a T,
    name: &'static str,
    pick: impl Fn(&'a Header) -> Option<&'a str>,
) -> Result<Vec<NameAddr>, AccessError> {
    let mut out = Vec::new();
    for value in msg.headers().iter().filter_map(pick) {
        out.extend(parse_name_addr_list(value).map_err(|error| AccessError::NameAddr { name, error })?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_read_directly_equal_the_parsed_addresses_tags() {
        for (from, to) in [
            ("<sip:dialkit@127.0.0.1:40000>;tag=l17", "<sip:bench@127.0.0.1:5060>"),
            ("Bob <sip:bob@example.com>;tag=a6c85cf;x-id=2", "<sip:a@b>;tag=9fxced76sl"),
            ("\"J Rosenberg \\\"\" <sip:jdrosen@example.com>;tag=98asjd8", "sip:x@y;tag=1"),
            ("<sip:a@b>;TAG=Up", " <sip:a@b> ;tag=x"),
        ] {
            let text = format!(
                "OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: {from}\r\nTo: {to}\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
            );
            let msg = super::super::parse(text.as_bytes()).unwrap();
            assert_eq!(msg.from_tag().unwrap(), msg.from_addr().unwrap().tag().map(str::to_owned), "{from}");
            assert_eq!(msg.to_tag().unwrap(), msg.to_addr().unwrap().tag().map(str::to_owned), "{to}");
        }
    }

    #[test]
    fn cseq_values() {
        assert_eq!(parse_cseq("0009 INVITE"), Ok((9, "INVITE")));
        assert_eq!(parse_cseq("4294967295 BYE"), Ok((u32::MAX, "BYE")));
        assert!(parse_cseq("4294967296 BYE").is_err());
        assert!(parse_cseq("36893488147419103232 REGISTER").is_err());
        assert!(parse_cseq("INVITE").is_err());
        assert!(parse_cseq("12INVITE").is_err());
        assert!(parse_cseq("1").is_err());
        assert_eq!(parse_cseq("0 ACK"), Ok((0, "ACK")));
    }

    #[test]
    fn max_forwards_values() {
        assert_eq!(parse_max_forwards("0068").unwrap(), 68);
        assert_eq!(parse_max_forwards("0").unwrap(), 0);
        assert!(parse_max_forwards("300").is_err());
        assert!(parse_max_forwards("-1").is_err());
        assert!(parse_max_forwards("").is_err());
    }
}
