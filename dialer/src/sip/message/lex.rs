//! Character classes and small scanners of the RFC 3261 §25 grammar shared by the header parsers.
//!
//! Everything here works on `&str` slices of header values that the message parser has already
//! unfolded (a CRLF followed by white space became one space), so "linear white space" is just
//! spaces and tabs.

/// `token` characters (RFC 3261 §25.1): alphanumerics and `-.!%*_+`'~`.
pub(crate) fn is_token_byte(b: u8) -> bool {
    TOKEN[b as usize]
}

/// [`is_token_byte`] as a table: it runs on every byte of every header name and parameter.
static TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(c, b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~');
        b += 1;
    }
    table
};

/// Whether `s` is a non-empty `token`.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_byte)
}

/// Characters of a generic parameter value that is not quoted: `token`, plus what a `host` adds
/// (`:` and brackets of IPv6 references, as in `received=2001:db8::1` or `maddr=[2001:db8::1]`).
pub(crate) fn is_gen_value_byte(b: u8) -> bool {
    is_token_byte(b) || matches!(b, b':' | b'[' | b']')
}

/// Space or horizontal tab.
pub(crate) fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The index of the first `b` in `s`: a byte search, faster than `str::find` (whose char
/// searcher sets up a memchr for each call). Below 32 bytes (most URI parts and parameters) a
/// plain loop beats memchr's own setup; longer strings go to memchr.
pub(crate) fn pos(s: &str, b: u8) -> Option<usize> {
    let bytes = s.as_bytes();
    if bytes.len() < 32 { bytes.iter().position(|&c| c == b) } else { memchr::memchr(b, bytes) }
}

/// The parts joined into one string, allocated once: the builders' `format!`s cost the load
/// generator a tenth of its instructions per call.
pub(crate) fn cat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

/// `s` cut at the first `b` (an ASCII byte), like `str::split_once` with a char but by bytes.
pub(crate) fn split_at_byte(s: &str, b: u8) -> Option<(&str, &str)> {
    let i = pos(s, b)?;
    Some((&s[..i], &s[i + 1..]))
}

/// The pieces of `s` between the `b`s (an ASCII byte), like `str::split` with a char but by
/// bytes.
pub(crate) fn split_byte(s: &str, b: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        match pos(r, b) {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// `s` without leading and trailing spaces and tabs (by bytes: both are ASCII, so the cuts fall
/// on character boundaries).
pub(crate) fn trim_wsp(s: &str) -> &str {
    let b = s.as_bytes();
    let (mut i, mut j) = (0, b.len());
    while i < j && is_wsp(b[i]) {
        i += 1;
    }
    while j > i && is_wsp(b[j - 1]) {
        j -= 1;
    }
    &s[i..j]
}

/// Splits a header value at the commas that separate its elements, ignoring commas inside
/// quoted strings and inside `<…>`. An empty element (`a,,b` or a trailing comma) is an error,
/// reported as `None`.
pub(crate) fn split_list(value: &str) -> Option<Vec<&str>> {
    if memchr::memchr(b',', value.as_bytes()).is_none() {
        let one = trim_wsp(value);
        return if one.is_empty() { None } else { Some(vec![one]) };
    }
    let bytes = value.as_bytes();
    let mut parts = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    let mut in_angle = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_quotes => i += 1,
            b'"' => in_quotes = !in_quotes,
            b'<' if !in_quotes => in_angle = true,
            b'>' if !in_quotes => in_angle = false,
            b',' if !in_quotes && !in_angle => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&value[start..]);
    let parts: Vec<&str> = parts.into_iter().map(trim_wsp).collect();
    if parts.iter().any(|p| p.is_empty()) { None } else { Some(parts) }
}

/// A cursor over a header value: the scanners the structured header parsers are built from.
pub(crate) struct Cursor<'a> {
    pub(crate) s: &'a str,
    pub(crate) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        Cursor { s, pos: 0 }
    }

    pub(crate) fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    pub(crate) fn skip_wsp(&mut self) {
        while self.peek().is_some_and(is_wsp) {
            self.pos += 1;
        }
    }

    /// Consumes `b` (after optional white space) and returns whether it was there.
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        self.skip_wsp();
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes the longest run of bytes matching `f` (possibly empty).
    pub(crate) fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        // Safe slicing: `f` only accepts ASCII bytes in every caller, so the run ends on a char
        // boundary; non-ASCII bytes stop it.
        &self.s[start..self.pos]
    }

    /// Consumes a quoted string starting at the current `"` and returns its content with
    /// quoted pairs (`\x`) unescaped; `None` if it is not terminated.
    pub(crate) fn quoted_string(&mut self) -> Option<String> {
        self.quoted_span().map(unescape)
    }

    /// Consumes a quoted string starting at the current `"` and returns its content as written,
    /// quoted pairs still escaped (no allocation); `None` if it is not terminated.
    pub(crate) fn quoted_span(&mut self) -> Option<&'a str> {
        let bytes = self.s.as_bytes();
        if bytes.get(self.pos) != Some(&b'"') {
            return None;
        }
        let mut i = self.pos + 1;
        while i < bytes.len() {
            match bytes[i] {
                // A quoted pair: the next character, whatever it is, belongs to the string.
                b'\\' => {
                    // `i + 1` is a character boundary: a backslash is one byte.
                    i += 1 + self.s[i + 1..].chars().next()?.len_utf8();
                }
                b'"' => {
                    let inner = &self.s[self.pos + 1..i];
                    self.pos = i + 1;
                    return Some(inner);
                }
                _ => i += 1,
            }
        }
        None
    }

    /// Parses `*( SWS ";" SWS name [ SWS "=" SWS value ] )` to the end of the input. Values may
    /// be quoted strings (returned unquoted) or runs of [`is_gen_value_byte`]. `None` if the
    /// parameters are malformed (an empty name, a `=` without a value, stray characters).
    pub(crate) fn params(&mut self) -> Option<Vec<(String, Option<String>)>> {
        let mut params = Vec::new();
        self.scan_params(|name, value| params.push((name.to_owned(), value.map(ParamValue::unquoted))))?;
        Some(params)
    }

    /// Checks the parameters as [`params`](Self::params) reads them, without building them:
    /// what message validation needs.
    pub(crate) fn check_params(&mut self) -> bool {
        self.scan_params(|_, _| {}).is_some()
    }

    /// The parameter grammar, handing each `name` and value as written to `each`.
    fn scan_params(&mut self, mut each: impl FnMut(&'a str, Option<ParamValue<'a>>)) -> Option<()> {
        loop {
            self.skip_wsp();
            if self.at_end() {
                return Some(());
            }
            if !self.eat(b';') {
                return None;
            }
            self.skip_wsp();
            let name = self.take_while(is_token_byte);
            if name.is_empty() {
                return None;
            }
            let value = if self.eat(b'=') {
                self.skip_wsp();
                if self.peek() == Some(b'"') {
                    Some(ParamValue::Quoted(self.quoted_span()?))
                } else {
                    let v = self.take_while(is_gen_value_byte);
                    if v.is_empty() {
                        return None;
                    }
                    Some(ParamValue::Plain(v))
                }
            } else {
                None
            };
            each(name, value);
        }
    }
}

