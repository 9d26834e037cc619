//! HTTP digest authentication for SIP (RFC 3261 §22 on RFC 2617, with RFC 7616's SHA-256).
//!
//! rsip 0.4 has a digest helper, but it writes the nonce count in decimal (`nc=1` instead of
//! `nc=00000001`) and keeps no count per nonce, so servers reject its second use of a nonce.
//! Everything here is our own:
//! - [`Challenge::parse`] reads a `WWW-Authenticate` / `Proxy-Authenticate` value;
//! - [`DigestClient::authorize`] answers it with an `Authorization` / `Proxy-Authorization`
//!   value, counting uses per nonce;
//! - [`DigestServer`] issues challenges and verifies answers, for the emulated callee and tests.
//!
//! Sans-IO like the rest of the stack: client nonces (`cnonce`) and server nonces are passed in,
//! never drawn here.

use std::collections::HashMap;
use std::fmt::Write as _;

use md5::Md5;
use sha2::Sha256;

use super::message::lex::{Cursor, is_token_byte, is_wsp};
use super::message::name_value;

/// The digest algorithms of RFC 7616 §3.2 (MD5 and SHA-256, plain and session variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// `MD5`, the default when a challenge names none.
    Md5,
    /// `MD5-sess`: HA1 also covers the nonce and cnonce.
    Md5Sess,
    /// `SHA-256` (RFC 7616).
    Sha256,
    /// `SHA-256-sess` (RFC 7616).
    Sha256Sess,
}

impl Algorithm {
    /// The token as written in headers.
    pub fn token(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
        }
    }

    fn from_token(token: &str) -> Option<Self> {
        [Algorithm::Md5, Algorithm::Md5Sess, Algorithm::Sha256, Algorithm::Sha256Sess]
            .into_iter()
            .find(|a| a.token().eq_ignore_ascii_case(token))
    }

    fn is_sess(self) -> bool {
        matches!(self, Algorithm::Md5Sess | Algorithm::Sha256Sess)
    }

    /// Lower-case hex of the hash of `parts` joined by `:`.
    fn hash(self, parts: &[&[u8]]) -> String {
        fn run<D: md5::Digest>(parts: &[&[u8]]) -> String {
            let mut d = D::new();
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    d.update(b":");
                }
                d.update(part);
            }
            let mut out = String::with_capacity(64);
            for byte in d.finalize() {
                // Writing into a String cannot fail.
                let _ = write!(out, "{byte:02x}");
            }
            out
        }
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => run::<Md5>(parts),
            Algorithm::Sha256 | Algorithm::Sha256Sess => run::<Sha256>(parts),
        }
    }

    /// How much we prefer it when a server offers several (RFC 7616 §3.7: strongest first).
    fn strength(self) -> u8 {
        match self {
            Algorithm::Sha256 | Algorithm::Sha256Sess => 2,
            Algorithm::Md5 | Algorithm::Md5Sess => 1,
        }
    }
}

/// Which header carried a challenge, and so which one answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeKind {
    /// `WWW-Authenticate` in a 401, answered by `Authorization`.
    Www,
    /// `Proxy-Authenticate` in a 407, answered by `Proxy-Authorization`.
    Proxy,
}

impl ChallengeKind {
    /// The header that answers this kind of challenge, with `value` from
    /// [`DigestClient::authorize`].
    pub fn answer_header(self, value: String) -> rsip::Header {
        use rsip::headers::UntypedHeader;
        match self {
            ChallengeKind::Www => rsip::Header::Authorization(rsip::headers::Authorization::new(value)),
            ChallengeKind::Proxy => rsip::Header::ProxyAuthorization(rsip::headers::ProxyAuthorization::new(value)),
        }
    }
}

/// Why a challenge could not be read or answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    /// The scheme is not `Digest` (e.g. `Basic`, or RFC 4475 `regaut01`'s unknown scheme).
    #[error("the challenge scheme is {0:?}, not Digest")]
    NotDigest(String),
    /// The parameters are not a comma-separated list of `name=value`.
    #[error("the challenge parameters are malformed")]
    Malformed,
    /// `realm` or `nonce` is missing.
    #[error("the challenge has no {0}")]
    Missing(&'static str),
    /// An algorithm we do not implement.
    #[error("unsupported digest algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// A qop list offering neither `auth` nor `auth-int`.
    #[error("no supported qop in {0:?}")]
    UnsupportedQop(String),
}

