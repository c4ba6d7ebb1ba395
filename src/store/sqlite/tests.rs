// Unit tests of the durable store: semantics, exact keys, sharing one file
// between connections (as processes do), batching, and the fault cases.

use super::*;
use std::sync::mpsc::channel;

const NEVER: f64 = f64::NAN;

/// A fresh database path in its own temporary folder, removed with the guard.
fn temp_db(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = match tempfile::Builder::new()
        .prefix(&format!("esrs-sqlite-{name}-"))
        .tempdir()
    {
        Ok(d) => d,
        Err(e) => panic!("temporary folder: {e}"),
    };
    let path = dir.path().join("sessions.db");
    (dir, path)
}

fn open(path: &PathBuf) -> SqliteStore {
    match SqliteStore::open(Options::new(path)) {
        Ok(s) => s,
        Err(e) => panic!("open {}: {e}", path.display()),
    }
}

/// Queues `w` and waits for its result.
fn write(s: &SqliteStore, w: Write) -> Result<u64, Error> {
    let (tx, rx) = channel();
    s.write(w, Box::new(move |r| drop(tx.send(r))));
    rx.recv().unwrap_or(Err(closed()))
}

fn set(s: &SqliteStore, sid: &str, json: &str, expires: f64) -> Result<u64, Error> {
    write(
        s,
        Write::Set {
            sid: sid.as_bytes().to_vec(),
            json: json.as_bytes().to_vec(),
            expires,
            owner: None,
        },
    )
}