/// A parameter value as written.
#[derive(Clone, Copy)]
enum ParamValue<'a> {
    /// A token or host.
    Plain(&'a str),
    /// The inside of a quoted string, quoted pairs still escaped.
    Quoted(&'a str),
}

impl ParamValue<'_> {
    fn unquoted(self) -> String {
        match self {
            ParamValue::Plain(v) => v.to_owned(),
            ParamValue::Quoted(v) => unescape(v),
        }
    }
}

/// The content of a quoted string with its quoted pairs (`\x`) unescaped.
pub(crate) fn unescape(inner: &str) -> String {
    if pos(inner, b'\\').is_none() {
        return inner.to_owned();
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// Looks a parameter up by name, case-insensitively: `None` if absent, `Some(None)` if present
/// without a value.
pub(crate) fn find_param<'a>(params: &'a [(String, Option<String>)], name: &str) -> Option<Option<&'a str>> {
    params.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_outside_quotes_and_angles_only() {
        assert_eq!(split_list(r#""a,b" <sip:x,y@h>;p=1 , <sip:z@h>"#).unwrap().len(), 2);
        assert!(split_list("a,,b").is_none());
        assert!(split_list("a,").is_none());
    }

    #[test]
    fn params_accept_lws_quotes_and_ipv6_values() {
        let mut c = Cursor::new(r#" ;  tag  =  abc ; lr ; received=2001:db8::1;x="q\"v""#);
        let p = c.params().unwrap();
        assert_eq!(p[0], ("tag".into(), Some("abc".into())));
        assert_eq!(p[1], ("lr".into(), None));
        assert_eq!(p[2].1.as_deref(), Some("2001:db8::1"));
        assert_eq!(p[3].1.as_deref(), Some("q\"v"));
        assert!(Cursor::new(";;").params().is_none());
        assert!(Cursor::new(";a=").params().is_none());
        assert!(Cursor::new("junk").params().is_none());
    }

    #[test]
    fn quoted_strings_unescape_and_must_end() {
        let mut c = Cursor::new(r#""J Rosenberg \\\"" rest"#);
        assert_eq!(c.quoted_string().unwrap(), r#"J Rosenberg \""#);
        assert_eq!(c.rest(), " rest");
        assert!(Cursor::new(r#""open"#).quoted_string().is_none());
        assert!(Cursor::new(r#""ends in escape\"#).quoted_string().is_none());
    }
}