/// A parsed digest challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The protection space; part of HA1.
    pub realm: String,
    /// The server's nonce.
    pub nonce: String,
    /// Returned unchanged in the answer, if given.
    pub opaque: Option<String>,
    /// The hash to use (`MD5` when absent).
    pub algorithm: Algorithm,
    /// The qop values offered, lower-case (`auth`, `auth-int`); empty for an RFC 2069-style
    /// challenge without qop.
    pub qop: Vec<String>,
    /// `stale=true`: the previous answer was right but its nonce expired; retry without asking
    /// the user again.
    pub stale: bool,
}

impl Challenge {
    /// Parses the value of a `WWW-Authenticate` or `Proxy-Authenticate` header.
    pub fn parse(value: &str) -> Result<Challenge, ChallengeError> {
        let (scheme, params) = split_auth_params(value)?;
        if !scheme.eq_ignore_ascii_case("Digest") {
            return Err(ChallengeError::NotDigest(scheme.to_owned()));
        }
        let get = |name: &str| auth_param(&params, name);
        let algorithm = match get("algorithm") {
            None => Algorithm::Md5,
            Some(a) => Algorithm::from_token(&a).ok_or(ChallengeError::UnsupportedAlgorithm(a))?,
        };
        let qop: Vec<String> = get("qop")
            .map(|q| q.split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        if !qop.is_empty() && !qop.iter().any(|q| q == "auth" || q == "auth-int") {
            return Err(ChallengeError::UnsupportedQop(qop.join(",")));
        }
        Ok(Challenge {
            realm: get("realm").ok_or(ChallengeError::Missing("realm"))?,
            nonce: get("nonce").ok_or(ChallengeError::Missing("nonce"))?,
            opaque: get("opaque"),
            algorithm,
            qop,
            stale: get("stale").is_some_and(|s| s.eq_ignore_ascii_case("true")),
        })
    }

    /// Every digest challenge of a 401/407, strongest algorithm first; challenges we cannot use
    /// are skipped.
    pub fn all_in(resp: &rsip::Response) -> Vec<(ChallengeKind, Challenge)> {
        let mut out: Vec<(ChallengeKind, Challenge)> = resp
            .headers
            .iter()
            .filter_map(|h| {
                let kind = match h {
                    rsip::Header::WwwAuthenticate(_) => ChallengeKind::Www,
                    rsip::Header::ProxyAuthenticate(_) => ChallengeKind::Proxy,
                    _ => return None,
                };
                Challenge::parse(name_value(h).1).ok().map(|c| (kind, c))
            })
            .collect();
        out.sort_by_key(|(_, c)| std::cmp::Reverse(c.algorithm.strength()));
        out
    }
}

/// The username and password a client answers challenges with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name (the `username` parameter).
    pub username: String,
    /// The password.
    pub password: String,
}

/// Nonces remembered per client before the oldest are forgotten: enough for any number of
/// realms a UA talks to, bounded for a load generator that sees a new nonce per call.
const MAX_NONCES: usize = 4096;

/// The client side: answers challenges and counts each nonce's uses (`nc`), as RFC 7616 §3.4
/// requires for `qop` answers.
#[derive(Debug, Default)]
pub struct DigestClient {
    counts: HashMap<String, u32>,
}

impl DigestClient {
    /// A client that has used no nonce yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The header (`Authorization` for a 401, `Proxy-Authorization` for a 407) answering the
    /// first challenge of `response` to `request`, to add to the request sent again with the next
    /// CSeq: what a UAC does on 401/407. `None` when the response carries no challenge we read.
    pub fn answer(
        &mut self,
        response: &rsip::Response,
        request: &rsip::Request,
        credentials: &Credentials,
        cnonce: &str,
    ) -> Option<rsip::Header> {
        let (kind, challenge) = Challenge::all_in(response).into_iter().next()?;
        let uri = request.uri.to_string();
        let method = request.method.to_string();
        let value = self.authorize(&challenge, credentials, &method, &uri, &request.body, cnonce);
        Some(kind.answer_header(value))
    }

