//! A small HTTP/1.1 server for ssox's two listeners on 127.0.0.1 (the `--server` credentials
//! endpoint and the login's redirect), made so that no other local user can stall them:
//! connections are served concurrently, each request has one deadline for arriving whole,
//! their number is capped, and the listen backlog is large. It reads a request's head only
//! (both listeners take GET requests), answers, and closes the connection.
//!
//! When the cap is reached, the connection that has waited longest without sending a whole
//! request is closed to make room, never the newcomer: a flood of idle connections (from
//! any local user) then only pushes out its own oldest, and PROGRAM's requests and the
//! browser's callback, which send their request at once, still get through.

use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::Semaphore;

/// How long a client has to send its whole request head.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(3);
/// Connections served at once; more are closed at once (and can retry).
pub const MAX_CONNECTIONS: usize = 512;
/// Pending connections the kernel keeps for us (it caps this at its own maximum).
const BACKLOG: u32 = 4096;
/// The largest request head read.
const MAX_HEAD: usize = 16 * 1024;

/// A request's first line and headers.
#[derive(Debug)]
pub struct Head {
    pub method: String,
    /// The path and query, as sent.
    pub target: String,
    headers: Vec<(String, String)>,
}

impl Head {
    /// The first header of this name (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or(&self.target)
    }

    /// The query string, without `?`.
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    fn parse(raw: &[u8]) -> Option<Self> {
        let text = String::from_utf8_lossy(raw);
        let mut lines = text.split("\r\n");
        let mut first = lines.next()?.split_whitespace();
        let method = first.next()?.to_string();
        let target = first.next()?.to_string();
        let headers = lines
            .filter_map(|l| {
                let (k, v) = l.split_once(':')?;
                Some((k.trim().to_string(), v.trim().to_string()))
            })
            .collect();
        Some(Self {
            method,
            target,
            headers,
        })
    }
}

