//! Load on the `--server` endpoint, run as ssox's PROGRAM by scripts/bench-server.sh: hold
//! IDLE connections open without a byte and meanwhile send BURST simultaneous authorised
//! requests; report how many succeeded and their latency percentiles, ROUNDS times.
//!
//!     ssox -p dev --server -- target/release/examples/server_load 200 200 3
//!
//! A Rust client, so that what is measured is the server and not the client's own queue.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::pedantic,
    reason = "test code: a failed unwrap is a failed test, and pedantic style helps no one there"
)]

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn one(addr: String, request: std::sync::Arc<Vec<u8>>) -> (Duration, bool) {
    let start = Instant::now();
    let mut sock = TcpStream::connect(&addr).await.unwrap();
    sock.write_all(&request).await.unwrap();
    let mut answer = Vec::new();
    sock.read_to_end(&mut answer).await.unwrap();
    (start.elapsed(), answer.starts_with(b"HTTP/1.1 200"))
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let (idle, burst, rounds) = (args[0], args[1], args[2]);
    let url = std::env::var("AWS_CONTAINER_CREDENTIALS_FULL_URI").unwrap();
    let token = std::env::var("AWS_CONTAINER_AUTHORIZATION_TOKEN").unwrap();
    let rest = url.strip_prefix("http://").unwrap();
    let (addr, path) = rest.split_at(rest.find('/').unwrap());
    let addr = addr.to_string();
    let request = std::sync::Arc::new(
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {token}\r\n\r\n")
            .into_bytes(),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for round in 1..=rounds {
            let mut held = Vec::new();
            for _ in 0..idle {
                held.push(TcpStream::connect(&addr).await.unwrap());
            }
            let tasks: Vec<_> = (0..burst)
                .map(|_| tokio::spawn(one(addr.clone(), request.clone())))
                .collect();
            let mut results = Vec::new();
            for t in tasks {
                results.push(t.await.unwrap());
            }
            drop(held);
            let ok = results.iter().filter(|(_, good)| *good).count();
            let mut ms: Vec<f64> = results
                .iter()
                .map(|(d, _)| d.as_secs_f64() * 1000.0)
                .collect();
            ms.sort_by(f64::total_cmp);
            let pct = |p: f64| ms[((p / 100.0 * ms.len() as f64) as usize).min(ms.len() - 1)];
            println!(
                "round {round}: {idle} idle connections held; {ok}/{burst} requests ok; \
                 p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                pct(50.0),
                pct(90.0),
                pct(99.0),
                ms[ms.len() - 1]
            );
            tokio::time::sleep(Duration::from_millis(3500)).await;
        }
    });
}