    /// The value of the `Authorization` (or `Proxy-Authorization`) header answering `challenge`
    /// for a request `method` to `uri` (the Request-URI as written), with `body` for
    /// `qop=auth-int`. `cnonce` is the client nonce, drawn by the caller (unused without qop).
    /// Prefers `qop=auth` when offered.
    pub fn authorize(
        &mut self,
        challenge: &Challenge,
        credentials: &Credentials,
        method: &str,
        uri: &str,
        body: &[u8],
        cnonce: &str,
    ) -> String {
        let qop = if challenge.qop.iter().any(|q| q == "auth") {
            Some("auth")
        } else if challenge.qop.iter().any(|q| q == "auth-int") {
            Some("auth-int")
        } else {
            None
        };
        let nc = match qop {
            Some(_) => {
                if self.counts.len() >= MAX_NONCES && !self.counts.contains_key(&challenge.nonce) {
                    self.counts.clear();
                }
                let count = self.counts.entry(challenge.nonce.clone()).or_insert(0);
                *count = count.wrapping_add(1);
                Some(*count)
            }
            None => None,
        };
        let nc_text = nc.map(|n| format!("{n:08x}"));
        let response = compute_response(&ResponseInput {
            algorithm: challenge.algorithm,
            username: &credentials.username,
            realm: &challenge.realm,
            password: &credentials.password,
            nonce: &challenge.nonce,
            cnonce,
            nc: nc_text.as_deref().unwrap_or(""),
            qop,
            method,
            uri,
            body,
        });
        let mut v = String::with_capacity(256);
        v.push_str("Digest username=");
        push_quoted(&mut v, &credentials.username);
        v.push_str(", realm=");
        push_quoted(&mut v, &challenge.realm);
        v.push_str(", nonce=");
        push_quoted(&mut v, &challenge.nonce);
        v.push_str(", uri=");
        push_quoted(&mut v, uri);
        v.push_str(", response=");
        push_quoted(&mut v, &response);
        v.push_str(", algorithm=");
        v.push_str(challenge.algorithm.token());
        if let (Some(qop), Some(nc)) = (qop, &nc_text) {
            v.push_str(", cnonce=");
            push_quoted(&mut v, cnonce);
            v.push_str(", qop=");
            v.push_str(qop);
            v.push_str(", nc=");
            v.push_str(nc);
        }
        if let Some(opaque) = &challenge.opaque {
            v.push_str(", opaque=");
            push_quoted(&mut v, opaque);
        }
        v
    }
}

/// Everything a digest `response` is computed from.
struct ResponseInput<'a> {
    algorithm: Algorithm,
    username: &'a str,
    realm: &'a str,
    password: &'a str,
    nonce: &'a str,
    cnonce: &'a str,
    nc: &'a str,
    qop: Option<&'a str>,
    method: &'a str,
    uri: &'a str,
    body: &'a [u8],
}

/// RFC 7616 §3.4.1–3.4.3 (RFC 2617 §3.2.2 for MD5): HA1, HA2 and the response.
fn compute_response(i: &ResponseInput<'_>) -> String {
    let a = i.algorithm;
    let mut ha1 = a.hash(&[i.username.as_bytes(), i.realm.as_bytes(), i.password.as_bytes()]);
    if a.is_sess() {
        ha1 = a.hash(&[ha1.as_bytes(), i.nonce.as_bytes(), i.cnonce.as_bytes()]);
    }
    let ha2 = match i.qop {
        Some("auth-int") => {
            let body_hash = a.hash(&[i.body]);
            a.hash(&[i.method.as_bytes(), i.uri.as_bytes(), body_hash.as_bytes()])
        }
        _ => a.hash(&[i.method.as_bytes(), i.uri.as_bytes()]),
    };
    match i.qop {
        Some(qop) => a.hash(&[
            ha1.as_bytes(),
            i.nonce.as_bytes(),
            i.nc.as_bytes(),
            i.cnonce.as_bytes(),
            qop.as_bytes(),
            ha2.as_bytes(),
        ]),
        None => a.hash(&[ha1.as_bytes(), i.nonce.as_bytes(), ha2.as_bytes()]),
    }
}

/// Appends `s` as a quoted string, escaping `"` and `\`.
fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// `name=value` pairs of an auth header, values unquoted.
type AuthParams = Vec<(String, String)>;

