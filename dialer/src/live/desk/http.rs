//! A small HTTP/1.1 server for the agent API: requests framed by Content-Length (no chunked
//! bodies), bounded in size, persistent connections unless the client asks to close, JSON
//! responses. Parsing is pure ([`parse_head`]); a partial request is a normal state.
//!
//! Hand-written rather than a framework: the API has seven routes, one JSON body and no TLS, and
//! the workspace already has tokio and serde_json; a server crate (hyper, axum) would add some
//! forty crates for that.

use super::api;
use super::lock;
use super::table::Table;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The request line and headers, at most.
pub(crate) const MAX_HEAD: usize = 8 * 1024;
/// A request body, at most.
pub(crate) const MAX_BODY: usize = 4 * 1024;
/// A connection idle (or a request incomplete) this long is closed.
const IDLE: Duration = Duration::from_secs(30);

/// A parsed request head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Head {
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    pub content_length: usize,
    /// Whether the connection closes after the response (HTTP/1.0, or `Connection: close`).
    pub close: bool,
}

/// A request that cannot be served: answered with this status and message, then the connection
/// is closed (the stream's framing can no longer be trusted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reject {
    pub status: u16,
    pub message: String,
}

fn reject(status: u16, message: impl Into<String>) -> Reject {
    Reject { status, message: message.into() }
}

/// Reads a request head from the start of `buf`: `Ok(None)` if it is not complete yet,
/// `Ok(Some((head, len)))` with the head's length in bytes (the body follows), or why not.
pub(crate) fn parse_head(buf: &[u8]) -> Result<Option<(Head, usize)>, Reject> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        if buf.len() > MAX_HEAD {
            return Err(reject(431, format!("the request head is longer than {MAX_HEAD} bytes")));
        }
        return Ok(None);
    };
    if end + 4 > MAX_HEAD {
        return Err(reject(431, format!("the request head is longer than {MAX_HEAD} bytes")));
    }
    let text = std::str::from_utf8(&buf[..end]).map_err(|_| reject(400, "the request head is not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let line = lines.next().unwrap_or_default();
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(reject(400, format!("malformed request line `{line}` (expected `METHOD /path HTTP/1.1`)")));
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(reject(400, format!("malformed method `{method}`")));
    }
    let mut close = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(reject(505, format!("HTTP version `{version}` is not supported (use HTTP/1.1)"))),
    };
    if !target.starts_with('/') {
        return Err(reject(400, format!("request target `{target}` is not a path")));
    }
    let path = target.split(['?', '#']).next().unwrap_or(target).to_owned();
    let mut content_length: Option<usize> = None;
    for header in lines {
        let Some((name, value)) = header.split_once(':') else {
            return Err(reject(400, format!("malformed header line `{header}`")));
        };
        if name.is_empty() || name.ends_with([' ', '\t']) {
            return Err(reject(400, format!("malformed header name `{name}`")));
        }
        let value = value.trim_matches([' ', '\t']);
        if name.eq_ignore_ascii_case("content-length") {
            let n: usize = value
                .parse()
                .ok()
                .filter(|_| value.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| reject(400, format!("Content-Length `{value}` is not a number")))?;
            if content_length.is_some_and(|m| m != n) {
                return Err(reject(400, "two different Content-Length headers"));
            }
            content_length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(reject(501, "Transfer-Encoding is not supported (send a Content-Length)"));
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    close = true;
                } else if token.eq_ignore_ascii_case("keep-alive") {
                    close = false;
                }
            }
        }
    }
    let content_length = content_length.unwrap_or(0);
    if content_length > MAX_BODY {
        return Err(reject(413, format!("the body is {content_length} bytes; at most {MAX_BODY} are accepted")));
    }
    Ok(Some((Head { method: method.to_owned(), path, content_length, close }, end + 4)))
}

