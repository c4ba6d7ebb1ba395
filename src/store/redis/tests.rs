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

impl Server {
    /// Sends `sig` (`-STOP`, `-CONT`) to the server; whether it was sent.
    fn signal(&self, sig: &str) -> bool {
        Process::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .is_ok_and(|st| st.success())
    }
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

/// Whether a Redis answers PING on `port`.
fn pong(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut reply = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut reply).is_ok()
        && &reply == b"+PONG\r\n"
}

fn server() -> Option<Server> {
    // (a port found free can be taken before redis-server binds it, by another
    // test: redis-server then exits, and the next attempt takes another port)
    for _ in 0..5 {
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
        let mut server = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // (a PONG, from our child: a connect alone can succeed with nothing
            // listening, when the kernel picks the port itself as the source)
            if pong(port) && matches!(server.child.try_wait(), Ok(None)) {
                return Some(server);
            }
            if matches!(server.child.try_wait(), Ok(Some(_))) {
                break;
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    panic!("redis-server did not start on 5 ports")
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
    let signal = |sig: &str| srv.signal(sig);
    assert!(signal("-STOP"));
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

/// Stages `commands` as one batch and flushes it; their results arrive on `tx`
/// as (index, result), indices from `first`.
fn send(
    s: &RedisStore,
    first: usize,
    commands: Vec<Command>,
    tx: &std::sync::mpsc::Sender<(usize, Result<Reply, Error>)>,
) {
    for (i, c) in commands.into_iter().enumerate() {
        let tx = tx.clone();
        s.stage(c, Box::new(move |r| drop(tx.send((first + i, r)))));
    }
    s.flush();
}

fn cli(port: u16, args: &[&str]) -> String {
    match Process::new("redis-cli")
        .arg("-p")
        .arg(port.to_string())
        .args(args)
        .output()
    {
        Ok(out) => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        Err(e) => panic!("redis-cli: {e}"),
    }
}

#[test]
fn batches_reach_the_server_in_the_order_they_were_flushed_across_reconnections() {
    let Some(srv) = server() else { return };
    let s = open(srv.port, Duration::from_secs(5));
    let set = |v: &str| Command::Set {
        key: key("o:k"),
        value: key(v),
        ttl: Some(100),
    };
    let del = || Command::Del {
        keys: vec![key("o:k")],
    };
    for round in 0..30 {
        // the store's connection is cut: the next batches wait for a new one
        assert_eq!(
            one(&s, Command::Get { key: key("o:x") }),
            Ok(Reply::Value(None))
        );
        cli(
            srv.port,
            &["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"],
        );
        let (tx, rx) = channel();
        let n = 20;
        for i in 0..n {
            let command = if (i + round) % 2 == 0 {
                set(&format!("{round}-{i}"))
            } else {
                del()
            };
            send(&s, i, vec![command], &tx);
        }
        let mut results: Vec<Option<Result<Reply, Error>>> = (0..n).map(|_| None).collect();
        for _ in 0..n {
            match rx.recv_timeout(Duration::from_secs(20)) {
                Ok((i, r)) => results[i] = Some(r),
                Err(e) => panic!("no reply: {e}"),
            }
        }
        // what Redis holds is what the last command that succeeded left
        let last = (0..n).rev().find(|&i| matches!(results[i], Some(Ok(_))));
        let stored = one(&s, Command::Get { key: key("o:k") });
        let expected = match last {
            Some(i) if (i + round) % 2 == 0 => Some(key(&format!("{round}-{i}"))),
            Some(_) => None,
            None => continue,
        };
        assert_eq!(
            stored,
            Ok(Reply::Value(expected)),
            "round {round}: {results:?}"
        );
    }
}

#[test]
fn a_clear_leaves_the_sessions_that_later_calls_write_while_it_runs() {
    let Some(srv) = server() else { return };
    let s = open(srv.port, Duration::from_secs(5));
    let set = |k: String, v: &str| Command::Set {
        key: k.into_bytes(),
        value: key(v),
        ttl: Some(100),
    };
    let old: Vec<Command> = (0..3000).map(|i| set(format!("c:{i}"), "old")).collect();
    assert!(batch(&s, old).iter().all(Result::is_ok));
    let (tx, rx) = channel();
    let clear = Command::Clear {
        pattern: pattern(b"c:"),
        count: 10,
    };
    send(&s, 0, vec![clear], &tx);
    // sessions saved after the clear() call, new ones and ones it found, in
    // batches of their own: at once, and while its SCANs and DELs run
    let n = 300;
    for i in 1..=n {
        let k = if i % 2 == 0 { i * 7 } else { 100_000 + i };
        send(&s, i, vec![set(format!("c:{k}"), "new")], &tx);
        if i > 100 {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
    for _ in 0..=n {
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok((i, r)) => assert!(r.is_ok(), "call {i}: {r:?}"),
            Err(e) => panic!("no reply: {e}"),
        }
    }
    let expected: std::collections::BTreeSet<Vec<u8>> = (1..=n)
        .map(|i| {
            let k = if i % 2 == 0 { i * 7 } else { 100_000 + i };
            format!("c:{k}").into_bytes()
        })
        .collect();
    let keys = match one(
        &s,
        Command::Keys {
            pattern: pattern(b"c:"),
            count: 100,
        },
    ) {
        Ok(Reply::Keys(keys)) => keys.into_iter().collect::<std::collections::BTreeSet<_>>(),
        other => panic!("keys: {other:?}"),
    };
    assert_eq!(keys, expected);
    for k in expected {
        assert_eq!(
            one(&s, Command::Get { key: k }),
            Ok(Reply::Value(Some(key("new"))))
        );
    }
}

#[test]
fn a_clear_leaves_an_owners_index_written_after_it() {
    let Some(srv) = server() else { return };
    let s = open(srv.port, Duration::from_secs(5));
    let indexed = |member: &str| Command::Indexed {
        owner: Owner {
            index: key("owners:q:ann"),
            member: key(member),
            ttl: Some(60),
            grace_ms: 1000,
        },
        command: Box::new(Command::Set {
            key: key(&format!("q:{member}")),
            value: key("v"),
            ttl: Some(60),
        }),
    };
    assert!(batch(&s, vec![indexed("old")]).iter().all(Result::is_ok));
    let replies = batch(
        &s,
        vec![
            Command::Clear {
                pattern: pattern(b"owners:q:"),
                count: 10,
            },
            Command::Clear {
                pattern: pattern(b"q:"),
                count: 10,
            },
            indexed("new"),
        ],
    );
    assert!(replies.iter().all(Result::is_ok), "{replies:?}");
    assert_eq!(cli(srv.port, &["exists", "q:old"]), "0");
    assert_eq!(cli(srv.port, &["get", "q:new"]), "v");
    assert_ne!(cli(srv.port, &["zscore", "owners:q:ann", "new"]), "");
}

#[test]
fn merges_from_two_stores_at_once_keep_every_field() {
    let Some(srv) = server() else { return };
    let a = open(srv.port, Duration::from_secs(10));
    let b = open(srv.port, Duration::from_secs(10));
    let full = br#"{"cookie":{"path":"/"},"seed":true}"#.to_vec();
    assert_eq!(
        one(
            &a,
            Command::Set {
                key: key("m:k"),
                value: full.clone(),
                ttl: Some(100)
            }
        ),
        Ok(Reply::Count(1))
    );
    let merge = |field: String| Command::Merge {
        key: key("m:k"),
        full: br#"{"cookie":{"path":"/"},"lost":true}"#.to_vec(),
        patch: json::Patch {
            sets: vec![(field.into_bytes(), b"1".to_vec())],
            deletes: vec![],
        },
        ttl: Some(100),
    };
    let (tx, rx) = channel();
    let rounds = 100;
    std::thread::scope(|scope| {
        for (name, store) in [("a", &a), ("b", &b)] {
            let tx = tx.clone();
            scope.spawn(move || {
                for i in 0..rounds {
                    // (two merges per batch: one key, in order)
                    let first = i * 2;
                    send(
                        store,
                        first,
                        vec![
                            merge(format!("{name}{first}")),
                            merge(format!("{name}{}", first + 1)),
                        ],
                        &tx,
                    );
                }
            });
        }
    });
    for _ in 0..rounds * 4 {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok((i, r)) => assert_eq!(r, Ok(Reply::Count(1)), "merge {i}"),
            Err(e) => panic!("no reply: {e}"),
        }
    }
    let Ok(Reply::Value(Some(stored))) = one(&a, Command::Get { key: key("m:k") }) else {
        panic!("no session")
    };
    let stored = String::from_utf8_lossy(&stored).into_owned();
    assert!(
        stored.starts_with(r#"{"cookie":{"path":"/"},"seed":true,"#),
        "{stored}"
    );
    for name in ["a", "b"] {
        for i in 0..rounds * 2 {
            assert!(
                stored.contains(&format!(r#""{name}{i}":1"#)),
                "{name}{i}: {stored}"
            );
        }
    }
    // the TTL is the merge's; no session stored: the full session
    let ttl: i64 = cli(srv.port, &["TTL", "m:k"]).parse().unwrap_or(-9);
    assert!((90..=100).contains(&ttl), "{ttl}");
    assert_eq!(one(&a, merge("x".into())), Ok(Reply::Count(1)));
    assert_eq!(
        one(
            &a,
            Command::Del {
                keys: vec![key("m:k")]
            }
        ),
        Ok(Reply::Count(1))
    );
    assert_eq!(one(&b, merge("y".into())), Ok(Reply::Count(1)));
    assert_eq!(
        one(&a, Command::Get { key: key("m:k") }),
        Ok(Reply::Value(Some(
            br#"{"cookie":{"path":"/"},"lost":true}"#.to_vec()
        )))
    );
}

#[test]
fn a_refused_login_is_tried_again_after_the_delay() {
    let Some(srv) = server() else { return };
    assert_eq!(
        cli(
            srv.port,
            &["ACL", "SETUSER", "app", "on", ">old", "~*", "+@all"]
        ),
        "OK"
    );
    let mut options = Options::new(format!("redis://app:new@127.0.0.1:{}", srv.port));
    options.min_delay = Duration::from_millis(50);
    options.max_delay = Duration::from_millis(50);
    let s = match RedisStore::open(options, Arc::new(|| {})) {
        Ok(s) => s,
        Err(e) => panic!("open: {e:?}"),
    };
    let r = one(&s, Command::Get { key: key("a") });
    assert!(
        matches!(&r, Err(Error { kind: ErrorKind::Server(code), .. }) if code == "WRONGPASS"),
        "{r:?}"
    );
    // the password is changed on the server: the store logs in by itself
    assert_eq!(
        cli(srv.port, &["ACL", "SETUSER", "app", "resetpass", ">new"]),
        "OK"
    );
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        one(&s, Command::Get { key: key("a") }),
        Ok(Reply::Value(None))
    );
}

#[test]
fn a_cluster_scan_goes_to_each_master_with_slots_and_fails_while_one_has_failed() {
    let nodes = "\
07c3 127.0.0.1:30004@40004 slave e7d1 0 1 4 connected
67ed 127.0.0.1:30002@40002 master - 0 1 2 connected 5461-10922
292f 127.0.0.1:30003@40003,redis-3 myself,master - 0 1 3 connected 10923-16383 [5460->-e7d1]
e7d1 127.0.0.1:30001@40001 master - 0 1 1 connected 0-5460
6ec2 127.0.0.1:30005@40005 master,fail - 0 1 5 disconnected
c4a1 ::1:30006@40006 master,fail? - 0 1 6 connected 42
";
    let at = |port: u16| ("127.0.0.1".to_string(), port);
    assert_eq!(
        masters(nodes),
        Ok(vec![
            at(30002),
            at(30003),
            at(30001),
            ("::1".to_string(), 30006)
        ])
    );
    let failed = nodes.replace("master,fail?", "master,fail");
    assert!(
        matches!(masters(&failed), Err(Error { kind: ErrorKind::Server(code), .. }) if code == "CLUSTERDOWN")
    );
}

/// How many connections the server accepted so far (this one of redis-cli's
/// included).
fn connections(port: u16) -> u64 {
    let info = cli(port, &["INFO", "stats"]);
    info.lines()
        .find_map(|l| l.strip_prefix("total_connections_received:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn after_a_timeout_the_next_command_makes_a_new_connection_and_a_readonly_reply_is_its_code() {
    let Some(srv) = server() else { return };
    let s = open(srv.port, Duration::from_millis(300));
    let set = || Command::Set {
        key: key("r:k"),
        value: key("v"),
        ttl: None,
    };
    assert_eq!(one(&s, set()), Ok(Reply::Count(1)));
    // the server's failover behind one address: it became a replica
    assert_eq!(cli(srv.port, &["REPLICAOF", "127.0.0.1", "1"]), "OK");
    let r = one(&s, set());
    assert!(
        matches!(&r, Err(Error { kind: ErrorKind::Server(code), .. }) if code == "READONLY"),
        "{r:?}"
    );
    assert_eq!(cli(srv.port, &["REPLICAOF", "NO", "ONE"]), "OK");
    assert_eq!(one(&s, set()), Ok(Reply::Count(1)));
    // a server that stops answering (as a half-open connection looks)
    let signal = |sig: &str| srv.signal(sig);
    assert!(signal("-STOP"));
    let r = one(&s, Command::Get { key: key("r:k") });
    let _ = signal("-CONT");
    assert!(
        matches!(
            &r,
            Err(Error {
                kind: ErrorKind::Timeout,
                ..
            })
        ),
        "{r:?}"
    );
    let before = connections(srv.port);
    assert_eq!(
        one(&s, Command::Get { key: key("r:k") }),
        Ok(Reply::Value(Some(key("v"))))
    );
    // (+1 for the store's new connection, +1 for redis-cli's)
    assert_eq!(
        connections(srv.port),
        before + 2,
        "a new connection after a timeout"
    );
    // and none while it serves
    let before = connections(srv.port);
    assert_eq!(one(&s, set()), Ok(Reply::Count(1)));
    assert_eq!(connections(srv.port), before + 1);
}

#[test]
fn an_owners_index_lists_its_sessions_and_a_conditional_delete_removes_only_what_it_read() {
    let Some(server) = server() else { return };
    let s = open(server.port, Duration::from_secs(5));
    let owner = |member: &str, ttl: Option<i64>| Owner {
        index: key("owners:p:ann"),
        member: key(member),
        ttl,
        grace_ms: 1000,
    };
    let indexed = |member: &str, ttl: Option<i64>, command: Command| Command::Indexed {
        owner: owner(member, ttl),
        command: Box::new(command),
    };
    let set = |k: &str, v: &str| Command::Set {
        key: key(&format!("p:{k}")),
        value: key(v),
        ttl: Some(60),
    };
    let replies = batch(
        &s,
        vec![
            indexed("a\u{e9}", Some(60), set("a\u{e9}", "one")),
            indexed("b", Some(60), set("b", "two")),
            // (an entry whose session is over, grace included, leaves the
            // index at once)
            indexed(
                "gone",
                Some(-5),
                Command::Expire {
                    key: key("p:gone"),
                    ttl: -5,
                },
            ),
            // (an entry whose session no longer exists stays, and is not a row)
            indexed("c", Some(60), set("c", "three")),
            Command::Del {
                keys: vec![key("p:c")],
            },
        ],
    );
    assert!(replies.iter().all(Result::is_ok), "{replies:?}");
    assert_eq!(cli(server.port, &["zcard", "owners:p:ann"]), "3");
    let owned = || {
        one(
            &s,
            Command::Owned {
                index: key("owners:p:ann"),
                prefix: key("p:"),
                count: 1,
            },
        )
    };
    let Ok(Reply::Rows(mut rows)) = owned() else {
        panic!("owned")
    };
    rows.sort();
    assert_eq!(
        rows,
        vec![(key("p:a\u{e9}"), key("one")), (key("p:b"), key("two"))]
    );
    let ttl: i64 = cli(server.port, &["pttl", "owners:p:ann"])
        .parse()
        .unwrap_or(0);
    assert!(
        ttl > 56_000 && ttl <= 61_000,
        "the index expires with its last entry (and the grace): {ttl}"
    );
    // (a score is never lowered: a shorter life, or a life that is over, leaves it)
    let score = || -> f64 {
        cli(server.port, &["zscore", "owners:p:ann", "a\u{e9}"])
            .parse()
            .unwrap_or(0.0)
    };
    let before = score();
    let replies = batch(
        &s,
        vec![
            indexed("a\u{e9}", Some(5), set("a\u{e9}", "one")),
            indexed(
                "a\u{e9}",
                Some(-1),
                Command::Expire {
                    key: key("p:other"),
                    ttl: -1,
                },
            ),
        ],
    );
    assert!(replies.iter().all(Result::is_ok), "{replies:?}");
    assert_eq!(score(), before);
    let replies = batch(
        &s,
        vec![indexed("a\u{e9}", Some(120), set("a\u{e9}", "one"))],
    );
    assert!(replies.iter().all(Result::is_ok), "{replies:?}");
    assert!(score() > before + 50_000.0, "a longer life raises it");
    let ttl: i64 = cli(server.port, &["pttl", "owners:p:ann"])
        .parse()
        .unwrap_or(0);
    assert!(
        ttl > 116_000 && ttl <= 121_000,
        "and the index's expiry: {ttl}"
    );

    let del_if = |k: &str, v: &str| Command::DelIf {
        key: key(&format!("p:{k}")),
        value: key(v),
    };
    assert_eq!(one(&s, del_if("b", "changed")), Ok(Reply::Number(0)));
    assert_eq!(one(&s, del_if("b", "two")), Ok(Reply::Number(1)));
    assert_eq!(one(&s, del_if("b", "two")), Ok(Reply::Number(0)));
    let Ok(Reply::Rows(rows)) = owned() else {
        panic!("owned")
    };
    assert_eq!(rows, vec![(key("p:a\u{e9}"), key("one"))]);
    // (a merge is indexed too, before it is written)
    let merge = Command::Merge {
        key: key("p:m"),
        full: key("{\"u\":\"ann\"}"),
        patch: json::Patch::default(),
        ttl: None,
    };
    // (a server without the script: after SCRIPT FLUSH, or a restart)
    cli(server.port, &["script", "flush"]);
    assert_eq!(
        one(&s, indexed("m", None, merge.clone())),
        Ok(Reply::Count(1))
    );
    cli(server.port, &["script", "flush"]);
    let replies = batch(
        &s,
        vec![
            indexed("d", Some(60), set("d", "four")),
            indexed("e", Some(60), set("e", "five")),
        ],
    );
    assert!(replies.iter().all(Result::is_ok), "{replies:?}");
    // (a, b and c: destroyed or gone, they stay until their expiry)
    assert_eq!(cli(server.port, &["zcard", "owners:p:ann"]), "6");
    assert_eq!(cli(server.port, &["pttl", "owners:p:ann"]), "-1");
    assert_eq!(cli(server.port, &["zscore", "owners:p:ann", "m"]), "inf");
}

#[test]
fn an_index_entry_is_written_where_script_load_is_refused() {
    let Some(server) = server() else { return };
    // (an ACL user that may run scripts but not load them)
    cli(
        server.port,
        &[
            "acl", "setuser", "app", "on", ">pw", "~*", "+@all", "-script",
        ],
    );
    let mut options = Options::new(format!("redis://app:pw@127.0.0.1:{}", server.port));
    options.command_timeout = Duration::from_secs(5);
    let s = match RedisStore::open(options, Arc::new(|| {})) {
        Ok(s) => s,
        Err(e) => panic!("open: {e:?}"),
    };
    let command = Command::Indexed {
        owner: Owner {
            index: key("owners:ann"),
            member: key("a"),
            ttl: Some(60),
            grace_ms: 0,
        },
        command: Box::new(Command::Set {
            key: key("a"),
            value: key("one"),
            ttl: Some(60),
        }),
    };
    assert_eq!(one(&s, command.clone()), Ok(Reply::Count(1)));
    assert_eq!(one(&s, command), Ok(Reply::Count(1)));
    assert_eq!(cli(server.port, &["zrange", "owners:ann", "0", "-1"]), "a");
}