/// Splits `Scheme name=value, name="quoted, value"` into the scheme and unquoted parameters.
fn split_auth_params(value: &str) -> Result<(&str, AuthParams), ChallengeError> {
    let mut cur = Cursor::new(value.trim());
    let scheme = cur.take_while(is_token_byte);
    let mut params = Vec::new();
    loop {
        cur.take_while(|b| is_wsp(b) || b == b',');
        if cur.at_end() {
            return Ok((scheme, params));
        }
        let name = cur.take_while(is_token_byte);
        if name.is_empty() || !cur.eat(b'=') {
            return Err(ChallengeError::Malformed);
        }
        cur.skip_wsp();
        let value = if cur.peek() == Some(b'"') {
            cur.quoted_string().ok_or(ChallengeError::Malformed)?
        } else {
            cur.take_while(|b| b != b',' && !is_wsp(b) && b.is_ascii()).to_owned()
        };
        params.push((name.to_owned(), value));
    }
}

/// A parameter of an auth header by name (case-insensitive).
fn auth_param(params: &AuthParams, name: &str) -> Option<String> {
    params.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
}

/// Why a server refused an answer to its challenge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// No Authorization header, or one that is not a digest answer we can read.
    #[error("no readable digest credentials")]
    NoCredentials,
    /// The answer is for another realm.
    #[error("the credentials are for another realm")]
    WrongRealm,
    /// The nonce is not one this server issued (or it was forgotten): challenge again with
    /// `stale=true`.
    #[error("the nonce is unknown or expired")]
    StaleNonce,
    /// The nonce count did not increase: a replayed answer.
    #[error("the nonce count did not increase (replay)")]
    Replay,
    /// The user is unknown.
    #[error("unknown user {0:?}")]
    UnknownUser(String),
    /// The response does not match: wrong password (or a tampered request).
    #[error("the digest response does not match")]
    BadResponse,
}

/// A digest answer as the server reads it from `Authorization` / `Proxy-Authorization`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// `username`.
    pub username: String,
    /// `realm`.
    pub realm: String,
    /// `nonce`.
    pub nonce: String,
    /// `uri`, as the client wrote it.
    pub uri: String,
    /// `response`: the digest to check.
    pub response: String,
    /// `algorithm` (MD5 when absent).
    pub algorithm: Algorithm,
    /// `qop`, if the client used one.
    pub qop: Option<String>,
    /// `nc`, parsed from its 8 hex digits.
    pub nc: Option<u32>,
    /// `cnonce`.
    pub cnonce: Option<String>,
}

impl Answer {
    /// Parses an `Authorization` / `Proxy-Authorization` value.
    pub fn parse(value: &str) -> Option<Answer> {
        let (scheme, params) = split_auth_params(value).ok()?;
        if !scheme.eq_ignore_ascii_case("Digest") {
            return None;
        }
        let get = |name: &str| auth_param(&params, name);
        let nc = match get("nc") {
            Some(nc) if nc.len() == 8 => Some(u32::from_str_radix(&nc, 16).ok()?),
            Some(_) => return None,
            None => None,
        };
        Some(Answer {
            username: get("username")?,
            realm: get("realm")?,
            nonce: get("nonce")?,
            uri: get("uri")?,
            response: get("response")?,
            algorithm: match get("algorithm") {
                Some(a) => Algorithm::from_token(&a)?,
                None => Algorithm::Md5,
            },
            qop: get("qop"),
            nc,
            cnonce: get("cnonce"),
        })
    }
}

/// Nonces a server remembers before forgetting the oldest (their answers then get `stale=true`).
const MAX_ISSUED: usize = 65_536;

/// The server side: issues challenges for one realm and verifies the answers, tracking each
/// nonce's highest count against replays. Nonces come from the caller (a random source or, in
/// tests, a counter).
#[derive(Debug)]
pub struct DigestServer {
    realm: String,
    algorithm: Algorithm,
    /// Issued nonce → highest `nc` seen (0: none yet).
    issued: HashMap<String, u32>,
}

impl DigestServer {
    /// A server for `realm` that challenges with `algorithm` and `qop="auth"`.
    pub fn new(realm: impl Into<String>, algorithm: Algorithm) -> Self {
        DigestServer { realm: realm.into(), algorithm, issued: HashMap::new() }
    }

