//! `/metrics` and `/healthz` over a minimal HTTP/1.1 server: one request per connection,
//! answered and closed. A framework would be more than these two routes need, and the
//! ingest would carry it for nothing.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::Format;

/// The most a request's head may take; a scraper's is a few hundred bytes.
const MAX_HEAD: usize = 8 * 1024;

/// How long a client may take to send its request, so an idle connection does not hold
/// a task for ever.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds `addr` and serves `/metrics` (the text `metrics` renders in the format the
/// client asks for) and `/healthz` (`ok` while the process runs) until the returned
/// task is aborted. Logs the address bound, which tells the port when `addr`'s is 0.
pub async fn serve<F>(addr: SocketAddr, metrics: F) -> std::io::Result<JoinHandle<()>>
where
    F: Fn(Format) -> String + Send + Sync + 'static,
{
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tracing::info!(addr = %bound, "serving /metrics and /healthz");
    let metrics = Arc::new(metrics);
    Ok(tokio::spawn(async move {
        loop {
            // Accept errors (out of file descriptors) are the client's loss, not ours.
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let metrics = metrics.clone();
            tokio::spawn(async move {
                let _ = answer(stream, metrics.as_ref()).await;
            });
        }
    }))
}

async fn answer(
    mut stream: TcpStream,
    metrics: &(dyn Fn(Format) -> String + Send + Sync),
) -> std::io::Result<()> {
    let head = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
        Ok(head) => head?,
        Err(_) => return Ok(()),
    };
    let request = Request::parse(&head);
    let (status, content_type, body) = match (request.method, request.path) {
        ("GET", "/metrics") => {
            let format = Format::negotiate(request.accept);
            ("200 OK", format.content_type(), metrics(format))
        }
        ("GET", "/healthz") => ("200 OK", "text/plain", "ok\n".to_owned()),
        (_, "/metrics" | "/healthz") => (
            "405 Method Not Allowed",
            "text/plain",
            "use GET\n".to_owned(),
        ),
        _ => (
            "404 Not Found",
            "text/plain",
            "not found: this port serves /metrics and /healthz\n".to_owned(),
        ),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// Reads up to the blank line that ends the request's head, or [`MAX_HEAD`] bytes, or
/// what the client sent before closing.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while head.len() < MAX_HEAD && !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// What the server reads of a request.
#[derive(Debug, PartialEq, Eq)]
struct Request<'a> {
    method: &'a str,
    /// Without its query string.
    path: &'a str,
    accept: Option<&'a str>,
}

impl<'a> Request<'a> {
    fn parse(head: &'a str) -> Request<'a> {
        let mut lines = head.split("\r\n");
        let mut first = lines.next().unwrap_or_default().split_whitespace();
        let method = first.next().unwrap_or_default();
        let target = first.next().unwrap_or("/");
        let path = target.split_once('?').map_or(target, |(path, _)| path);
        let accept = lines
            .take_while(|line| !line.is_empty())
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("accept"))
            .map(|(_, value)| value.trim());
        Request {
            method,
            path,
            accept,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_gives_its_method_path_and_accept_header() {
        assert_eq!(
            Request::parse(
                "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\naccept: application/openmetrics-text\r\n\r\n"
            ),
            Request {
                method: "GET",
                path: "/metrics",
                accept: Some("application/openmetrics-text"),
            }
        );
        assert_eq!(
            Request::parse("GET /healthz HTTP/1.1\r\n\r\nAccept: body\r\n"),
            Request {
                method: "GET",
                path: "/healthz",
                accept: None,
            }
        );
        assert_eq!(Request::parse("").path, "/");
    }

    async fn get(addr: SocketAddr, request: &str) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response
    }

    #[tokio::test]
    async fn metrics_come_in_the_format_asked_for_and_health_is_ok() {
        // The test's own listener gives a free port, then the server takes it.
        let addr = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap();
        let server = serve(addr, |format| format!("{format:?}\n")).await.unwrap();
        let classic = get(addr, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(classic.starts_with("HTTP/1.1 200 OK\r\n"), "{classic}");
        assert!(
            classic.contains("Content-Type: text/plain; version=0.0.4"),
            "{classic}"
        );
        assert!(classic.ends_with("\r\n\r\nPrometheus\n"), "{classic}");
        let open = get(
            addr,
            "GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text;version=1.0.0\r\n\r\n",
        )
        .await;
        assert!(open.ends_with("\r\n\r\nOpenMetrics\n"), "{open}");
        let health = get(addr, "GET /healthz HTTP/1.1\r\n\r\n").await;
        assert!(
            health.starts_with("HTTP/1.1 200") && health.ends_with("ok\n"),
            "{health}"
        );
        assert!(
            get(addr, "GET /nope HTTP/1.1\r\n\r\n")
                .await
                .starts_with("HTTP/1.1 404")
        );
        assert!(
            get(addr, "POST /metrics HTTP/1.1\r\n\r\n")
                .await
                .starts_with("HTTP/1.1 405")
        );
        server.abort();
    }
}
