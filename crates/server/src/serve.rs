//! Accepting connections within fixed bounds.
//!
//! The accept loop is ours (hyper's HTTP/1.1 connection builder under it, as
//! `axum::serve` does) because every bound that keeps memory flat under a connection flood
//! lives here:
//! - **connections**: at most [`ConnectionLimits::max_connections`] open at once (never more
//!   than the process's file limit allows); one more is answered `503 too_many_connections`
//!   at once and closed, instead of waiting in memory;
//! - **idle and slow clients**: a connection that has not sent a whole request head within
//!   [`ConnectionLimits::header_read_timeout`] — a keep-alive connection left idle, or a
//!   client sending its headers a byte at a time — is closed; a client that stops reading
//!   what it is sent (an event stream nobody reads) is cut off after
//!   [`ConnectionLimits::write_stall_timeout`];
//! - **requests in flight**: at most [`ConnectionLimits::max_in_flight`] handlers run at
//!   once; one more gets `503 server_busy` without being queued (a long-lived event stream
//!   or report download counts only until its headers are sent).

use crate::error::{ApiError, ErrorCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

/// The bounds of the HTTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Open connections at most (event streams included). Lowered at start to what the
    /// process's open-file limit leaves after [`RESERVED_FILES`].
    pub max_connections: usize,
    /// Requests being handled at once at most.
    pub max_in_flight: usize,
    /// Time to send a whole request head, counted from the end of the previous response on
    /// a kept-alive connection.
    pub header_read_timeout: Duration,
    /// Time a response may wait for the client to read before the connection is closed.
    pub write_stall_timeout: Duration,
    /// Time to send a whole request body.
    pub body_read_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 50_000,
            max_in_flight: 1_024,
            header_read_timeout: Duration::from_secs(20),
            write_stall_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(30),
        }
    }
}

/// File descriptors kept for the store, the journal readers of catching-up streams, report
/// exports and the connections being turned away.
pub const RESERVED_FILES: usize = 256;

impl ConnectionLimits {
    /// These limits with `max_connections` lowered to what `open_files` (the process's soft
    /// open-file limit) allows.
    pub fn within_open_files(mut self, open_files: Option<u64>) -> Self {
        if let Some(open_files) = open_files {
            let usable = usize::try_from(open_files)
                .unwrap_or(usize::MAX)
                .saturating_sub(RESERVED_FILES)
                .max(1);
            self.max_connections = self.max_connections.min(usable);
        }
        self
    }
}

/// Raises the process's soft limit of open files to its hard limit (a server holding
/// 20,000 event streams needs 20,000 sockets; the usual soft limit is 1,024) and returns it,
/// where the platform says.
pub fn raise_open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        match rlimit::increase_nofile_limit(u64::MAX) {
            Ok(limit) => Some(limit),
            Err(error) => {
                tracing::warn!(%error, "cannot raise the open-file limit");
                rlimit::Resource::NOFILE.get_soft().ok()
            }
        }
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Connections the kernel may hold for us before we accept them (capped by the system's
/// `net.core.somaxconn`): a burst of thousands of clients connecting at once should wait
/// there, not have its SYNs dropped and retried a second later.
pub const LISTEN_BACKLOG: u32 = 65_535;

/// A listening socket on `addr` with [`LISTEN_BACKLOG`].
pub fn listen(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Wraps `app` in the in-flight limit and the body read timeout.
pub fn limit_requests(app: axum::Router, limits: &ConnectionLimits) -> axum::Router {
    use tower::ServiceBuilder;
    app.layer(
        ServiceBuilder::new()
            .layer(axum::error_handling::HandleErrorLayer::new(
                |_: tower::BoxError| async {
                    ApiError::new(
                        ErrorCode::ServerBusy,
                        "too many requests are being handled at once; retry shortly",
                    )
                },
            ))
            .load_shed()
            .concurrency_limit(limits.max_in_flight),
    )
    .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        limits.body_read_timeout,
    ))
}

/// Serves `app` on `listener` until `stopping` turns true, then lets the requests in
/// progress finish (event streams end on `stopping` themselves) for up to `grace`.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    limits: ConnectionLimits,
    mut stopping: watch::Receiver<bool>,
    grace: Duration,
) {
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    // Connections being turned away hold no permit; bound them too, so a flood past the
    // cap cannot pile up refusal tasks either.
    let refusals = Arc::new(Semaphore::new(256));
    let closed = Arc::new(AtomicUsize::new(0));
    tokio::spawn(return_memory(closed.clone(), stopping.clone()));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(64 * 1024);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopping.wait_for(|stop| *stop) => break,
        };
        let (socket, _) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors or a connection reset before it was taken: wait a
                // moment rather than spin.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = socket.set_nodelay(true);
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            metrics::counter!("switchboard_connections_refused_total").increment(1);
            if let Ok(refusal) = refusals.clone().try_acquire_owned() {
                tokio::spawn(async move {
                    turn_away(socket).await;
                    drop(refusal);
                });
            }
            continue;
        };
        let io = TokioIo::new(StallGuard::new(socket, limits.write_stall_timeout));
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let connection = graceful.watch(builder.serve_connection(io, service));
        let closed = closed.clone();
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
            closed.fetch_add(1, Ordering::Relaxed);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(grace, graceful.shutdown()).await;
}