    /// The value of a `WWW-Authenticate` (or `Proxy-Authenticate`) header carrying `nonce`;
    /// `stale` after a [`VerifyError::StaleNonce`].
    pub fn challenge(&mut self, nonce: &str, stale: bool) -> String {
        if self.issued.len() >= MAX_ISSUED {
            self.issued.clear();
        }
        self.issued.insert(nonce.to_owned(), 0);
        let mut v = String::with_capacity(128);
        v.push_str("Digest realm=");
        push_quoted(&mut v, &self.realm);
        v.push_str(", nonce=");
        push_quoted(&mut v, nonce);
        v.push_str(", algorithm=");
        v.push_str(self.algorithm.token());
        v.push_str(", qop=\"auth\"");
        if stale {
            v.push_str(", stale=true");
        }
        v
    }

    /// Checks the digest answer in `req` (its `Authorization` or, for a proxy, its
    /// `Proxy-Authorization` header) against `password_of(username)`. Returns the user name.
    pub fn verify(
        &mut self,
        req: &rsip::Request,
        kind: ChallengeKind,
        password_of: impl Fn(&str) -> Option<String>,
    ) -> Result<String, VerifyError> {
        let value = req
            .headers
            .iter()
            .find(|h| match kind {
                ChallengeKind::Www => matches!(h, rsip::Header::Authorization(_)),
                ChallengeKind::Proxy => matches!(h, rsip::Header::ProxyAuthorization(_)),
            })
            .map(|h| name_value(h).1)
            .ok_or(VerifyError::NoCredentials)?;
        let answer = Answer::parse(value).ok_or(VerifyError::NoCredentials)?;
        if answer.realm != self.realm {
            return Err(VerifyError::WrongRealm);
        }
        let last = *self.issued.get(&answer.nonce).ok_or(VerifyError::StaleNonce)?;
        let nc_text = answer.nc.map(|n| format!("{n:08x}"));
        if answer.qop.is_some() {
            match answer.nc {
                Some(nc) if nc > last => {}
                _ => return Err(VerifyError::Replay),
            }
        }
        let password =
            password_of(&answer.username).ok_or_else(|| VerifyError::UnknownUser(answer.username.clone()))?;
        let expected = compute_response(&ResponseInput {
            algorithm: answer.algorithm,
            username: &answer.username,
            realm: &answer.realm,
            password: &password,
            nonce: &answer.nonce,
            cnonce: answer.cnonce.as_deref().unwrap_or(""),
            nc: nc_text.as_deref().unwrap_or(""),
            qop: answer.qop.as_deref(),
            method: super::message::method_token(&req.method),
            uri: &answer.uri,
            body: &req.body,
        });
        if !constant_time_eq(expected.as_bytes(), answer.response.to_ascii_lowercase().as_bytes()) {
            return Err(VerifyError::BadResponse);
        }
        if let Some(nc) = answer.nc {
            self.issued.insert(answer.nonce, nc);
        }
        Ok(answer.username)
    }
}