fn get(s: &SqliteStore, sid: &str, now: f64) -> Option<String> {
    s.get(sid.as_bytes(), now)
        .ok()
        .flatten()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

#[test]
fn set_get_touch_destroy() -> Result<(), Error> {
    let (_dir, path) = temp_db("basic");
    let s = open(&path);
    assert_eq!(get(&s, "a", 0.0), None);
    set(&s, "a", r#"{"cookie":{"e":1},"n":1}"#, 100.0)?;
    assert_eq!(
        get(&s, "a", 50.0).as_deref(),
        Some(r#"{"cookie":{"e":1},"n":1}"#)
    );
    assert_eq!(get(&s, "a", 100.0), None, "expires <= now is expired");
    let touched = write(
        &s,
        Write::Touch {
            sid: b"a".to_vec(),
            cookie: Some(br#"{"e":2}"#.to_vec()),
            expires: 200.0,
            now: 50.0,
            owner: None,
        },
    )?;
    assert_eq!(touched, 1);
    assert_eq!(
        get(&s, "a", 150.0).as_deref(),
        Some(r#"{"cookie":{"e":2},"n":1}"#)
    );
    // touching an expired session removes it instead of reviving it
    let revived = write(
        &s,
        Write::Touch {
            sid: b"a".to_vec(),
            cookie: None,
            expires: 1e12,
            now: 300.0,
            owner: None,
        },
    )?;
    assert_eq!(revived, 0);
    assert_eq!(s.stats()?.count, 0);
    set(&s, "c", "{}", NEVER)?;
    set(&s, "b", "{}", NEVER)?;
    set(&s, "c", "[]", NEVER)?;
    assert_eq!(s.len(1e15)?, 2);
    assert_eq!(
        s.ids(0.0)?,
        vec![b"c".to_vec(), b"b".to_vec()],
        "insertion order, kept by updates"
    );
    assert_eq!(
        write(
            &s,
            Write::Destroy {
                sids: vec![b"b".to_vec(), b"x".to_vec()]
            }
        )?,
        1
    );
    assert_eq!(s.all(0.0)?, vec![(b"c".to_vec(), b"[]".to_vec())]);
    assert_eq!(write(&s, Write::Clear)?, 1);
    assert_eq!(s.len(0.0)?, 0);
    Ok(())
}

#[test]
fn keys_and_text_are_exact_bytes() -> Result<(), Error> {
    let (_dir, path) = temp_db("bytes");
    let s = open(&path);
    let a = vec![b'x', 0xED, 0xA0, 0x80]; // WTF-8 of 'x\uD800'
    let b = vec![b'x', 0xED, 0xAF, 0xBF]; // 'x\uDBFF'
    let json = "{\"name\":\"Ж€𝄞\"}".as_bytes().to_vec();
    for (sid, v) in [(&a, b"1".to_vec()), (&b, json.clone())] {
        write(
            &s,
            Write::Set {
                sid: sid.clone(),
                json: v,
                expires: NEVER,
                owner: None,
            },
        )?;
    }
    assert_eq!(s.get(&a, 0.0)?, Some(b"1".to_vec()));
    assert_eq!(s.get(&b, 0.0)?, Some(json));
    let big = "é".repeat(300_000);
    set(&s, "big", &big, NEVER)?;
    assert_eq!(get(&s, "big", 0.0).map(|j| j.len()), Some(big.len()));
    Ok(())
}

#[test]
fn two_stores_on_one_file_see_each_other() -> Result<(), Error> {
    let (_dir, path) = temp_db("shared");
    let one = open(&path);
    let two = open(&path);
    set(&one, "s", r#"{"n":1}"#, NEVER)?;
    assert_eq!(get(&two, "s", 0.0).as_deref(), Some(r#"{"n":1}"#));
    set(&two, "s", r#"{"n":2}"#, NEVER)?;
    assert_eq!(get(&one, "s", 0.0).as_deref(), Some(r#"{"n":2}"#));
    write(
        &one,
        Write::Destroy {
            sids: vec![b"s".to_vec()],
        },
    )?;
    assert_eq!(get(&two, "s", 0.0), None);
    Ok(())
}

#[test]
fn a_reopened_file_keeps_every_acknowledged_write() -> Result<(), Error> {
    let (_dir, path) = temp_db("reopen");
    {
        let s = open(&path);
        let (tx, rx) = channel();
        for i in 0..2000 {
            let tx = tx.clone();
            s.write(
                Write::Set {
                    sid: format!("s{i}").into_bytes(),
                    json: format!("{{\"i\":{i}}}").into_bytes(),
                    expires: NEVER,
                    owner: None,
                },
                Box::new(move |r| drop(tx.send(r))),
            );
        }
        drop(tx);
        let acked = rx.iter().filter(|r| r.is_ok()).count();
        assert_eq!(acked, 2000);
    }
    let s = open(&path);
    assert_eq!(s.len(0.0)?, 2000);
    assert_eq!(get(&s, "s1999", 0.0).as_deref(), Some(r#"{"i":1999}"#));
    Ok(())
}

#[test]
fn durability_modes_set_synchronous() -> Result<(), Error> {
    let (_dir, path) = temp_db("sync");
    let mut o = Options::new(&path);
    o.durability = Durability::PowerLoss;
    let s = SqliteStore::open(o)?;
    let mode: i64 = s.read(|c| Ok(c.query_row("PRAGMA synchronous", [], |r| r.get(0))?))?;
    assert_eq!(mode, 2, "FULL");
    let journal: String = s.read(|c| Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?))?;
    assert_eq!(journal, "wal");
    Ok(())
}

#[test]
fn close_closes_the_file_and_later_reads_fail() -> Result<(), Error> {
    let (_dir, path) = temp_db("close");
    let s = SqliteStore::open(Options::new(&path))?;
    let (tx, rx) = channel();
    s.write(
        Write::Set {
            sid: b"a".to_vec(),
            json: b"{}".to_vec(),
            expires: f64::NAN,
            owner: None,
        },
        Box::new(move |r| drop(tx.send(r))),
    );
    s.close();
    assert!(
        rx.recv().is_ok_and(|r| r.is_ok()),
        "the write in flight committed"
    );
    // the last connection closed: SQLite checkpointed the WAL into the file and
    // removed it, so the file alone holds every write
    let mut wal = path.clone().into_os_string();
    wal.push("-wal");
    assert!(!std::path::Path::new(&wal).exists(), "no WAL left");
    assert_eq!(s.get(b"a", 0.0).map_err(|e| e.kind), Err(ErrorKind::Closed));
    assert_eq!(s.stats().map_err(|e| e.kind), Err(ErrorKind::Closed));
    let c = Connection::open(&path)?;
    let n: i64 = c.query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))?;
    assert_eq!(n, 1);
    // (closed is what a read says, also once the file is gone)
    assert!(std::fs::remove_file(&path).is_ok(), "the file is removed");
    assert_eq!(s.get(b"a", 0.0).map_err(|e| e.kind), Err(ErrorKind::Closed));
    Ok(())
}

#[test]
fn sweep_removes_in_bounded_batches() -> Result<(), Error> {
    let (_dir, path) = temp_db("sweep");
    let s = open(&path);
    for i in 0..100 {
        set(&s, &format!("e{i}"), "{}", 10.0)?;
    }
    set(&s, "live", "{}", NEVER)?;
    assert_eq!(
        write(
            &s,
            Write::Sweep {
                now: 20.0,
                limit: 30
            }
        )?,
        30
    );
    assert_eq!(s.stats()?.count, 71);
    while write(
        &s,
        Write::Sweep {
            now: 20.0,
            limit: 30,
        },
    )? > 0
    {}
    assert_eq!(s.ids(0.0)?, vec![b"live".to_vec()]);
    assert_eq!(s.stats()?.expired, 100);
    Ok(())
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_alone() {
    let (_dir, path) = temp_db("notadb");
    let text = b"these are somebody's notes, not a database\n".repeat(200);
    std::fs::write(&path, &text).ok();
    let err = SqliteStore::open(Options::new(&path)).err();
    assert_eq!(err.map(|e| e.kind), Some(ErrorKind::NotADatabase));
    assert_eq!(
        std::fs::read(&path).ok(),
        Some(text),
        "the file is unchanged"
    );
}

#[test]
fn a_truncated_database_is_an_error_not_an_empty_store() -> Result<(), Error> {
    let (_dir, path) = temp_db("truncated");
    {
        let s = open(&path);
        for i in 0..3000 {
            set(&s, &format!("s{i}"), &"x".repeat(200), NEVER)?;
        }
        s.close();
        // fold the WAL into the main file, then cut the file in half
        let c = Connection::open(&path)?;
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    assert!(len > 100_000);
    let f = std::fs::OpenOptions::new().write(true).open(&path);
    f.and_then(|f| f.set_len(len / 2)).ok();
    let result = SqliteStore::open(Options::new(&path)).and_then(|s| s.len(0.0));
    match result {
        Err(e) => assert!(
            matches!(e.kind, ErrorKind::Corrupt | ErrorKind::NotADatabase),
            "{e:?}"
        ),
        Ok(n) => panic!("a truncated file read as {n} sessions"),
    }
    Ok(())
}

#[test]
fn a_path_that_cannot_be_opened_is_a_clear_error() {
    let (_dir, base) = temp_db("missing");
    let missing_dir = base.with_file_name("no/such/dir/sessions.db");
    let e = SqliteStore::open(Options::new(missing_dir)).err();
    assert_eq!(e.map(|e| e.kind), Some(ErrorKind::CannotOpen));
    let (_dir2, a_dir) = temp_db("dir");
    std::fs::create_dir_all(&a_dir).ok();
    let e = SqliteStore::open(Options::new(&a_dir)).err();
    assert_eq!(e.map(|e| e.kind), Some(ErrorKind::CannotOpen));
}

#[test]
fn a_full_database_fails_writes_and_keeps_serving() -> Result<(), Error> {
    let (_dir, path) = temp_db("full");
    let mut o = Options::new(&path);
    o.max_page_count = Some(40);
    let s = SqliteStore::open(o)?;
    set(&s, "small", "{}", NEVER)?;
    let big = "y".repeat(400_000);
    let err = set(&s, "big", &big, NEVER).err();
    assert_eq!(
        err.as_ref().map(|e| e.kind),
        Some(ErrorKind::Full),
        "{err:?}"
    );
    // the store keeps serving: reads, small writes and destroys work
    assert_eq!(get(&s, "small", 0.0).as_deref(), Some("{}"));
    assert_eq!(get(&s, "big", 0.0), None);
    set(&s, "other", "{}", NEVER)?;
    assert_eq!(
        write(
            &s,
            Write::Destroy {
                sids: vec![b"small".to_vec()]
            }
        )?,
        1
    );
    Ok(())
}

#[test]
fn a_lock_held_past_the_busy_timeout_is_a_busy_error() -> Result<(), Error> {
    let (_dir, path) = temp_db("busy");
    let mut o = Options::new(&path);
    o.busy_timeout = Duration::from_millis(100);
    let s = SqliteStore::open(o)?;
    let other = Connection::open(&path)?;
    other.execute_batch(
        "BEGIN IMMEDIATE; INSERT INTO sessions (sid, expires, json) VALUES ('x', NULL, '{}');",
    )?;
    let err = set(&s, "a", "{}", NEVER).err();
    assert_eq!(err.map(|e| e.kind), Some(ErrorKind::Busy));
    other.execute_batch("COMMIT")?;
    set(&s, "a", "{}", NEVER)?;
    assert_eq!(s.len(0.0)?, 2);
    Ok(())
}

#[test]
fn writes_after_close_fail_with_closed() {
    let (_dir, path) = temp_db("closed");
    let s = open(&path);
    s.close();
    let err = set(&s, "a", "{}", NEVER).err();
    assert_eq!(err.map(|e| e.kind), Some(ErrorKind::Closed));
}

#[test]
fn a_failing_write_does_not_undo_the_others_of_its_batch() -> Result<(), Error> {
    let (_dir, path) = temp_db("batch-full");
    let mut o = Options::new(&path);
    o.max_page_count = Some(40);
    let s = SqliteStore::open(o)?;
    let (tx, rx) = channel();
    for (i, json) in ["{}".to_string(), "z".repeat(400_000), "[]".to_string()]
        .into_iter()
        .enumerate()
    {
        let tx = tx.clone();
        s.write(
            Write::Set {
                sid: format!("s{i}").into_bytes(),
                json: json.into_bytes(),
                expires: NEVER,
                owner: None,
            },
            Box::new(move |r| drop(tx.send((i, r)))),
        );
    }
    drop(tx);
    let mut results: Vec<(usize, Result<u64, Error>)> = rx.iter().collect();
    results.sort_by_key(|r| r.0);
    let kinds: Vec<Option<ErrorKind>> = results
        .iter()
        .map(|r| r.1.as_ref().err().map(|e| e.kind))
        .collect();
    assert_eq!(kinds, vec![None, Some(ErrorKind::Full), None]);
    assert_eq!(s.ids(0.0)?, vec![b"s0".to_vec(), b"s2".to_vec()]);
    Ok(())
}

#[test]
fn merge_writes_only_the_patched_members() -> Result<(), Error> {
    let (_dir, path) = temp_db("merge");
    let s = open(&path);
    set(
        &s,
        "a",
        r#"{"cookie":{"e":1},"user":"y","cart":[1]}"#,
        100.0,
    )?;
    let patch = crate::store::json::Patch {
        sets: vec![(b"cart".to_vec(), b"[1,2]".to_vec())],
        deletes: vec![b"user".to_vec()],
    };
    let merge = |sid: &str, full: &str, now: f64| Write::Merge {
        sid: sid.as_bytes().to_vec(),
        full: full.as_bytes().to_vec(),
        patch: patch.clone(),
        expires: 200.0,
        now,
        owner: None,
    };
    assert_eq!(write(&s, merge("a", r#"{"full":1}"#, 10.0))?, 1);
    assert_eq!(
        get(&s, "a", 150.0).as_deref(),
        Some(r#"{"cookie":{"e":1},"cart":[1,2]}"#)
    );
    // no session, or an expired one: the full JSON
    write(&s, merge("b", r#"{"full":2}"#, 10.0))?;
    assert_eq!(get(&s, "b", 10.0).as_deref(), Some(r#"{"full":2}"#));
    write(&s, merge("a", r#"{"full":3}"#, 300.0))?;
    assert_eq!(get(&s, "a", 150.0).as_deref(), Some(r#"{"full":3}"#));
    Ok(())
}

#[test]
fn stores_opened_at_once_on_a_new_file_all_open() {
    // (as the workers of a cluster do at start: switching a new file to WAL
    // upgrades a read transaction to a write one, which SQLite does not retry
    // through the busy handler)
    for round in 0..100 {
        let (_dir, path) = temp_db("at-once");
        let barrier = Arc::new(std::sync::Barrier::new(8));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                thread::spawn(move || {
                    barrier.wait();
                    SqliteStore::open(Options::new(&path)).map(|_| ())
                })
            })
            .collect();
        for t in threads {
            match t.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => panic!("round {round}: {e} ({:?})", e.kind),
                Err(_) => panic!("round {round}: a thread panicked"),
            }
        }
    }
}

#[test]
fn a_row_with_an_expiry_that_is_not_a_number_is_a_corrupt_error_naming_it() -> Result<(), Error> {
    let (_dir, path) = temp_db("damaged-row");
    let s = open(&path);
    set(&s, "a", r#"{"n":1}"#, NEVER)?;
    set(&s, "b", r#"{"n":2}"#, NEVER)?;
    // (as a damaged file, or a hand edit, can leave it)
    Connection::open(&path)?.execute("UPDATE sessions SET expires = 'soon' WHERE sid = 'a'", [])?;
    let damaged = Err(Error {
        kind: ErrorKind::Corrupt,
        message: r#"the stored row of session "a" is damaged: its expires column holds a value of type Text"#
            .to_owned(),
    });
    assert_eq!(s.get(b"a", 0.0), damaged);
    let touch = Write::Touch {
        sid: b"a".to_vec(),
        cookie: None,
        expires: NEVER,
        now: 0.0,
        owner: None,
    };
    assert_eq!(write(&s, touch).map(|_| None), damaged);
    assert_eq!(get(&s, "b", 0.0).as_deref(), Some(r#"{"n":2}"#));
    // a new write of the session replaces the row
    set(&s, "a", r#"{"n":3}"#, NEVER)?;
    assert_eq!(get(&s, "a", 0.0).as_deref(), Some(r#"{"n":3}"#));
    Ok(())
}

#[test]
fn a_row_without_an_id_is_no_session() -> Result<(), Error> {
    let (_dir, path) = temp_db("null-sid");
    let s = open(&path);
    set(&s, "a", r#"{"n":1}"#, NEVER)?;
    // (only another program writes one: the column takes NULL)
    Connection::open(&path)?.execute(
        "INSERT INTO sessions (sid, expires, json) VALUES (NULL, NULL, '{}')",
        [],
    )?;
    let all: Vec<Vec<u8>> = s.all(0.0)?.into_iter().map(|(sid, _)| sid).collect();
    assert_eq!(all, vec![b"a".to_vec()]);
    assert_eq!(s.ids(0.0)?, vec![b"a".to_vec()]);
    assert_eq!(s.len(0.0)?, 1);
    Ok(())
}

fn io<T>(r: std::io::Result<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}

/// The size of the WAL of `path`.
fn wal_len(path: &Path) -> u64 {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    io(std::fs::metadata(wal)).len()
}

/// The session IDs in the file `path` (that no store has open any more).
fn sids_in(path: &Path) -> Result<Vec<String>, Error> {
    let c = Connection::open(path)?;
    let mut st = c.prepare("SELECT sid FROM sessions ORDER BY rowid")?;
    let sids = st.query_map([], |r| r.get(0))?;
    Ok(sids.collect::<Result<Vec<String>, _>>()?)
}

/// A store on a new file holding session "before", every write in the file itself
/// (the WAL empty), and a second name for the file (to read it once orphaned).
fn store_with_one_session(
    name: &str,
) -> Result<(tempfile::TempDir, PathBuf, PathBuf, SqliteStore), Error> {
    let (dir, path) = temp_db(name);
    let s = open(&path);
    set(&s, "before", "{}", NEVER)?;
    let c = Connection::open(&path)?;
    let busy: i64 = c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    assert_eq!((busy, wal_len(&path)), (0, 0));
    let keep = path.with_extension("orphan");
    io(std::fs::hard_link(&path, &keep));
    Ok((dir, path, keep, s))
}

/// A closed database at `path` holding the one session `sid`, all in the file.
fn other_database(path: &Path, sid: &str) -> Result<(), Error> {
    let o = open(&path.to_path_buf());
    set(&o, sid, "{}", NEVER)?;
    o.close();
    drop(o); // (the last connection: the WAL goes into the file)
    Ok(())
}

fn replaced(path: &Path, what: &str) -> Error {
    Error {
        kind: ErrorKind::FileReplaced,
        message: format!(
            "the session database {} {what} while this store had it open: nothing more is \
             written or read through this store (it would go to the orphaned file); open a \
             new SqliteStore on the path",
            path.display()
        ),
    }
}

#[test]
fn a_deleted_file_fails_every_later_write_and_read_with_file_replaced() -> Result<(), Error> {
    let (_dir, path, keep, s) = store_with_one_session("deleted")?;
    io(std::fs::remove_file(&path));
    let deleted = replaced(&path, "was deleted");
    assert_eq!(set(&s, "after", "{}", NEVER), Err(deleted.clone()));
    assert_eq!(wal_len(&path), 0, "nothing written to the orphaned file");
    assert_eq!(s.get(b"before", 0.0), Err(deleted.clone()));
    assert_eq!(s.len(0.0), Err(deleted.clone()));
    assert_eq!(s.ids(0.0), Err(deleted.clone()));
    assert_eq!(s.all(0.0), Err(deleted.clone()));
    assert_eq!(s.stats().map(|_| ()), Err(deleted.clone()));
    // a new file at the path (another process opened it): this store still
    // refuses, with the same error
    other_database(&path, "new")?;
    assert_eq!(set(&s, "after", "{}", NEVER), Err(deleted.clone()));
    assert_eq!(write(&s, Write::Clear), Err(deleted));
    s.close();
    drop(s);
    assert_eq!(sids_in(&keep)?, vec!["before"]);
    assert_eq!(sids_in(&path)?, vec!["new"]);
    Ok(())
}

#[test]
fn a_file_renamed_over_the_path_or_created_at_it_fails_with_file_replaced() -> Result<(), Error> {
    for rename in [true, false] {
        let (dir, path, keep, s) = store_with_one_session("replaced")?;
        // (the new store stays open: its last connection would remove the WAL
        // the two files' connections share)
        let new = if rename {
            let other = dir.path().join("other.db");
            other_database(&other, "other")?;
            io(std::fs::rename(&other, &path));
            None
        } else {
            io(std::fs::remove_file(&path));
            let new = open(&path);
            set(&new, "other", "{}", NEVER)?;
            Some(new)
        };
        let wal = wal_len(&path);
        let e = replaced(&path, "was replaced by another file");
        // a read notices it too (once the last check is older than a read trusts)
        thread::sleep(READ_CHECK_INTERVAL * 2);
        assert_eq!(s.get(b"before", 0.0), Err(e.clone()), "rename: {rename}");
        assert_eq!(set(&s, "after", "{}", NEVER), Err(e.clone()));
        assert_eq!(
            write(
                &s,
                Write::Destroy {
                    sids: vec![b"other".to_vec()]
                }
            ),
            Err(e)
        );
        assert_eq!(wal_len(&path), wal, "nothing written to the WAL");
        s.close();
        drop(s);
        if let Some(new) = new {
            new.close();
        }
        assert_eq!(sids_in(&keep)?, vec!["before"]);
        assert_eq!(sids_in(&path)?, vec!["other"]);
    }
    Ok(())
}

#[test]
fn a_file_replaced_while_a_batch_waits_for_the_lock_gets_none_of_it() -> Result<(), Error> {
    let (dir, path, keep, _) = {
        let (dir, path, keep, s) = store_with_one_session("replaced-waiting")?;
        s.close();
        (dir, path, keep, ())
    };
    let mut o = Options::new(&path);
    o.busy_timeout = Duration::from_secs(10);
    let s = SqliteStore::open(o)?;
    // another process holds the lock; the write waits for it
    let holder = Connection::open(&path)?;
    holder.execute_batch("BEGIN IMMEDIATE")?;
    let (tx, rx) = channel();
    s.write(
        Write::Set {
            sid: b"after".to_vec(),
            json: b"{}".to_vec(),
            expires: NEVER,
            owner: None,
        },
        Box::new(move |r| drop(tx.send(r))),
    );
    thread::sleep(Duration::from_millis(100));
    let other = dir.path().join("other.db");
    other_database(&other, "other")?;
    io(std::fs::rename(&other, &path));
    holder.execute_batch("COMMIT")?;
    let r = rx
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or(Err(closed()));
    assert_eq!(r, Err(replaced(&path, "was replaced by another file")));
    s.close();
    drop(s);
    drop(holder);
    assert_eq!(sids_in(&keep)?, vec!["before"]);
    assert_eq!(sids_in(&path)?, vec!["other"]);
    Ok(())
}

fn set_owned(s: &SqliteStore, sid: &str, expires: f64, owner: Option<&str>) -> Result<u64, Error> {
    write(
        s,
        Write::Set {
            sid: sid.as_bytes().to_vec(),
            json: format!(r#"{{"sid":"{sid}"}}"#).into_bytes(),
            expires,
            owner: Some(owner.map(|o| o.as_bytes().to_vec())),
        },
    )
}

fn owned(s: &SqliteStore, owner: &str, now: f64) -> Vec<String> {
    s.owned(owner.as_bytes(), now)
        .unwrap_or_else(|e| panic!("owned: {e}"))
        .into_iter()
        .map(|(sid, _)| String::from_utf8_lossy(&sid).into_owned())
        .collect()
}

fn destroy_owner(s: &SqliteStore, owner: &str, except: &[&str], now: f64) -> Result<u64, Error> {
    write(
        s,
        Write::DestroyOwner {
            owner: owner.as_bytes().to_vec(),
            except: except.iter().map(|e| e.as_bytes().to_vec()).collect(),
            now,
        },
    )
}

#[test]
fn owners_are_a_column_written_with_the_session() -> Result<(), Error> {
    let (_dir, path) = temp_db("owners");
    let s = open(&path);
    for sid in ["a", "b", "c"] {
        set_owned(&s, sid, 1000.0, Some("ann"))?;
    }
    set_owned(&s, "x", 1000.0, Some("bob"))?;
    set_owned(&s, "old", 10.0, Some("ann"))?;
    set(&s, "plain", "{}", 1000.0)?; // (untracked: no owner)
    assert_eq!(owned(&s, "ann", 5.0), ["a", "b", "c", "old"]);
    assert_eq!(
        owned(&s, "ann", 20.0),
        ["a", "b", "c"],
        "never an expired one"
    );
    // a write without an owner argument keeps the stored owner; with null, clears it
    set(&s, "b", "{}", 1000.0)?;
    assert_eq!(owned(&s, "ann", 20.0), ["a", "b", "c"]);
    set_owned(&s, "b", 1000.0, None)?;
    assert_eq!(owned(&s, "ann", 20.0), ["a", "c"]);
    // touch moves the owner too
    write(
        &s,
        Write::Touch {
            sid: b"x".to_vec(),
            cookie: None,
            expires: 2000.0,
            now: 20.0,
            owner: Some(Some(b"ann".to_vec())),
        },
    )?;
    assert_eq!(owned(&s, "ann", 20.0), ["a", "c", "x"]);
    assert!(owned(&s, "bob", 20.0).is_empty());
    // ends the live ones but `except` (and the expired one, uncounted)
    assert_eq!(destroy_owner(&s, "ann", &["c"], 20.0)?, 2);
    assert_eq!(owned(&s, "ann", 5.0), ["c"]);
    assert_eq!(get(&s, "old", 5.0), None);
    assert!(get(&s, "plain", 20.0).is_some());
    assert_eq!(destroy_owner(&s, "nobody", &[], 20.0)?, 0);
    Ok(())
}

#[test]
fn a_file_made_before_owners_gets_the_column_without_losing_a_session() -> Result<(), Error> {
    let (_dir, path) = temp_db("migrate");
    {
        // the schema this store had before the owner column
        let c = Connection::open(&path)?;
        c.execute_batch(
            "PRAGMA journal_mode=WAL;
             CREATE TABLE sessions (sid TEXT PRIMARY KEY, expires REAL, json TEXT NOT NULL);
             CREATE INDEX sessions_expires ON sessions (expires);
             INSERT INTO sessions VALUES ('a', NULL, '{\"n\":1}'), ('b', 5e12, '{\"n\":2}');",
        )?;
    }
    // two stores opening it at once (as two processes would) add the column once
    let (a, b) = std::thread::scope(|scope| {
        let one = scope.spawn(|| SqliteStore::open(Options::new(&path)));
        let two = scope.spawn(|| SqliteStore::open(Options::new(&path)));
        (one.join(), two.join())
    });
    let (a, b) = (
        a.unwrap_or_else(|_| panic!("panicked"))?,
        b.unwrap_or_else(|_| panic!("panicked"))?,
    );
    assert_eq!(get(&a, "a", 0.0).as_deref(), Some(r#"{"n":1}"#));
    assert_eq!(get(&b, "b", 0.0).as_deref(), Some(r#"{"n":2}"#));
    set_owned(&a, "c", NEVER, Some("ann"))?;
    assert_eq!(owned(&b, "ann", 0.0), ["c"], "the other connection sees it");
    assert_eq!(destroy_owner(&b, "ann", &[], 0.0)?, 1);
    assert_eq!(get(&a, "c", 0.0), None);
    let c = Connection::open(&path)?;
    let columns: Vec<String> = c
        .prepare("SELECT name FROM pragma_table_info('sessions')")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    assert_eq!(columns, ["sid", "expires", "json", "owner"]);
    let index: i64 = c.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'sessions_owner'",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(index, 1);
    Ok(())
}

#[test]
fn another_stores_table_is_refused_at_open() -> Result<(), Error> {
    for (name, table, missing) in [
        (
            "connect-sqlite3",
            "CREATE TABLE sessions (sid PRIMARY KEY, expired, sess)",
            "expires, json",
        ),
        (
            "no-json",
            "CREATE TABLE sessions (sid TEXT PRIMARY KEY, expires REAL)",
            "json",
        ),
        (
            "without-rowid",
            "CREATE TABLE sessions (sid TEXT PRIMARY KEY, expires REAL, json TEXT) WITHOUT ROWID",
            "rowid",
        ),
    ] {
        let (_dir, path) = temp_db(name);
        Connection::open(&path)?.execute_batch(table)?;
        let err = SqliteStore::open(Options::new(&path)).err();
        let message = err.map(|e| e.message).unwrap_or_default();
        assert!(
            message.contains(&format!("is not a SqliteStore's (it has no {missing})")),
            "{name}: {message}"
        );
    }
    Ok(())
}