/// Connections closed since the last trim that make the next one worthwhile.
const TRIM_AFTER_CLOSED: usize = 1_000;
/// How often to look.
const TRIM_EVERY: Duration = Duration::from_secs(5);

/// Gives the memory of closed connections back to the system after a burst. glibc's malloc
/// keeps freed memory in its arenas for reuse, so without this a server that once held
/// 10,000 connections keeps their buffers' pages resident for good (about 190 MiB measured
/// after three bursts, 17 MiB after a trim; docs/benchmarks.md, "Event streams").
/// `malloc_trim(0)` releases the free pages of every arena; it runs only when many
/// connections have closed since the last time, off the async threads.
async fn return_memory(closed: Arc<AtomicUsize>, mut stopping: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(TRIM_EVERY) => {}
            _ = stopping.wait_for(|stop| *stop) => return,
        }
        if closed.load(Ordering::Relaxed) >= TRIM_AFTER_CLOSED {
            closed.store(0, Ordering::Relaxed);
            let _ = tokio::task::spawn_blocking(trim_heap).await;
        }
    }
}

/// Returns the heap's free pages to the system (glibc); elsewhere nothing.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn trim_heap() {
    // SAFETY: malloc_trim takes no pointers; it only returns free pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
    metrics::counter!("switchboard_heap_trims_total").increment(1);
}

/// Returns the heap's free pages to the system (glibc); elsewhere nothing.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn trim_heap() {}

/// One connection over the cap: a short 503 and close, never waiting long for the client.
async fn turn_away(mut socket: TcpStream) {
    let code = ErrorCode::TooManyConnections;
    let body = serde_json::json!({"error": {
        "code": code.as_str(),
        "message": "the server holds as many connections as it may; retry shortly",
    }})
    .to_string();
    let response = format!(
        "HTTP/1.1 {}\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        code.status(),
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = socket.write_all(response.as_bytes()).await;
        let _ = socket.shutdown().await;
    })
    .await;
}

/// A socket whose writes fail once they have waited `stall` for the client to read.
struct StallGuard {
    socket: TcpStream,
    stall: Duration,
    /// Armed while a write waits; `None` until the first wait.
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    waiting: bool,
}

impl StallGuard {
    fn new(socket: TcpStream, stall: Duration) -> Self {
        StallGuard {
            socket,
            stall,
            deadline: None,
            waiting: false,
        }
    }

    /// Called when a write could not proceed: Ready(error) once it has waited too long.
    fn stalled(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Error> {
        let deadline = tokio::time::Instant::now() + self.stall;
        let sleep = self
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if !self.waiting {
            self.waiting = true;
            sleep.as_mut().reset(deadline);
        }
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client stopped reading",
            )),
            Poll::Pending => Poll::Pending,
        }
    }

    fn progressed<T>(
        &mut self,
        result: Poll<std::io::Result<T>>,
        cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<T>> {
        match result {
            Poll::Ready(result) => {
                self.waiting = false;
                Poll::Ready(result)
            }
            Poll::Pending => match self.stalled(cx) {
                Poll::Ready(error) => Poll::Ready(Err(error)),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl AsyncRead for StallGuard {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.socket).poll_read(cx, buf)
    }
}

impl AsyncWrite for StallGuard {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.socket).poll_write(cx, buf);
        self.progressed(result, cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.socket).poll_write_vectored(cx, bufs);
        self.progressed(result, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.socket.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let result = Pin::new(&mut self.socket).poll_flush(cx);
        self.progressed(result, cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let result = Pin::new(&mut self.socket).poll_shutdown(cx);
        self.progressed(result, cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_cap_leaves_room_for_the_servers_own_files() {
        let limits = ConnectionLimits::default();
        assert_eq!(limits.within_open_files(None), limits);
        assert_eq!(
            limits.within_open_files(Some(20_000)).max_connections,
            20_000 - RESERVED_FILES
        );
        assert_eq!(
            limits.within_open_files(Some(1_000_000)).max_connections,
            50_000
        );
        assert_eq!(limits.within_open_files(Some(10)).max_connections, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_that_stops_reading_is_cut_off_after_the_stall_timeout() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let mut guarded = StallGuard::new(server, Duration::from_secs(30));
        let chunk = vec![0u8; 64 * 1024];
        // The client never reads: the socket buffers fill, then the write waits, and the
        // paused clock jumps to the deadline.
        let error = loop {
            match guarded.write(&chunk).await {
                Ok(_) => continue,
                Err(error) => break error,
            }
        };
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
        drop(client);
    }
}
