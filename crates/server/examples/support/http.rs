//! A minimal HTTP/1.1 client for the load generators (request, `Content-Length` or chunked
//! response), so they need nothing beyond the server's own dependencies. Included by
//! `#[path]` from each example.

#![allow(dead_code)]

use std::io;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One keep-alive HTTP/1.1 connection.
pub struct Conn {
    pub stream: BufReader<TcpStream>,
    request: Vec<u8>,
}

impl Conn {
    pub async fn connect(addr: &str) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream: BufReader::new(stream),
            request: Vec::with_capacity(512),
        })
    }

    /// Sends a request and reads the whole response: (status, body).
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        key: &str,
        body: Option<&str>,
    ) -> io::Result<(u16, Vec<u8>)> {
        use std::io::Write;
        self.request.clear();
        write!(
            self.request,
            "{method} {path} HTTP/1.1\r\nHost: switchboard\r\nAuthorization: Bearer {key}\r\n"
        )?;
        if let Some(body) = body {
            write!(
                self.request,
                "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )?;
        } else {
            write!(self.request, "Content-Length: 0\r\n\r\n")?;
        }
        self.stream.get_mut().write_all(&self.request).await?;
        let (status, head) = read_head(&mut self.stream).await?;
        let body = if head.chunked {
            let mut body = Vec::new();
            while let Some(chunk) = read_chunk(&mut self.stream).await? {
                body.extend_from_slice(&chunk);
            }
            body
        } else {
            let mut body = vec![0; head.content_length.unwrap_or(0)];
            self.stream.read_exact(&mut body).await?;
            body
        };
        Ok((status, body))
    }
}

pub struct Head {
    pub content_length: Option<usize>,
    pub chunked: bool,
}

pub async fn read_head(stream: &mut BufReader<TcpStream>) -> io::Result<(u16, Head)> {
    let mut line = String::new();
    if stream.read_line(&mut line).await? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
    let mut head = Head {
        content_length: None,
        chunked: false,
    };
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                head.content_length = value.parse().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                head.chunked = value.eq_ignore_ascii_case("chunked");
            }
        }
    }
    Ok((status, head))
}

/// One chunk of a chunked body; `None` at the last (empty) chunk.
pub async fn read_chunk(stream: &mut BufReader<TcpStream>) -> io::Result<Option<Vec<u8>>> {
    let mut line = String::new();
    if stream.read_line(&mut line).await? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
        .map_err(|e| io::Error::other(format!("bad chunk size {line:?}: {e}")))?;
    let mut chunk = vec![0; size + 2]; // with its CRLF
    stream.read_exact(&mut chunk).await?;
    chunk.truncate(size);
    Ok((size > 0).then_some(chunk))
}

/// A counter from the Prometheus text of `/metrics`.
pub async fn metric(addr: &str, name: &str) -> io::Result<f64> {
    let mut conn = Conn::connect(addr).await?;
    let (_, body) = conn.send("GET", "/metrics", "", None).await?;
    let text = String::from_utf8_lossy(&body);
    Ok(text
        .lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum())
}

/// The `p`-th percentile of `sorted` microseconds, in milliseconds.
pub fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}
