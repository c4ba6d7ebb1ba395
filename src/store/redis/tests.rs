// Unit tests of the Redis engine against a real redis-server (started on a free
// port, stopped at the end of each test): commands, batching, the SCAN pattern,
// and failures within the timeout.

use super::*;
use std::process::{Child, Command as Process, Stdio};
use std::sync::mpsc::channel;
use std::time::Instant;

/// A redis-server on 127.0.0.1, killed when dropped; `None` when redis-server is
/// not installed (`.ci/run` installs it).
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(a) => a.port(),
        Err(e) => panic!("no free port: {e}"),
    }
}

fn server() -> Option<Server> {
    let port = free_port();
    let child = Process::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(["--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .ok()?;
    let server = Server { child, port };
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(server)
}

fn open(port: u16, timeout: Duration) -> RedisStore {
    let mut options = Options::new(format!("redis://127.0.0.1:{port}"));
    options.command_timeout = timeout;
    options.connect_timeout = timeout;
    match RedisStore::open(options, Arc::new(|| {})) {
        Ok(s) => s,
        Err(e) => panic!("open: {e:?}"),
    }
}

/// Runs `commands` as one batch; their results in order.
fn batch(s: &RedisStore, commands: Vec<Command>) -> Vec<Result<Reply, Error>> {
    let (tx, rx) = channel();
    let n = commands.len();
    for (i, c) in commands.into_iter().enumerate() {
        let tx = tx.clone();
        s.stage(c, Box::new(move |r| drop(tx.send((i, r)))));
    }
    s.flush();
    let mut out: Vec<Option<Result<Reply, Error>>> = (0..n).map(|_| None).collect();
    for _ in 0..n {
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok((i, r)) => out[i] = Some(r),
            Err(e) => panic!("no reply: {e}"),
        }
    }
    out.into_iter().flatten().collect()
}

fn one(s: &RedisStore, c: Command) -> Result<Reply, Error> {
    batch(s, vec![c]).remove(0)
}

fn key(k: &str) -> Vec<u8> {
    k.as_bytes().to_vec()
}

#[test]
fn commands_round_trip_bytes_exactly() {
    let Some(srv) = server() else { return };
    let s = open(srv.port, Duration::from_secs(5));
    // WTF-8 of a lone surrogate, and any bytes, are kept as given
    let value = b"{\"a\":\"\xed\xa0\x80\xc3\xa9\"}".to_vec();
    let replies = batch(
        &s,
        vec![
            Command::Set {
                key: key("p:a"),
                value: value.clone(),
                ttl: Some(100),
            },
            Command::Set {
                key: b"p:\xed\xa0\x80".to_vec(),
                value: b"2".to_vec(),
                ttl: None,
            },
            Command::Get { key: key("p:a") },
            Command::Get {
                key: key("p:missing"),
            },
        ],
    );
    assert_eq!(replies[2], Ok(Reply::Value(Some(value))));
    assert_eq!(replies[3], Ok(Reply::Value(None)));
    assert_eq!(
        one(
            &s,
            Command::Expire {
                key: key("p:a"),
                ttl: 50
            }
        ),
        Ok(Reply::Count(1))
    );
    assert_eq!(
        one(
            &s,
            Command::Expire {
                key: key("p:none"),
                ttl: 50
            }
        ),
        Ok(Reply::Count(0))
    );
    let Ok(Reply::Keys(mut keys)) = one(
        &s,
        Command::Keys {
            pattern: pattern(b"p:"),
            count: 1,
        },
    ) else {
        panic!("keys")
    };
    keys.sort();
    assert_eq!(keys, vec![key("p:a"), b"p:\xed\xa0\x80".to_vec()]);
    let Ok(Reply::Rows(rows)) = one(
        &s,
        Command::Rows {
            pattern: pattern(b"p:"),
            count: 10,
        },
    ) else {
        panic!("rows")
    };
    assert_eq!(rows.len(), 2);
    assert_eq!(
        one(
            &s,
            Command::Del {
                keys: vec![key("p:a"), key("p:none")]
            }
        ),
        Ok(Reply::Count(1))
    );
    assert_eq!(
        one(
            &s,
            Command::Clear {
                pattern: pattern(b"p:"),
                count: 1
            }
        ),
        Ok(Reply::Count(1))
    );
    assert_eq!(s.commands(), 10);
    s.close();
    assert_eq!(one_after_close(&s), Err(closed()));
}

fn one_after_close(s: &RedisStore) -> Result<Reply, Error> {
    let (tx, rx) = channel();
    assert!(!s.stage(
        Command::Get { key: key("x") },
        Box::new(move |r| drop(tx.send(r)))
    ));
    rx.recv().unwrap_or(Err(closed()))
}

#[test]
fn the_scan_pattern_takes_the_prefix_literally() {
    assert_eq!(pattern(b"sess:"), b"sess:*".to_vec());
    assert_eq!(pattern(b"a*b?[c]\\"), b"a\\*b\\?\\[c\\]\\\\*".to_vec());
    let Some(srv) = server() else { return };
    let s = open(srv.port, Duration::from_secs(5));
    let set = |k: &[u8]| Command::Set {
        key: k.to_vec(),
        value: b"1".to_vec(),
        ttl: None,
    };
    batch(&s, vec![set(b"a*:1"), set(b"ab:1"), set(b"a[b]:1")]);
    let Ok(Reply::Keys(keys)) = one(
        &s,
        Command::Keys {
            pattern: pattern(b"a*:"),
            count: 10,
        },
    ) else {
        panic!("keys")
    };
    assert_eq!(keys, vec![b"a*:1".to_vec()]);
}

#[test]
fn a_server_that_does_not_answer_fails_within_the_command_timeout() {
    let Some(srv) = server() else { return };
    let s = open(srv.port, Duration::from_millis(300));
    assert_eq!(
        one(&s, Command::Get { key: key("a") }),
        Ok(Reply::Value(None))
    );
    let pid = srv.child.id().to_string();
    let signal = |sig: &str| {
        Process::new("kill")
            .args([sig, &pid])
            .status()
            .map(|st| st.success())
    };
    assert_eq!(signal("-STOP").ok(), Some(true));
    let started = Instant::now();
    let r = one(&s, Command::Get { key: key("a") });
    let waited = started.elapsed();
    let _ = signal("-CONT");
    assert!(
        matches!(
            r,
            Err(Error {
                kind: ErrorKind::Timeout,
                ..
            })
        ),
        "{r:?}"
    );
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    drop(srv);
    let r = one(&s, Command::Get { key: key("a") });
    assert!(r.is_err(), "{r:?}");
}

#[test]
fn nothing_listening_is_connection_refused() {
    let port = free_port();
    let s = open(port, Duration::from_secs(2));
    let r = one(&s, Command::Get { key: key("a") });
    assert!(
        matches!(
            r,
            Err(Error {
                kind: ErrorKind::ConnectionRefused,
                ..
            })
        ),
        "{r:?}"
    );
}

#[test]
fn a_url_that_does_not_parse_is_refused() {
    let r = RedisStore::open(Options::new("redis://[::1"), Arc::new(|| {}));
    assert!(matches!(
        r,
        Err(Error {
            kind: ErrorKind::InvalidOptions,
            ..
        })
    ));
}