/// The response's bytes: status line, JSON headers, body.
pub(crate) fn response(status: u16, body: &serde_json::Value, close: bool, allow: Option<&str>) -> Vec<u8> {
    let body = body.to_string();
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        reason(status),
        body.len() + 1
    );
    if let Some(allow) = allow {
        out.push_str(&format!("Allow: {allow}\r\n"));
    }
    if close {
        out.push_str("Connection: close\r\n");
    }
    out.push_str("\r\n");
    out.push_str(&body);
    out.push('\n');
    out.into_bytes()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    }
}

/// Accepts connections until the task is aborted.
pub(crate) async fn serve(listener: TcpListener, table: Arc<Mutex<Table>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors, say: wait a little rather than spin.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream, table.clone()));
    }
}

/// One client connection: requests in order, one response each.
async fn connection(mut stream: TcpStream, table: Arc<Mutex<Table>>) {
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        // Read until a whole head is in.
        let (head, head_len) = loop {
            match parse_head(&buf) {
                Ok(Some(got)) => break got,
                Ok(None) => {}
                Err(Reject { status, message }) => {
                    let bytes = response(status, &serde_json::json!({ "error": message }), true, None);
                    let _ = stream.write_all(&bytes).await;
                    return;
                }
            }
            match tokio::time::timeout(IDLE, stream.read(&mut chunk)).await {
                Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                _ => return,
            }
        };
        let total = head_len + head.content_length;
        while buf.len() < total {
            match tokio::time::timeout(IDLE, stream.read(&mut chunk)).await {
                Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                _ => return,
            }
        }
        let reply = {
            let mut table = lock(&table);
            api::route(&mut table, &head.method, &head.path, &buf[head_len..total], jiff::Timestamp::now())
        };
        buf.drain(..total);
        let bytes = response(reply.status, &reply.body, head.close, reply.allow);
        if stream.write_all(&bytes).await.is_err() || head.close {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_parse_with_their_length_and_partial_heads_wait() {
        let raw = b"POST /agents/bob/wrapup?x=1 HTTP/1.1\r\nHost: a\r\ncontent-length: 2\r\n\r\n{}";
        let (head, len) = parse_head(raw).unwrap().unwrap();
        assert_eq!(head.method, "POST");
        assert_eq!(head.path, "/agents/bob/wrapup");
        assert_eq!(head.content_length, 2);
        assert!(!head.close);
        assert_eq!(&raw[len..], b"{}");
        assert_eq!(parse_head(&raw[..20]).unwrap(), None);
        let (head, _) = parse_head(b"GET /agents HTTP/1.0\r\n\r\n").unwrap().unwrap();
        assert!(head.close);
        let (head, _) = parse_head(b"GET /agents HTTP/1.1\r\nConnection: close\r\n\r\n").unwrap().unwrap();
        assert!(head.close);
    }

    #[test]
    fn bad_heads_are_refused_with_a_status() {
        let status = |raw: &[u8]| parse_head(raw).unwrap_err().status;
        assert_eq!(status(b"GET\r\n\r\n"), 400);
        assert_eq!(status(b"get /a HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status(b"GET a HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status(b"GET /a HTTP/2\r\n\r\n"), 505);
        assert_eq!(status(b"GET /a HTTP/1.1\r\nnocolon\r\n\r\n"), 400);
        assert_eq!(status(b"POST /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), 400);
        assert_eq!(status(b"POST /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"), 400);
        assert_eq!(status(b"POST /a HTTP/1.1\r\nContent-Length: 99999\r\n\r\n"), 413);
        assert_eq!(status(b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 501);
        assert_eq!(status(&vec![b'a'; MAX_HEAD + 1]), 431);
    }

    #[test]
    fn responses_carry_their_length() {
        let bytes = response(409, &serde_json::json!({"error": "x"}), false, None);
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("HTTP/1.1 409 Conflict\r\n"), "{text}");
        assert!(text.contains("Content-Length: 14\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\n{\"error\":\"x\"}\n"), "{text}");
    }
}