/// Compares without an early exit, so timing does not tell how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a UAC does on 407: the answer header `DigestClient::answer` builds from the
    /// response passes the proxy's check of the request sent again.
    #[test]
    fn a_uac_answers_a_407_and_the_proxy_accepts_it() {
        use crate::sip::dialog::{RequestSpec, response_to};
        let mut invite = RequestSpec::invite("sip:+12025550123@127.0.0.1:5080")
            .via("127.0.0.1:5062", "z9hG4bK-1")
            .from("sip:dialkit@127.0.0.1", "a")
            .build()
            .unwrap();
        let mut server = DigestServer::new("trunk", Algorithm::Md5);
        let mut challenge = response_to(&invite, 407, Some("t"));
        let value = server.challenge("n0nce", false);
        challenge.headers.push(crate::sip::message::make_header("Proxy-Authenticate", value));
        let creds = Credentials { username: "dialkit".into(), password: "secret".into() };
        let mut client = DigestClient::new();
        let header = client.answer(&challenge, &invite, &creds, "c1").unwrap();
        assert!(matches!(header, rsip::Header::ProxyAuthorization(_)));
        invite.headers.push(header);
        let pass = |user: &str| (user == "dialkit").then(|| "secret".to_owned());
        assert_eq!(server.verify(&invite, ChallengeKind::Proxy, pass), Ok("dialkit".to_owned()));
        let none = response_to(&invite, 407, Some("t"));
        assert!(client.answer(&none, &invite, &creds, "c2").is_none(), "no challenge, no answer");
    }

    /// RFC 2617 §3.5: the challenge and the answer of its worked example (user "Mufasa",
    /// password "Circle Of Life", `GET /dir/index.html`, cnonce 0a4f113b, nc 00000001).
    #[test]
    fn rfc_2617_worked_example() {
        let challenge = Challenge::parse(
            r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#,
        )
        .unwrap();
        assert_eq!(challenge.algorithm, Algorithm::Md5);
        assert_eq!(challenge.qop, ["auth", "auth-int"]);
        let creds = Credentials { username: "Mufasa".into(), password: "Circle Of Life".into() };
        let mut client = DigestClient::new();
        let value = client.authorize(&challenge, &creds, "GET", "/dir/index.html", b"", "0a4f113b");
        assert!(value.contains(r#"response="6629fae49393a05397450978507c4ef1""#), "{value}");
        assert!(value.contains("nc=00000001"), "{value}");
        assert!(value.contains("qop=auth,") || value.contains("qop=auth, "), "qop unquoted: {value}");
        assert!(value.contains(r#"opaque="5ccc069c403ebaf9f0171e9517f40e41""#));
        assert!(value.contains(r#"cnonce="0a4f113b""#));
    }

    /// RFC 7616 §3.9.1: the same request with SHA-256 (and its MD5 twin), password
    /// "Circle of Life".
    #[test]
    fn rfc_7616_sha256_example() {
        let header = r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#;
        let challenge = Challenge::parse(header).unwrap();
        assert_eq!(challenge.algorithm, Algorithm::Sha256);
        let creds = Credentials { username: "Mufasa".into(), password: "Circle of Life".into() };
        let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        let value = DigestClient::new().authorize(&challenge, &creds, "GET", "/dir/index.html", b"", cnonce);
        assert!(
            value.contains(r#"response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1""#),
            "{value}"
        );
        assert!(value.contains("algorithm=SHA-256"));
        let md5 = Challenge { algorithm: Algorithm::Md5, ..challenge };
        let value = DigestClient::new().authorize(&md5, &creds, "GET", "/dir/index.html", b"", cnonce);
        assert!(value.contains(r#"response="8ca523f5e9506fed4657c9700eebdbec""#), "{value}");
    }

    #[test]
    fn nonce_counts_are_per_nonce_and_hex() {
        let creds = Credentials { username: "u".into(), password: "p".into() };
        let mut client = DigestClient::new();
        let a = Challenge::parse(r#"Digest realm="r", nonce="a", qop="auth""#).unwrap();
        let b = Challenge { nonce: "b".into(), ..a.clone() };
        for _ in 0..15 {
            client.authorize(&a, &creds, "INVITE", "sip:x@y", b"", "c");
        }
        assert!(client.authorize(&a, &creds, "INVITE", "sip:x@y", b"", "c").contains("nc=00000010"));
        assert!(client.authorize(&b, &creds, "INVITE", "sip:x@y", b"", "c").contains("nc=00000001"));
    }

    #[test]
    fn challenges_parse_their_variants_and_refuse_others() {
        let c = Challenge::parse(r#"Digest realm="r", nonce="n", algorithm=MD5-sess, stale=TRUE"#).unwrap();
        assert_eq!(c.algorithm, Algorithm::Md5Sess);
        assert!(c.stale);
        assert!(c.qop.is_empty());
        assert_eq!(Challenge::parse("Basic realm=\"r\""), Err(ChallengeError::NotDigest("Basic".into())));
        assert_eq!(Challenge::parse("Digest nonce=\"n\""), Err(ChallengeError::Missing("realm")));
        assert_eq!(
            Challenge::parse("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256"),
            Err(ChallengeError::UnsupportedAlgorithm("SHA-512-256".into()))
        );
        assert_eq!(Challenge::parse("Digest realm=\"r, nonce=\"n\""), Err(ChallengeError::Malformed));
        assert!(matches!(
            Challenge::parse("Digest realm=\"r\", nonce=\"n\", qop=\"x\""),
            Err(ChallengeError::UnsupportedQop(_))
        ));
    }

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        let mut s = String::new();
        push_quoted(&mut s, r#"a"b\c"#);
        assert_eq!(s, r#""a\"b\\c""#);
    }

    fn request_with(authz: &str) -> rsip::Request {
        let raw = format!(
            "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:alice@example.com>\r\n\
             From: <sip:alice@example.com>;tag=1\r\nCall-ID: c1\r\nCSeq: 2 REGISTER\r\nAuthorization: {authz}\r\n\
             Content-Length: 0\r\n\r\n"
        );
        match super::super::message::parse(raw.as_bytes()).unwrap() {
            rsip::SipMessage::Request(r) => r,
            rsip::SipMessage::Response(_) => unreachable!("a request"),
        }
    }

    #[test]
    fn server_and_client_agree_and_replays_fail() {
        for algorithm in [Algorithm::Md5, Algorithm::Md5Sess, Algorithm::Sha256, Algorithm::Sha256Sess] {
            let mut server = DigestServer::new("example.com", algorithm);
            let challenge = Challenge::parse(&server.challenge("nonce-1", false)).unwrap();
            assert_eq!(challenge.algorithm, algorithm);
            let creds = Credentials { username: "alice".into(), password: "secret".into() };
            let mut client = DigestClient::new();
            let passwords = |u: &str| (u == "alice").then(|| "secret".to_owned());

            let value = client.authorize(&challenge, &creds, "REGISTER", "sip:example.com", b"", "cn");
            let req = request_with(&value);
            assert_eq!(server.verify(&req, ChallengeKind::Www, passwords), Ok("alice".into()));
            assert_eq!(server.verify(&req, ChallengeKind::Www, passwords), Err(VerifyError::Replay));
            let again = client.authorize(&challenge, &creds, "REGISTER", "sip:example.com", b"", "cn2");
            assert_eq!(server.verify(&request_with(&again), ChallengeKind::Www, passwords), Ok("alice".into()));

            let wrong = Credentials { password: "guess".into(), ..creds.clone() };
            let bad = client.authorize(&challenge, &wrong, "REGISTER", "sip:example.com", b"", "cn3");
            assert_eq!(
                server.verify(&request_with(&bad), ChallengeKind::Www, passwords),
                Err(VerifyError::BadResponse)
            );
            let unknown = Challenge { nonce: "never-issued".into(), ..challenge.clone() };
            let stale = client.authorize(&unknown, &creds, "REGISTER", "sip:example.com", b"", "cn");
            assert_eq!(
                server.verify(&request_with(&stale), ChallengeKind::Www, passwords),
                Err(VerifyError::StaleNonce)
            );
            assert_eq!(server.verify(&req, ChallengeKind::Proxy, passwords), Err(VerifyError::NoCredentials));
        }
    }

    #[test]
    fn answers_without_qop_rfc_2069_style() {
        let challenge = Challenge::parse(r#"Digest realm="r", nonce="n""#).unwrap();
        let creds = Credentials { username: "u".into(), password: "p".into() };
        let value = DigestClient::new().authorize(&challenge, &creds, "BYE", "sip:a@b", b"", "unused");
        assert!(!value.contains("nc=") && !value.contains("cnonce"), "{value}");
        let answer = Answer::parse(&value).unwrap();
        let ha1 = Algorithm::Md5.hash(&[b"u", b"r", b"p"]);
        let ha2 = Algorithm::Md5.hash(&[b"BYE", b"sip:a@b"]);
        assert_eq!(answer.response, Algorithm::Md5.hash(&[ha1.as_bytes(), b"n", ha2.as_bytes()]));
    }

    #[test]
    fn challenges_are_read_from_responses_strongest_first() {
        let raw = "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>;tag=2\r\n\
            From: <sip:a@b>;tag=1\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n\
            WWW-Authenticate: Digest realm=\"r\", nonce=\"m\", algorithm=MD5\r\n\
            WWW-Authenticate: Digest realm=\"r\", nonce=\"s\", algorithm=SHA-256\r\n\
            WWW-Authenticate: Basic realm=\"r\"\r\nContent-Length: 0\r\n\r\n";
        let rsip::SipMessage::Response(resp) = super::super::message::parse(raw.as_bytes()).unwrap() else {
            unreachable!("a response")
        };
        let all = Challenge::all_in(&resp);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].1.algorithm, Algorithm::Sha256);
        assert_eq!(all[0].0, ChallengeKind::Www);
        assert!(matches!(ChallengeKind::Proxy.answer_header("x".into()), rsip::Header::ProxyAuthorization(_)));
    }
}