/// What to answer.
pub struct Reply {
    pub status: &'static str,
    pub content_type: &'static str,
    pub body: String,
    /// More header lines (`Location` for a redirect).
    pub headers: Vec<(&'static str, String)>,
    /// Told once the reply has been written (or could not be).
    pub sent: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Listens on `addr` with a large backlog. Needs a tokio runtime context.
pub fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv6() {
        TcpSocket::new_v6()?
    } else {
        TcpSocket::new_v4()?
    };
    // A fixed port (`--listen ADDR:PORT`) must be free again as soon as the last ssox on it
    // has gone, not after its connections' TIME_WAIT; a port another socket listens on
    // still is not (SO_REUSEADDR is not SO_REUSEPORT).
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

async fn read_head(sock: &mut TcpStream) -> Option<Head> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        if buf.len() > MAX_HEAD {
            return None;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Head::parse(&buf)
}

async fn write_reply(sock: &mut TcpStream, reply: &Reply) {
    // One write, then the close when the socket is dropped: the fewest system calls.
    let extra = reply.headers.iter().fold(String::new(), |mut s, (k, v)| {
        use std::fmt::Write;
        let _ = write!(s, "{k}: {v}\r\n");
        s
    });
    let answer = format!(
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{}",
        reply.status,
        reply.content_type,
        reply.body.len(),
        reply.body
    );
    let _ = tokio::time::timeout(REQUEST_DEADLINE, sock.write_all(answer.as_bytes())).await;
}

/// Serves `listener` until the runtime ends: each connection in its own task, its request
/// head within [`REQUEST_DEADLINE`], at most [`MAX_CONNECTIONS`] at once. `handle` makes
/// the reply; it bounds its own waits.
pub async fn serve<H, F>(listener: TcpListener, handle: H)
where
    H: Fn(Head) -> F + Send + Sync + 'static,
    F: Future<Output = Reply> + Send + 'static,
{
    serve_capped(listener, MAX_CONNECTIONS, handle).await;
}

/// The connections still waiting for their request head, oldest first, each with the means
/// to close it.
type Waiting = Arc<Mutex<VecDeque<(u64, tokio::sync::oneshot::Sender<()>)>>>;

async fn serve_capped<H, F>(listener: TcpListener, cap: usize, handle: H)
where
    H: Fn(Head) -> F + Send + Sync + 'static,
    F: Future<Output = Reply> + Send + 'static,
{
    let handle = Arc::new(handle);
    let slots = Arc::new(Semaphore::new(cap));
    let waiting: Waiting = Arc::default();
    let mut serial = 0u64;
    loop {
        let Ok((mut sock, _)) = listener.accept().await else {
            // Out of descriptors, say: pause instead of spinning, then go on.
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let permit = if let Ok(p) = slots.clone().try_acquire_owned() {
            p
        } else {
            // Full: close the connection that has waited longest for its request, and take
            // its slot once its task has let go of it.
            let oldest = waiting.lock().ok().and_then(|mut w| w.pop_front());
            let Some((_, close)) = oldest else {
                // Every slot is a request being answered: the newcomer can retry.
                drop(sock);
                continue;
            };
            let _ = close.send(());
            let freed = tokio::time::timeout(REQUEST_DEADLINE, slots.clone().acquire_owned());
            let Ok(Ok(p)) = freed.await else {
                drop(sock);
                continue;
            };
            p
        };
        serial += 1;
        let id = serial;
        let (close_tx, close_rx) = tokio::sync::oneshot::channel::<()>();
        if let Ok(mut w) = waiting.lock() {
            w.push_back((id, close_tx));
        }
        let handle = handle.clone();
        let waiting = waiting.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let head = tokio::select! {
                h = tokio::time::timeout(REQUEST_DEADLINE, read_head(&mut sock)) => h,
                _ = close_rx => return,
            };
            if let Ok(mut w) = waiting.lock() {
                w.retain(|(i, _)| *i != id);
            }
            if let Ok(Some(head)) = head {
                let mut reply = handle(head).await;
                write_reply(&mut sock, &reply).await;
                if let Some(sent) = reply.sent.take() {
                    let _ = sent.send(());
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_parse_into_path_query_and_headers() {
        let h = Head::parse(
            b"GET /oauth/callback?code=a&state=b HTTP/1.1\r\nHost: x\r\nauthorization: T\r\n\r\n",
        )
        .unwrap();
        assert_eq!(h.method, "GET");
        assert_eq!(h.path(), "/oauth/callback");
        assert_eq!(h.query(), "code=a&state=b");
        assert_eq!(h.header("Authorization"), Some("T"));
        assert!(Head::parse(b"\r\n\r\n").is_none());
    }

    async fn get(addr: SocketAddr, path: &str) -> String {
        let mut sock = TcpStream::connect(addr).await.unwrap();
        sock.write_all(format!("GET {path} HTTP/1.1\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut answer = String::new();
        sock.read_to_string(&mut answer).await.unwrap();
        answer
    }

    async fn echo(head: Head) -> Reply {
        Reply {
            status: "200 OK",
            content_type: "text/plain",
            body: head.path().to_string(),
            headers: Vec::new(),
            sent: None,
        }
    }

    #[test]
    fn a_flood_of_idle_connections_never_shuts_out_a_real_request() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let listener = listen("127.0.0.1:0".parse().unwrap()).unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(serve_capped(listener, 8, echo));
            // Three times the cap in connections that never send a request, held open.
            let mut idle = Vec::new();
            for _ in 0..24 {
                idle.push(TcpStream::connect(addr).await.unwrap());
            }
            for round in 0..3 {
                let answer = tokio::time::timeout(Duration::from_secs(30), get(addr, "/creds"))
                    .await
                    .expect("answered");
                assert!(answer.ends_with("/creds"), "round {round}: {answer:?}");
                idle.push(TcpStream::connect(addr).await.unwrap());
            }
        });
    }

    #[test]
    fn requests_are_served_at_the_same_time() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let listener = listen("127.0.0.1:0".parse().unwrap()).unwrap();
            let addr = listener.local_addr().unwrap();
            let go = Arc::new(tokio::sync::Notify::new());
            let handler_go = go.clone();
            tokio::spawn(serve(listener, move |head: Head| {
                let go = handler_go.clone();
                async move {
                    // `/wait` is answered only once `/go` has been served: one at a time,
                    // this would never finish.
                    if head.path() == "/wait" {
                        go.notified().await;
                    } else {
                        go.notify_one();
                    }
                    Reply {
                        status: "200 OK",
                        content_type: "text/plain",
                        body: head.path().to_string(),
                        headers: Vec::new(),
                        sent: None,
                    }
                }
            }));
            // An idle connection, a waiting request, and the request that releases it.
            let _idle = TcpStream::connect(addr).await.unwrap();
            let waiting = tokio::spawn(get(addr, "/wait"));
            let both = async { (get(addr, "/go").await, waiting.await.unwrap()) };
            let (go, waited) = tokio::time::timeout(Duration::from_secs(30), both)
                .await
                .expect("served one at a time");
            assert!(go.ends_with("/go") && waited.ends_with("/wait"));
        });
    }
}
