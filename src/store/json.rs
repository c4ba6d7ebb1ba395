//! Just enough JSON scanning to write some top-level members of a stored session
//! without parsing and re-serialising the rest.
//!
//! The result is exact in JSON.parse's terms, whoever wrote the stored text: for
//! `o = JSON.parse(json)`, then deletes and assignments of top-level members,
//! `JSON.parse` of the result equals `o` (key order included), and no key appears
//! twice in it. So keys are compared as JSON.parse reads them: decoded (`"\u0061"`,
//! `"a\/b"` and a raw `"a"`, `"a/b"` are the same key; lone surrogates are kept,
//! as WTF-8, `crate::text`), and of duplicate keys the last value wins at the
//! place of the first (a JS object's property keeps the place it was created at).
//!
//! Members the patch does not name keep their bytes (a duplicated one is written
//! once: the first's key, the last's value); whitespace between members goes.
//! For `JSON.stringify` output (compact, unique keys) the result is therefore
//! byte for byte what `JSON.stringify(o)` writes, as express-session's
//! MemoryStore `touch` would, at a fraction of the cost of a round trip.
//!
//! Paths, all exact:
//! - text as `JSON.stringify` writes it (no key with an escape, none twice, at
//!   most 64 members): one scan, strings skipped with `memchr`, one hash per
//!   top-level key to tell keys apart, nothing allocated but the output (a key
//!   without a backslash is its own decoded form: the text is WTF-8);
//! - any other text: the keys decoded and indexed, duplicates merged;
//! - `touch` (one member set): when the key is found before any escaped key and
//!   nothing after it could spell it again, its value is replaced and the rest
//!   copied unread (there, a duplicate of another key may stay as it is: JSON.parse
//!   reads it the same).

use crate::text;
use hashbrown::HashTable;
use std::borrow::Cow;
use std::hash::{BuildHasher, Hasher};

/// Why a patch was not applied.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum JsonError {
    /// The stored text is not a JSON object this scanner understands.
    NotAnObject,
    /// A key of the patch is not JSON string text (what `JSON.stringify` writes
    /// between the quotes of a key).
    BadKey,
}

use JsonError::{BadKey, NotAnObject};

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|&c| is_ws(c)) {
        i += 1;
    }
    i
}

/// `b[i]` is the opening quote; returns the index just past the closing quote and
/// whether the string has a backslash.
fn skip_string(b: &[u8], i: usize) -> Option<(usize, bool)> {
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        let at = j + find_quote_or_backslash(b.get(j..)?)?;
        if b.get(at) == Some(&b'"') {
            return Some((at + 1, escaped));
        }
        escaped = true;
        j = at + 2;
    }
}

/// The index of the first `"` or `\` in `b`: a plain loop over the first bytes
/// (most keys and values are short, where a `memchr` call costs more than it saves),
/// then `memchr`.
fn find_quote_or_backslash(b: &[u8]) -> Option<usize> {
    const SHORT: usize = 24;
    let (head, tail) = b.split_at(b.len().min(SHORT));
    match head.iter().position(|&c| c == b'"' || c == b'\\') {
        Some(at) => Some(at),
        None => memchr::memchr2(b'"', b'\\', tail).map(|at| at + head.len()),
    }
}

/// The bytes a scan inside an array or object stops at: quotes and brackets.
const STRUCTURAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'{' as usize] = true;
    t[b'}' as usize] = true;
    t[b'[' as usize] = true;
    t[b']' as usize] = true;
    t
};

/// Returns the index just past the value starting at `b[i]`. (Lenient: it finds
/// where a value ends, it does not check the value.)
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => skip_string(b, i).map(|(end, _)| end),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                j += b
                    .get(j..)?
                    .iter()
                    .position(|&c| STRUCTURAL[usize::from(c)])?;
                match *b.get(j)? {
                    b'"' => {
                        j = skip_string(b, j)?.0;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while b
                .get(j)
                .is_some_and(|&c| !matches!(c, b',' | b'}' | b']') && !is_ws(c))
            {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// The value of the hex digits `h` (exactly four).
fn hex4(h: &[u8]) -> Option<u16> {
    match h {
        [_, _, _, _] => h.iter().try_fold(0u16, |n, &c| {
            Some(n << 4 | char::from(c).to_digit(16)? as u16)
        }),
        _ => None,
    }
}

/// The WTF-8 of the string `JSON.parse` reads from `raw`, the text between the
/// quotes of a JSON string: escapes decoded, UTF-16 surrogates paired as JS pairs
/// them (an escaped `\ud83d` and a raw trail surrogate after it are one
/// character). `None` when `raw` is not JSON string text: a raw `"` or control
/// character, a malformed escape, or bytes that are not WTF-8.
pub fn decode_string(raw: &[u8]) -> Option<Vec<u8>> {
    let mut units = Vec::with_capacity(raw.len());
    let mut rest = raw;
    loop {
        let at = memchr::memchr(b'\\', rest).unwrap_or(rest.len());
        let (plain, tail) = rest.split_at(at);
        if plain.iter().any(|&c| c == b'"' || c < 0x20) {
            return None;
        }
        text::push_utf16(&mut units, plain).ok()?;
        let Some((_, escape)) = tail.split_first() else {
            return Some(text::wtf8(&units));
        };
        let (unit, len) = match *escape.first()? {
            b'"' => (0x22, 1),
            b'\\' => (0x5C, 1),
            b'/' => (0x2F, 1),
            b'b' => (0x08, 1),
            b'f' => (0x0C, 1),
            b'n' => (0x0A, 1),
            b'r' => (0x0D, 1),
            b't' => (0x09, 1),
            b'u' => (hex4(escape.get(1..5)?)?, 5),
            _ => return None,
        };
        units.push(unit);
        rest = escape.get(len..)?;
    }
}

/// A key of a patch (the text `JSON.stringify` writes between its quotes) in the
/// form keys are compared in: the WTF-8 of the JS string.
fn patch_key(raw: &[u8]) -> Result<Cow<'_, [u8]>, JsonError> {
    if memchr::memchr(b'\\', raw).is_none() {
        if raw.iter().any(|&c| c == b'"' || c < 0x20) {
            return Err(BadKey);
        }
        return Ok(Cow::Borrowed(raw));
    }
    decode_string(raw).map(Cow::Owned).ok_or(BadKey)
}

/// True when `raw` can be a key of a `Patch`: JSON string text, as
/// `JSON.stringify` writes it between the quotes.
pub fn is_key_text(raw: &[u8]) -> bool {
    patch_key(raw).is_ok()
}

/// A key, hashed, in the form keys are compared in.
trait Keyed {
    fn hash(&self) -> u64;
    fn key(&self) -> &[u8];
}

/// Finds keys among a list of them: for a few, a 1024-bit filter of their hashes
/// and a linear search on a hit (no allocation); for many, a hash table.
enum Index {
    Small([u64; 16]),
    Large(HashTable<usize>),
}

/// Up to this many keys, `Index::Small`.
const SMALL_INDEX: usize = 32;

impl Index {
    fn new(capacity: usize) -> Index {
        if capacity <= SMALL_INDEX {
            Index::Small([0; 16])
        } else {
            Index::Large(HashTable::with_capacity(capacity))
        }
    }

    /// Records `items[i]`.
    fn insert<K: Keyed>(&mut self, items: &[K], i: usize) {
        let Some(item) = items.get(i) else { return };
        let hash = item.hash();
        match self {
            Index::Small(bits) => bits[(hash >> 6) as usize & 15] |= 1 << (hash & 63),
            Index::Large(table) => {
                table.insert_unique(hash, i, |&j| items.get(j).map_or(0, K::hash));
            }
        }
    }

    /// The first of `items` recorded with the key `key`.
    fn find<K: Keyed>(&self, items: &[K], hash: u64, key: &[u8]) -> Option<usize> {
        match self {
            Index::Small(bits) => {
                if bits[(hash >> 6) as usize & 15] & (1 << (hash & 63)) == 0 {
                    return None;
                }
                items
                    .iter()
                    .position(|k| k.hash() == hash && k.key() == key)
            }
            Index::Large(table) => table
                .find(hash, |&j| items.get(j).is_some_and(|k| k.key() == key))
                .copied(),
        }
    }
}

fn hash_key(state: &foldhash::fast::RandomState, key: &[u8]) -> u64 {
    let mut h = state.build_hasher();
    h.write(key);
    h.finish()
}

/// Where a top-level member of the stored text is.
#[derive(Clone, Copy)]
struct Span {
    /// `"key"`, quotes included
    key_text: (usize, usize),
    /// the key has a backslash
    escaped: bool,
    value: (usize, usize),
}

impl Span {
    /// The text between the quotes of the key.
    fn raw_key(self, json: &[u8]) -> &[u8] {
        json.get(self.key_text.0 + 1..self.key_text.1 - 1)
            .unwrap_or_default()
    }
}

/// Calls `f` with each top-level member of `json`, in order, until `f` returns
/// false (then `Ok(false)`). `Err(NotAnObject)` when `json` is not an object,
/// text after its closing brace (but whitespace) included, as JSON.parse refuses it.
fn each_member(json: &[u8], mut f: impl FnMut(Span) -> bool) -> Result<bool, JsonError> {
    let b = json;
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return Err(NotAnObject);
    }
    i = skip_ws(b, i + 1);
    let end = if b.get(i) == Some(&b'}') {
        i
    } else {
        loop {
            if b.get(i) != Some(&b'"') {
                return Err(NotAnObject);
            }
            let (key_end, escaped) = skip_string(b, i).ok_or(NotAnObject)?;
            let colon = skip_ws(b, key_end);
            if b.get(colon) != Some(&b':') {
                return Err(NotAnObject);
            }
            let value_start = skip_ws(b, colon + 1);
            let value_end = skip_value(b, value_start).ok_or(NotAnObject)?;
            let go_on = f(Span {
                key_text: (i, key_end),
                escaped,
                value: (value_start, value_end),
            });
            if !go_on {
                return Ok(false);
            }
            i = skip_ws(b, value_end);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b'}') => break i,
                _ => return Err(NotAnObject),
            }
        }
    };
    if skip_ws(b, end + 1) != b.len() {
        return Err(NotAnObject);
    }
    Ok(true)
}

/// A top-level member of the stored text, with its key decoded (the full path).
struct Member<'j> {
    span: Span,
    key: Cow<'j, [u8]>,
    hash: u64,
    /// the last member with this key (itself when it has no duplicate)
    last: usize,
    /// not a duplicate of an earlier member
    first: bool,
}

impl Keyed for Member<'_> {
    fn hash(&self) -> u64 {
        self.hash
    }
    fn key(&self) -> &[u8] {
        &self.key
    }
}

/// The top-level members of `json`, keys decoded, duplicates marked.
fn members<'j>(
    json: &'j [u8],
    state: &foldhash::fast::RandomState,
) -> Result<Vec<Member<'j>>, JsonError> {
    let mut list: Vec<Member<'j>> = Vec::with_capacity(16);
    let mut bad_key = false;
    each_member(json, |span| {
        let raw = span.raw_key(json);
        let key = if span.escaped {
            match decode_string(raw) {
                Some(k) => Cow::Owned(k),
                None => {
                    bad_key = true;
                    return false;
                }
            }
        } else {
            Cow::Borrowed(raw)
        };
        list.push(Member {
            span,
            hash: hash_key(state, &key),
            key,
            last: list.len(),
            first: true,
        });
        true
    })?;
    if bad_key {
        return Err(NotAnObject);
    }
    let mut index = Index::new(list.len());
    for i in 0..list.len() {
        let (earlier, rest) = list.split_at_mut(i);
        let Some(m) = rest.first_mut() else { break };
        match index.find(earlier, m.hash, &m.key) {
            Some(f) => {
                m.first = false;
                if let Some(first) = earlier.get_mut(f) {
                    first.last = i;
                }
            }
            None => index.insert(&list, i),
        }
    }
    Ok(list)
}

/// What the patch does to one key.
struct Op<'p> {
    /// the key as given (JSON string text), written when the member is added
    text: &'p [u8],
    key: Cow<'p, [u8]>,
    hash: u64,
    /// deleted (before any set)
    delete: bool,
    /// the value set last, if any
    value: Option<&'p [u8]>,
    /// written in place of an existing member
    placed: bool,
}

impl Keyed for Op<'_> {
    fn hash(&self) -> u64 {
        self.hash
    }
    fn key(&self) -> &[u8] {
        &self.key
    }
}

/// The operations of a patch and the index of their keys.
struct Ops<'p> {
    list: Vec<Op<'p>>,
    index: Index,
    /// the ops that add a member when their key is not there, in order
    added: Vec<usize>,
}

/// Writes an object: members separated by commas; consecutive members copied
/// whole from `json` are copied with one copy when they are adjacent there.
struct Writer<'o, 'j> {
    out: &'o mut Vec<u8>,
    json: &'j [u8],
    run: Option<(usize, usize)>,
    any: bool,
}

impl<'o, 'j> Writer<'o, 'j> {
    fn new(out: &'o mut Vec<u8>, json: &'j [u8]) -> Self {
        out.push(b'{');
        Writer {
            out,
            json,
            run: None,
            any: false,
        }
    }

    fn text(&self, (s, e): (usize, usize)) -> &'j [u8] {
        self.json.get(s..e).unwrap_or_default()
    }

    fn separate(&mut self) {
        if self.any {
            self.out.push(b',');
        }
        self.any = true;
    }

    fn flush(&mut self) {
        if let Some(run) = self.run.take() {
            let bytes = self.text(run);
            self.out.extend_from_slice(bytes);
        }
    }

    /// The member at `json[start..end]`, as it is.
    fn copy(&mut self, start: usize, end: usize) {
        if let Some((run_start, run_end)) = self.run {
            if self.json.get(run_end..start) == Some(&b","[..]) {
                self.run = Some((run_start, end));
                return;
            }
        }
        self.flush();
        self.separate();
        self.run = Some((start, end));
    }

    /// A member written from parts.
    fn write(&mut self, parts: &[&[u8]]) {
        self.flush();
        self.separate();
        for part in parts {
            self.out.extend_from_slice(part);
        }
    }

    /// The first member of its key (`key`, hashed), its value as JSON.parse reads
    /// it at `last` (the value of the last duplicate), or at `span.value` when
    /// there is none: written with the patch applied.
    fn member(&mut self, ops: &mut Ops, span: Span, key: &[u8], hash: u64, last: Option<Span>) {
        let op = ops
            .index
            .find(&ops.list, hash, key)
            .and_then(|o| ops.list.get_mut(o));
        match op {
            Some(op) if op.delete => {}
            Some(Op {
                value: Some(value),
                placed,
                ..
            }) => {
                *placed = true;
                self.write(&[self.text(span.key_text), b":", value]);
            }
            _ => match last {
                None => self.copy(span.key_text.0, span.value.1),
                Some(last) => {
                    self.write(&[self.text(span.key_text), b":", self.text(last.value)]);
                }
            },
        }
    }

    /// Adds the members the patch adds, and closes the object.
    fn finish(mut self, ops: &Ops) {
        for op in ops.added.iter().filter_map(|&o| ops.list.get(o)) {
            if let (false, Some(value)) = (op.placed, op.value) {
                self.write(&[b"\"", op.text, b"\":", value]);
            }
        }
        self.flush();
        self.out.push(b'}');
    }
}

/// At most this many members take the one-pass path.
const FAST_MEMBERS: usize = 64;

/// The one pass for text as JSON.stringify writes it: keys without escapes, none
/// twice (told apart by their hashes), at most `FAST_MEMBERS` members. Nothing is
/// allocated but the output. `Ok(false)` (and `out` as it was) when the text is
/// not such text: then `patch_full` decides.
fn patch_fast(
    out: &mut Vec<u8>,
    json: &[u8],
    ops: &mut Ops,
    state: &foldhash::fast::RandomState,
) -> Result<bool, JsonError> {
    let start = out.len();
    let mut hashes = [0u64; FAST_MEMBERS];
    let mut filter = [0u64; 16];
    let mut n = 0;
    let mut w = Writer::new(out, json);
    let done = each_member(json, |span| {
        if span.escaped || n == FAST_MEMBERS {
            return false;
        }
        let key = span.raw_key(json);
        let hash = hash_key(state, key);
        let (word, bit) = ((hash >> 6) as usize & 15, 1 << (hash & 63));
        if filter[word] & bit != 0 && hashes[..n].contains(&hash) {
            return false; // (perhaps a duplicate)
        }
        filter[word] |= bit;
        hashes[n] = hash;
        n += 1;
        w.member(ops, span, key, hash, None);
        true
    });
    match done {
        Ok(true) => {
            w.finish(ops);
            Ok(true)
        }
        Ok(false) | Err(_) => {
            out.truncate(start);
            ops.list.iter_mut().for_each(|op| op.placed = false);
            done
        }
    }
}

/// Any text: keys decoded, duplicates found.
fn patch_full(
    out: &mut Vec<u8>,
    json: &[u8],
    ops: &mut Ops,
    state: &foldhash::fast::RandomState,
) -> Result<(), JsonError> {
    let members = members(json, state)?;
    let mut w = Writer::new(out, json);
    for (i, m) in members.iter().enumerate().filter(|(_, m)| m.first) {
        let last = members.get(m.last).filter(|_| m.last != i).map(|l| l.span);
        w.member(ops, m.span, &m.key, m.hash, last);
    }
    w.finish(ops);
    Ok(())
}

fn patch_into(
    out: &mut Vec<u8>,
    json: &[u8],
    ops: &mut Ops,
    state: &foldhash::fast::RandomState,
) -> Result<(), JsonError> {
    if patch_fast(out, json, ops, state)? {
        return Ok(());
    }
    patch_full(out, json, ops, state)
}

/// The result of `o = JSON.parse(json); o[key] = value; JSON.stringify(o)` where
/// `key` is the text `JSON.stringify` writes between the quotes of the key and
/// `value` the JSON text of the new value, or `None` for `undefined` (the member
/// disappears). (Exact in JSON.parse's terms whoever wrote `json`: see the module.)
pub fn replace_member(json: &[u8], key: &[u8], value: Option<&[u8]>) -> Result<Vec<u8>, JsonError> {
    let mut out = Vec::with_capacity(json.len() + value.map_or(0, <[u8]>::len) + key.len() + 4);
    replace_member_into(&mut out, json, key, value)?;
    Ok(out)
}

/// `replace_member`, appending the result to `out` (nothing is appended on error).
/// Of the other members, the ones before the key are read; a duplicate among
/// them or after it may be left as it is (JSON.parse reads it the same).
pub fn replace_member_into(
    out: &mut Vec<u8>,
    json: &[u8],
    key: &[u8],
    value: Option<&[u8]>,
) -> Result<(), JsonError> {
    if let Some(value) = value {
        if replace_quick(out, json, key, value)? {
            return Ok(());
        }
    }
    let state = foldhash::fast::RandomState::default();
    let form = patch_key(key)?;
    let mut ops = Ops {
        list: vec![Op {
            text: key,
            hash: hash_key(&state, &form),
            key: form,
            delete: value.is_none(),
            value,
            placed: false,
        }],
        index: Index::new(1),
        added: vec![0],
    };
    ops.index.insert(&ops.list, 0);
    patch_into(out, json, &mut ops, &state)
}

/// `touch` in one short scan, for text as JSON.stringify writes it: the member
/// of `key` is found before any key with an escape, and nothing after it can be
/// that key again: neither `"key"` nor an escape that could spell it (`\u`, or
/// `\/` when the key has a `/`; the key has no character with another escape).
/// Then only its value is replaced; the rest is copied unread. `Ok(false)` (and
/// nothing written) when that cannot be told.
fn replace_quick(
    out: &mut Vec<u8>,
    json: &[u8],
    key: &[u8],
    value: &[u8],
) -> Result<bool, JsonError> {
    if key.is_empty() || memchr::memchr(b'\\', key).is_some() {
        return Ok(false);
    }
    let mut found = None;
    each_member(json, |span| {
        if span.escaped {
            return false;
        }
        if span.raw_key(json) == key {
            found = Some(span);
        }
        found.is_none()
    })?;
    let Some(span) = found else {
        return Ok(false);
    };
    let (Some(head), Some(rest)) = (json.get(..span.value.0), json.get(span.value.1..)) else {
        return Ok(false);
    };
    if memchr::memchr(b'\\', rest).is_some()
        && (memchr::memmem::find(rest, b"\\u").is_some()
            || (key.contains(&b'/') && memchr::memmem::find(rest, b"\\/").is_some()))
    {
        return Ok(false);
    }
    let quoted = |at: usize| {
        at.checked_sub(1).and_then(|q| rest.get(q)) == Some(&b'"')
            && rest.get(at + key.len()) == Some(&b'"')
    };
    if finder_of(key, |finder| finder.find_iter(rest).any(quoted)) {
        return Ok(false);
    }
    out.reserve(head.len() + value.len() + rest.len());
    out.extend_from_slice(head);
    out.extend_from_slice(value);
    out.extend_from_slice(rest);
    Ok(true)
}

/// `f` of a substring searcher for `needle`: the one of the thread's last needle
/// when it is the same (touch searches for `cookie` every time; building a
/// searcher costs more than searching a session of a few KB).
fn finder_of<R>(needle: &[u8], f: impl FnOnce(&memchr::memmem::Finder) -> R) -> R {
    thread_local! {
        static LAST: std::cell::RefCell<Option<memchr::memmem::Finder<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    LAST.with(|last| match last.try_borrow_mut() {
        Ok(mut last) => {
            if last.as_ref().is_none_or(|l| l.needle() != needle) {
                *last = Some(memchr::memmem::Finder::new(needle).into_owned());
            }
            match last.as_ref() {
                Some(finder) => f(finder),
                None => f(&memchr::memmem::Finder::new(needle)),
            }
        }
        Err(_) => f(&memchr::memmem::Finder::new(needle)),
    })
}

/// Top-level members to write into a stored session: `sets` replace or add
/// members, `deletes` remove them. Keys are the text between the quotes of the
/// key as `JSON.stringify` writes it; they are compared with stored keys as
/// JSON.parse reads both. Values are JSON text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Patch {
    pub sets: Vec<(Vec<u8>, Vec<u8>)>,
    pub deletes: Vec<Vec<u8>>,
}

/// The result of `o = JSON.parse(json)`, then `delete o[k]` for each of
/// `patch.deletes` and `o[k] = JSON.parse(v)` for each of `patch.sets`, then
/// `JSON.stringify(o)`: members not named in the patch keep their bytes, a
/// replaced member keeps its place, an added one goes last. (Exact in JSON.parse's
/// terms whoever wrote `json`: see the module.) `Err(NotAnObject)` when `json` is
/// not a JSON object, `Err(BadKey)` when a key of the patch is not JSON string text.
pub fn apply_patch(json: &[u8], patch: &Patch) -> Result<Vec<u8>, JsonError> {
    let state = foldhash::fast::RandomState::default();
    let n = patch.sets.len() + patch.deletes.len();
    let mut ops = Ops {
        list: Vec::with_capacity(n),
        index: Index::new(n),
        added: Vec::with_capacity(patch.sets.len()),
    };
    let mut value_bytes = 0;
    for key in &patch.deletes {
        let form = patch_key(key)?;
        let hash = hash_key(&state, &form);
        match ops.index.find(&ops.list, hash, &form) {
            Some(o) => {
                if let Some(op) = ops.list.get_mut(o) {
                    op.delete = true;
                }
            }
            None => {
                ops.list.push(Op {
                    text: key,
                    key: form,
                    hash,
                    delete: true,
                    value: None,
                    placed: false,
                });
                ops.index.insert(&ops.list, ops.list.len() - 1);
            }
        }
    }
    for (key, value) in &patch.sets {
        value_bytes += key.len() + value.len() + 4;
        let form = patch_key(key)?;
        let hash = hash_key(&state, &form);
        match ops.index.find(&ops.list, hash, &form) {
            Some(o) => {
                if let Some(op) = ops.list.get_mut(o) {
                    if op.value.is_none() {
                        // (deleted first: added, with this spelling of the key)
                        op.text = key;
                        ops.added.push(o);
                    }
                    op.value = Some(value);
                }
            }
            None => {
                ops.list.push(Op {
                    text: key,
                    key: form,
                    hash,
                    delete: false,
                    value: Some(value),
                    placed: false,
                });
                ops.added.push(ops.list.len() - 1);
                ops.index.insert(&ops.list, ops.list.len() - 1);
            }
        }
    }
    let mut out = Vec::with_capacity(json.len() + value_bytes + 2);
    patch_into(&mut out, json, &mut ops, &state)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    const C: &str = "cookie";

    /// `replace_member` on text, for readable tests.
    fn replace(json: &str, key: &str, value: Option<&str>) -> Result<String, JsonError> {
        replace_member(json.as_bytes(), key.as_bytes(), value.map(str::as_bytes))
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    fn patch(sets: &[(&str, &str)], deletes: &[&str]) -> Patch {
        Patch {
            sets: sets
                .iter()
                .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
                .collect(),
            deletes: deletes.iter().map(|k| k.as_bytes().to_vec()).collect(),
        }
    }

    /// `apply_patch` on bytes, the result as text (lossy only for the message of
    /// a failed assertion: tests with lone surrogates compare bytes).
    fn apply(json: &[u8], sets: &[(&str, &str)], deletes: &[&str]) -> Result<Vec<u8>, JsonError> {
        apply_patch(json, &patch(sets, deletes))
    }

    fn apply_s(json: &str, sets: &[(&str, &str)], deletes: &[&str]) -> Result<String, JsonError> {
        apply(json.as_bytes(), sets, deletes).map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    #[test]
    fn replaces_value_in_place() -> Result<(), JsonError> {
        let j = r#"{"a":1,"cookie":{"expires":"x","n":[1,{"}":"]"}]},"b":"c\"ookie"}"#;
        assert_eq!(
            replace(j, C, Some(r#"{"e":2}"#))?,
            r#"{"a":1,"cookie":{"e":2},"b":"c\"ookie"}"#
        );
        Ok(())
    }

    #[test]
    fn nested_cookie_key_is_not_top_level() -> Result<(), JsonError> {
        let j = r#"{"user":{"cookie":1}}"#;
        assert_eq!(
            replace(j, C, Some("2"))?,
            r#"{"user":{"cookie":1},"cookie":2}"#
        );
        assert_eq!(replace(j, C, None)?, j);
        Ok(())
    }

    #[test]
    fn appends_to_empty_object_and_removes_members() -> Result<(), JsonError> {
        assert_eq!(replace("{}", C, Some("1"))?, r#"{"cookie":1}"#);
        assert_eq!(replace(r#"{"cookie":1}"#, C, None)?, "{}");
        assert_eq!(replace(r#"{"cookie":1,"a":2}"#, C, None)?, r#"{"a":2}"#);
        assert_eq!(replace(r#"{"a":2,"cookie":1}"#, C, None)?, r#"{"a":2}"#);
        assert_eq!(replace(r#"{"a":2}"#, C, None)?, r#"{"a":2}"#);
        Ok(())
    }

    #[test]
    fn scalars_and_escaped_keys() -> Result<(), JsonError> {
        let j = r#"{"x\"y":null,"cookie":null,"z":-1.5e3,"t":true}"#;
        assert_eq!(
            replace(j, C, Some("{}"))?,
            r#"{"x\"y":null,"cookie":{},"z":-1.5e3,"t":true}"#
        );
        Ok(())
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for g in [
            "",
            "[]",
            "{",
            "}",
            r#"{"a""#,
            r#"{"a":}"#,
            r#"{"a":1"#,
            r#"{"a":1,}"#,
            r#"{,"a":1}"#,
            r#"{"a" 1}"#,
            r#"{"a":1 2}"#,
            "nul",
            r#"{"a":"\"#,
            r#"{"\"#,
            r#"{"\u12"#,
            r#"{"\u12":1}"#,
            r#"{"\q":1}"#,
            "{\"cookie\":[[[}",
            "{}x",
            r#"{"a":1}}"#,
        ] {
            let _ = replace(g, C, Some("1"));
            let _ = replace(g, C, None);
            let _ = apply_s(g, &[("a", "1"), (r"\u0061", "2")], &["b", r"\/"]);
            assert!(replace(g, C, Some("1")).is_err(), "{g}");
        }
        assert_eq!(replace("[]", C, Some("1")), Err(NotAnObject));
        // a member of the stored text whose key is not JSON string text
        assert_eq!(replace(r#"{"\x":1}"#, C, Some("1")), Err(NotAnObject));
        assert_eq!(replace("{\"a\u{1}\\n\":1}", C, Some("1")), Err(NotAnObject));
        assert_eq!(
            replace(&format!("{{\"{}\":1}}", "\\u00e9\u{1}"), C, None),
            Err(NotAnObject)
        );
    }

    #[test]
    fn whitespace_around_the_object_and_its_members() -> Result<(), JsonError> {
        assert_eq!(replace(" \n{ } \r\n\t", C, Some("1"))?, r#"{"cookie":1}"#);
        let j = " \n{ \"a\" : 1 ,\r\n \"b\"\t:\t[1, {\"c\" : 2}] ,\n\"d\":\"x y\" } \n";
        assert_eq!(
            apply_s(j, &[("a", "5"), ("e", "true")], &["d"])?,
            r#"{"a":5,"b"	:	[1, {"c" : 2}],"e":true}"#
        );
        assert_eq!(apply_s(j, &[], &["a", "b", "d"])?, "{}");
        // untouched members keep their bytes, the whitespace between them goes
        assert_eq!(
            apply_s(j, &[], &[])?,
            "{\"a\" : 1,\"b\"\t:\t[1, {\"c\" : 2}],\"d\":\"x y\"}"
        );
        Ok(())
    }

    #[test]
    fn escaped_stored_keys_are_the_keys_json_parse_reads() -> Result<(), JsonError> {
        // delete of a key stored escaped
        assert_eq!(apply_s(r#"{"\u0061":1,"b":2}"#, &[], &["a"])?, r#"{"b":2}"#);
        assert_eq!(apply_s(r#"{"b":2,"\u0061":1}"#, &[], &["a"])?, r#"{"b":2}"#);
        assert_eq!(apply_s(r#"{"a\/b":1}"#, &[], &["a/b"])?, "{}");
        assert_eq!(apply_s(r#"{"\u0063\"d":1}"#, &[], &[r#"c\"d"#])?, "{}");
        assert_eq!(apply_s(r#"{"\\\u005c":1}"#, &[], &[r"\\\\"])?, "{}");
        assert_eq!(apply_s(r#"{"\u000a\n":1}"#, &[], &[r"\n\n"])?, "{}");
        assert_eq!(apply_s(r#"{"\u00E9":1}"#, &[], &["\u{e9}"])?, "{}");
        // set of a field whose key is stored escaped: in place, written once
        assert_eq!(
            apply_s(
                r#"{"a\/b":1,"\u0078":2,"y":3}"#,
                &[("a/b", "7"), ("x", "8")],
                &[]
            )?,
            r#"{"a\/b":7,"\u0078":8,"y":3}"#
        );
        // a key the patch escapes and the stored text does not
        assert_eq!(
            apply_s("{\"\u{e9}\":1}", &[(r"\u00e9", "2")], &[])?,
            "{\"\u{e9}\":2}"
        );
        assert_eq!(
            apply_s(r#"{"c\"d":1}"#, &[(r#"c\"d"#, "2")], &[])?,
            r#"{"c\"d":2}"#
        );
        // a surrogate pair written as escapes, raw, or half and half
        let pair = "\u{1F600}";
        for stored in [r"\ud83d\ude00", r"\uD83D\uDE00", pair] {
            let j = format!(r#"{{"{stored}":1,"z":0}}"#);
            assert_eq!(apply_s(&j, &[], &[pair])?, r#"{"z":0}"#, "{stored}");
            assert_eq!(
                apply_s(&j, &[(pair, "2")], &[])?,
                format!(r#"{{"{stored}":2,"z":0}}"#)
            );
        }
        let mut half = br#"{"\ud83d"#.to_vec();
        half.extend_from_slice(&text::wtf8(&[0xDE00]));
        half.extend_from_slice(br#"":1}"#);
        assert_eq!(apply(&half, &[], &[pair])?, b"{}");
        Ok(())
    }

    #[test]
    fn lone_surrogates_are_compared_losslessly() -> Result<(), JsonError> {
        // as JSON.stringify escapes a lone surrogate in a key
        let lone = r"\ud800";
        assert_eq!(
            apply_s(r#"{"\ud800":1,"a":2}"#, &[], &[lone])?,
            r#"{"a":2}"#
        );
        assert_eq!(
            apply_s(r#"{"\uD800":1}"#, &[(lone, "3")], &[])?,
            r#"{"\uD800":3}"#
        );
        // other lone surrogates, or U+FFFD, are other keys
        for other in [r"\udc00", r"\ud801", "\u{FFFD}", r"\ud800\udc00"] {
            assert_eq!(
                apply_s(r#"{"\ud800":1}"#, &[(other, "2")], &[])?,
                format!(r#"{{"\ud800":1,"{other}":2}}"#)
            );
        }
        // a raw lone surrogate in the stored text (WTF-8, as the binding writes a
        // JS string that has one) is the same key as its escape
        let mut raw = b"{\"x".to_vec();
        raw.extend_from_slice(&text::wtf8(&[0xD800]));
        raw.extend_from_slice(b"\":1,\"y\":2}");
        assert_eq!(apply(&raw, &[], &[r"x\ud800"])?, br#"{"y":2}"#);
        let expected: Vec<u8> = raw
            .iter()
            .map(|&c| if c == b'1' { b'5' } else { c })
            .collect();
        assert_eq!(apply(&raw, &[(r"x\ud800", "5")], &[])?, expected);
        // a lead and a trail surrogate escaped apart: two lone ones
        assert_eq!(
            apply_s(r#"{"\udc00\ud800":1}"#, &[], &[r"\udc00\ud800"])?,
            "{}"
        );
        Ok(())
    }

    #[test]
    fn duplicate_keys_last_wins_at_the_first_place_and_one_member_is_left() -> Result<(), JsonError>
    {
        let j = r#"{"a":1,"b":2,"a":3,"c":4,"\u0061":5}"#;
        // untouched: the first key, the last value
        assert_eq!(apply_s(j, &[], &[])?, r#"{"a":5,"b":2,"c":4}"#);
        assert_eq!(
            apply_s(j, &[("z", "0")], &[])?,
            r#"{"a":5,"b":2,"c":4,"z":0}"#
        );
        // set: in the first place, once
        assert_eq!(apply_s(j, &[("a", "9")], &[])?, r#"{"a":9,"b":2,"c":4}"#);
        // deleted: every copy
        assert_eq!(apply_s(j, &[], &["a"])?, r#"{"b":2,"c":4}"#);
        // deleted, then set: at the end
        assert_eq!(apply_s(j, &[("a", "9")], &["a"])?, r#"{"b":2,"c":4,"a":9}"#);
        // touch on a session with two cookies: the one JSON.parse reads is replaced
        let two = r#"{"cookie":{"e":1},"x":1,"cookie":{"e":2}}"#;
        assert_eq!(
            replace(two, C, Some(r#"{"e":3}"#))?,
            r#"{"cookie":{"e":3},"x":1}"#
        );
        assert_eq!(replace(two, C, None)?, r#"{"x":1}"#);
        Ok(())
    }

    #[test]
    fn touch_reads_the_rest_only_when_the_key_could_be_there_again() -> Result<(), JsonError> {
        // the quick path: the key found, nothing after it could spell it again;
        // the rest is copied unread (a duplicate of another key stays: JSON.parse
        // reads it the same)
        assert_eq!(
            replace(r#"{"cookie":1,"b":2,"b":3}"#, C, Some("9"))?,
            r#"{"cookie":9,"b":2,"b":3}"#
        );
        assert_eq!(
            replace(r#"{"cookie":1,"s":"\"\\","s":0}"#, C, Some("9"))?,
            r#"{"cookie":9,"s":"\"\\","s":0}"#
        );
        // else the whole text is read, and every key is left once
        for (j, out) in [
            (
                r#"{"cookie":1,"b":2,"b":3,"cookie":4}"#,
                r#"{"cookie":9,"b":3}"#,
            ),
            (
                r#"{"cookie":1,"b":2,"b":3,"\u0063ookie":4}"#,
                r#"{"cookie":9,"b":3}"#,
            ),
            (
                r#"{"cookie":1,"b":{"cookie":2},"b":3}"#,
                r#"{"cookie":9,"b":3}"#,
            ),
            (
                r#"{"cookie":1,"b":"\u00e9","b":3}"#,
                r#"{"cookie":9,"b":3}"#,
            ),
            (r#"{"b":2,"\u0062":3,"cookie":1}"#, r#"{"b":3,"cookie":9}"#),
            (r#"{"b":2,"b":3}"#, r#"{"b":3,"cookie":9}"#),
        ] {
            assert_eq!(replace(j, C, Some("9"))?, out, "{j}");
        }
        let j = r#"{"\u0063ookie":1,"cookie":2}"#;
        assert_eq!(replace(j, C, Some("9"))?, r#"{"\u0063ookie":9}"#);
        let j = r#"{"a/b":1,"x":0,"a\/b":2}"#;
        assert_eq!(replace(j, "a/b", Some("9"))?, r#"{"a/b":9,"x":0}"#);
        let j = r#"{"ab":1,"x":"\/","x":0}"#;
        assert_eq!(replace(j, "ab", Some("9"))?, r#"{"ab":9,"x":"\/","x":0}"#);
        Ok(())
    }

    #[test]
    fn patches_with_repeated_keys_apply_in_order() -> Result<(), JsonError> {
        let j = r#"{"a":1,"b":2}"#;
        // the last set wins; a key spelled two ways is one key
        assert_eq!(
            apply_s(j, &[("a", "3"), (r"\u0061", "4")], &[])?,
            r#"{"a":4,"b":2}"#
        );
        assert_eq!(
            apply_s(j, &[("n", "3"), ("m", "0"), (r"\u006e", "4")], &[])?,
            r#"{"a":1,"b":2,"n":4,"m":0}"#
        );
        // deletes come first: a deleted and set key is added, after earlier adds
        assert_eq!(
            apply_s(j, &[("m", "0"), (r"\u0061", "5")], &["a", "a"])?,
            r#"{"b":2,"m":0,"\u0061":5}"#
        );
        Ok(())
    }

    #[test]
    fn patch_keys_must_be_json_string_text() {
        for bad in [
            "a\"b", "\\", "a\\", "\\x", "\\u12", "\\u12g4", "\\u+123", "\u{1}", "\\\u{1}",
        ] {
            assert!(!is_key_text(bad.as_bytes()), "{bad:?}");
            assert_eq!(apply_s("{}", &[(bad, "1")], &[]), Err(BadKey), "{bad:?}");
            assert_eq!(apply_s("{}", &[], &[bad]), Err(BadKey), "{bad:?}");
            assert_eq!(replace("{}", bad, None), Err(BadKey), "{bad:?}");
        }
        assert!(!is_key_text(&[0xFF]) || !is_key_text(b"\\n\xFF"));
        for good in [
            "",
            "a",
            "\\\"",
            "\\\\",
            "\\/",
            "\\b\\f\\n\\r\\t",
            "\\u00e9",
            "\\uD800",
            "\u{e9}",
        ] {
            assert!(is_key_text(good.as_bytes()), "{good:?}");
        }
    }

    #[test]
    fn decodes_strings_as_json_parse() {
        let d = |s: &[u8]| decode_string(s);
        assert_eq!(
            d(br#"a\u0062\/\"\\\b\f\n\r\t"#),
            Some(b"ab/\"\\\x08\x0c\n\r\t".to_vec())
        );
        assert_eq!(d(br"\ud83d\ude00"), Some("\u{1F600}".as_bytes().to_vec()));
        assert_eq!(d(br"\ud800"), Some(text::wtf8(&[0xD800])));
        assert_eq!(d(br"\ude00\ud83d"), Some(text::wtf8(&[0xDE00, 0xD83D])));
        assert_eq!(
            d("\u{e9}\\u00e9".as_bytes()),
            Some("\u{e9}\u{e9}".as_bytes().to_vec())
        );
        for bad in [
            &b"\\"[..],
            b"\\u",
            b"\\u123",
            b"\\uzzzz",
            b"\\a",
            b"a\"",
            b"\x1f",
            b"\\n\xff",
        ] {
            assert_eq!(d(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn many_members_and_many_patch_keys() -> Result<(), JsonError> {
        // past the small index: a hash table for members and for patch keys
        let mut j = String::from("{");
        for i in 0..200 {
            j.push_str(&format!(r#""k{}":{},"#, i % 100, i));
        }
        j.push_str(r#""\u006b5":"last"}"#);
        let deletes: Vec<String> = (0..50).map(|i| format!("k{}", 2 * i)).collect();
        let sets: Vec<(String, String)> = (0..60)
            .map(|i| (format!("k{}", 3 * i), "0".into()))
            .collect();
        let p = Patch {
            sets: sets
                .iter()
                .map(|(k, v)| (k.clone().into_bytes(), v.clone().into_bytes()))
                .collect(),
            deletes: deletes.iter().map(|k| k.clone().into_bytes()).collect(),
        };
        let out = String::from_utf8_lossy(&apply_patch(j.as_bytes(), &p)?).into_owned();
        let mut expected: Map<String, Value> = Map::new();
        for i in 0..200 {
            expected.insert(format!("k{}", i % 100), Value::from(i));
        }
        expected.insert("k5".into(), Value::from("last"));
        for k in &deletes {
            expected.shift_remove(k);
        }
        for (k, _) in &sets {
            expected.insert(k.clone(), Value::from(0));
        }
        assert_eq!(
            out,
            serde_json::to_string(&expected).map_err(|_| NotAnObject)?
        );
        Ok(())
    }

    // ---- property tests ------------------------------------------------------

    /// JSON values as `JSON.stringify` writes them (compact; serde_json's escapes
    /// match V8's for the strings generated here).
    fn json_value() -> impl Strategy<Value = Value> {
        let text = "[ -~\u{a0}-\u{7ff}\u{800}-\u{d7ff}\u{10000}-\u{10ffff}\"\\\\{}\\[\\],:]{0,12}";
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(Value::from),
            text.prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec((text, inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![Just("cookie".to_string()), "[a-z\"\\\\\u{e9}\u{1}]{0,8}"]
    }

    fn object() -> impl Strategy<Value = Map<String, Value>> {
        let key = key();
        proptest::collection::vec((key, json_value()), 0..6)
            .prop_map(|kv| kv.into_iter().collect::<Map<_, _>>())
    }

    #[test]
    fn patches_keep_untouched_members_and_order() -> Result<(), JsonError> {
        let p = patch(
            &[("cart", "[1,2]"), ("new", "true"), (r#"q\"k"#, "1")],
            &["gone", "absent"],
        );
        let out = apply_patch(br#"{"cookie":{},"cart":[],"gone":1,"user":"a"}"#, &p)?;
        assert_eq!(
            String::from_utf8_lossy(&out),
            r#"{"cookie":{},"cart":[1,2],"user":"a","new":true,"q\"k":1}"#
        );
        assert_eq!(apply_patch(b"[]", &Patch::default()), Err(NotAnObject));
        assert_eq!(
            apply_patch(br#"{"":1,"a":}"#, &Patch::default()),
            Err(NotAnObject)
        );
        assert_eq!(apply_patch(b"{}", &Patch::default())?, b"{}");
        Ok(())
    }

    // -- a reference for text JSON.stringify did not write: JSON.parse's reading
    // of a top-level object, written apart from the scanner above

    /// A JS string: UTF-16 code units, lone surrogates allowed.
    type Units = Vec<u16>;

    /// An object as JSON.parse builds it: keys in the order they were created.
    type Model = Vec<(Units, Value)>;

    /// `o[k] = v`: in place, or added last.
    fn model_set(m: &mut Model, k: &Units, v: Value) {
        match m.iter_mut().find(|(key, _)| key == k) {
            Some(member) => member.1 = v,
            None => m.push((k.clone(), v)),
        }
    }

    fn model_delete(m: &mut Model, k: &Units) {
        m.retain(|(key, _)| key != k);
    }

    /// Reads the JSON string at `t[*i]` (the opening quote) into code units.
    fn read_string(t: &[u8], i: &mut usize) -> Option<Units> {
        let mut units = Units::new();
        *i += 1;
        loop {
            let start = *i;
            while !matches!(*t.get(*i)?, b'"' | b'\\') {
                *i += 1;
            }
            units.extend(text::utf16(&t[start..*i]).ok()?);
            if t[*i] == b'"' {
                *i += 1;
                return Some(units);
            }
            let c = *t.get(*i + 1)?;
            *i += 2;
            units.push(match c {
                b'"' | b'\\' | b'/' => u16::from(c),
                b'b' => 8,
                b'f' => 12,
                b'n' => 10,
                b'r' => 13,
                b't' => 9,
                b'u' => {
                    let h = std::str::from_utf8(t.get(*i..*i + 4)?).ok()?;
                    *i += 4;
                    u16::from_str_radix(h, 16).ok()?
                }
                _ => return None,
            });
        }
    }

    /// JSON.parse of a top-level object, and the keys that appear more than once
    /// in it.
    fn reference_parse(t: &[u8]) -> Option<(Model, Vec<Units>)> {
        let ws = |t: &[u8], i: &mut usize| {
            while matches!(t.get(*i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                *i += 1;
            }
        };
        let mut i = 0;
        let mut m = Model::new();
        let mut twice = Vec::new();
        ws(t, &mut i);
        if t.get(i) != Some(&b'{') {
            return None;
        }
        i += 1;
        ws(t, &mut i);
        if t.get(i) == Some(&b'}') {
            i += 1;
        } else {
            loop {
                ws(t, &mut i);
                if t.get(i) != Some(&b'"') {
                    return None;
                }
                let k = read_string(t, &mut i)?;
                ws(t, &mut i);
                if t.get(i) != Some(&b':') {
                    return None;
                }
                i += 1;
                let mut values =
                    serde_json::Deserializer::from_slice(t.get(i..)?).into_iter::<Value>();
                let v = values.next()?.ok()?;
                i += values.byte_offset();
                if m.iter().any(|(key, _)| *key == k) {
                    twice.push(k.clone());
                }
                model_set(&mut m, &k, v);
                ws(t, &mut i);
                match t.get(i) {
                    Some(b',') => i += 1,
                    Some(b'}') => {
                        i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        ws(t, &mut i);
        (i == t.len()).then_some((m, twice))
    }

    /// A key as `JSON.stringify` writes it between the quotes.
    fn stringify_key(k: &[u16]) -> Vec<u8> {
        let mut out = Vec::new();
        for c in char::decode_utf16(k.iter().copied()) {
            match c {
                Ok('"') => out.extend_from_slice(b"\\\""),
                Ok('\\') => out.extend_from_slice(b"\\\\"),
                Ok('\n') => out.extend_from_slice(b"\\n"),
                Ok('\u{8}') => out.extend_from_slice(b"\\b"),
                Ok('\u{c}') => out.extend_from_slice(b"\\f"),
                Ok('\r') => out.extend_from_slice(b"\\r"),
                Ok('\t') => out.extend_from_slice(b"\\t"),
                Ok(c) if (c as u32) < 0x20 => {
                    out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
                }
                Ok(c) => out.extend_from_slice(c.to_string().as_bytes()),
                Err(e) => {
                    out.extend_from_slice(format!("\\u{:04x}", e.unpaired_surrogate()).as_bytes())
                }
            }
        }
        out
    }

    /// A key spelled as other writers may: each code unit raw (when JSON allows
    /// it), `\u` with lower or upper case hex, or a short escape.
    fn spell_key(k: &[u16], styles: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut raw: Units = Vec::new();
        for (n, &u) in k.iter().enumerate() {
            let style = styles.get(n).copied().unwrap_or(0) % 4;
            let must_escape = u < 0x20 || u == 0x22 || u == 0x5C;
            if style == 0 && !must_escape {
                raw.push(u);
                continue;
            }
            out.extend_from_slice(&text::wtf8(&raw));
            raw.clear();
            let short = match u {
                0x22 => Some(b'"'),
                0x5C => Some(b'\\'),
                0x2F => Some(b'/'),
                0x0A => Some(b'n'),
                0x09 => Some(b't'),
                _ => None,
            };
            match (style, short) {
                (3, Some(s)) | (0, Some(s)) => out.extend_from_slice(&[b'\\', s]),
                (2, _) => out.extend_from_slice(format!("\\u{u:04X}").as_bytes()),
                _ => out.extend_from_slice(format!("\\u{u:04x}").as_bytes()),
            }
        }
        out.extend_from_slice(&text::wtf8(&raw));
        out
    }

    /// Keys from few code units, so that they repeat: ASCII, `/`, `"`, `\`, a
    /// control character, é, lone surrogates, the halves of U+1F600.
    fn units() -> impl Strategy<Value = Units> {
        let unit = prop::sample::select(vec![
            0x61u16, 0x62, 0x2F, 0x22, 0x5C, 0x0A, 0x01, 0xE9, 0xD800, 0xDC00, 0xD83D, 0xDE00,
        ]);
        proptest::collection::vec(unit, 0..3)
    }

    /// Whitespace between tokens.
    fn ws() -> impl Strategy<Value = String> {
        "[ \t\n\r]{0,2}"
    }

    /// A member of a stored text: key, value, how the key is spelled, whether the
    /// value is written with whitespace, the whitespace around.
    type Written = (Units, Value, Vec<u8>, bool, [String; 3]);

    fn written() -> impl Strategy<Value = Written> {
        (
            units(),
            json_value(),
            proptest::collection::vec(any::<u8>(), 3),
            any::<bool>(),
            [ws(), ws(), ws()],
        )
    }

    /// The stored text of `members` and JSON.parse's object of it.
    fn write_text(
        members: &[Written],
        outer: &[String; 2],
    ) -> Result<(Vec<u8>, Model), serde_json::Error> {
        let mut t = outer[0].clone().into_bytes();
        t.push(b'{');
        let mut model = Model::new();
        for (n, (k, v, styles, pretty, ws)) in members.iter().enumerate() {
            if n > 0 {
                t.push(b',');
            }
            t.extend_from_slice(ws[0].as_bytes());
            t.push(b'"');
            t.extend_from_slice(&spell_key(k, styles));
            t.push(b'"');
            t.extend_from_slice(ws[1].as_bytes());
            t.push(b':');
            t.extend_from_slice(ws[2].as_bytes());
            let value = if *pretty {
                serde_json::to_vec_pretty(v)?
            } else {
                serde_json::to_vec(v)?
            };
            t.extend_from_slice(&value);
            t.extend_from_slice(ws[0].as_bytes());
            model_set(&mut model, k, v.clone());
        }
        t.push(b'}');
        t.extend_from_slice(outer[1].as_bytes());
        Ok((t, model))
    }

    proptest! {
        #[test]
        fn patches_like_parse_assign_stringify(
            obj in object(),
            sets in proptest::collection::vec((key(), json_value()), 0..4),
            deletes in proptest::collection::vec(key(), 0..3),
        ) {
            let json = serde_json::to_string(&obj)?;
            // keys as JSON.stringify escapes them, without the quotes
            let escaped = |k: &String| -> Result<Vec<u8>, serde_json::Error> {
                let q = serde_json::to_string(k)?;
                Ok(q.as_bytes()[1..q.len() - 1].to_vec())
            };
            let mut patch = Patch::default();
            let mut expected = obj.clone();
            for k in &deletes {
                patch.deletes.push(escaped(k)?);
                expected.shift_remove(k);
            }
            for (k, v) in &sets {
                patch.sets.push((escaped(k)?, serde_json::to_vec(v)?));
                expected.insert(k.clone(), v.clone());
            }
            let expected = serde_json::to_string(&expected)?;
            let got = apply_patch(json.as_bytes(), &patch).map(|v| String::from_utf8_lossy(&v).into_owned());
            prop_assert_eq!(got, Ok(expected));
        }

        #[test]
        fn splices_like_parse_assign_stringify(
            obj in object(),
            value in proptest::option::of(json_value()),
        ) {
            let json = serde_json::to_string(&obj)?;
            let value_json = value.as_ref().map(serde_json::to_string).transpose()?;
            // the oracle: parse, assign (or delete), stringify, keeping key order
            let mut expected = obj.clone();
            match value {
                Some(v) => {
                    expected.insert(C.to_string(), v);
                }
                None => {
                    expected.shift_remove(C);
                }
            }
            let expected = serde_json::to_string(&expected)?;
            prop_assert_eq!(replace(&json, C, value_json.as_deref()), Ok(expected));
        }

        /// Text any writer may produce (escaped keys, duplicates, whitespace): the
        /// result reads, by JSON.parse's rules, as the old text with the patch
        /// applied, and has each key once. (Up to 40 members and 40 patch keys:
        /// both kinds of index.)
        #[test]
        fn patches_foreign_text_exactly(
            members in proptest::collection::vec(written(), 0..40),
            plain in any::<bool>(),
            pick in any::<prop::sample::Index>(),
            cut in any::<prop::sample::Index>(),
            outer in [ws(), ws()],
            sets in proptest::collection::vec((units(), json_value()), 0..20),
            deletes in proptest::collection::vec(units(), 0..20),
        ) {
            // (plain: keys as JSON.stringify writes most: raw, no character that
            // must be escaped)
            let mut members = members;
            if plain {
                // (all but one member, which may spell a key again with escapes)
                let odd = cut.index(members.len() + 1);
                for (_, m) in members.iter_mut().enumerate().filter(|(n, _)| *n != odd) {
                    m.0.iter_mut()
                        .filter(|u| matches!(**u, 0x22 | 0x5C | 0x0A | 0x01))
                        .for_each(|u| *u = 0x63);
                    m.2.fill(0);
                }
            }
            let (text, mut expected) = write_text(&members, &outer)?;
            prop_assert_eq!(reference_parse(&text).map(|r| r.0), Some(expected.clone()));
            let mut patch = Patch::default();
            for k in &deletes {
                patch.deletes.push(stringify_key(k));
                model_delete(&mut expected, k);
            }
            for (k, v) in &sets {
                patch.sets.push((stringify_key(k), serde_json::to_vec(v)?));
                model_set(&mut expected, k, v.clone());
            }
            let out = apply_patch(&text, &patch);
            prop_assert!(out.is_ok(), "{:?}", out);
            let out = out.unwrap_or_default();
            prop_assert_eq!(reference_parse(&out), Some((expected, vec![])), "{}", String::from_utf8_lossy(&out));

            // one member, as touch writes the cookie: that key is left once (other
            // duplicates may stay: JSON.parse reads them the same)
            // (a key of the text, mostly)
            let (mut k, v) = sets.first().cloned().unwrap_or_default();
            if !members.is_empty() && pick.index(4) > 0 {
                k = members[pick.index(members.len())].0.clone();
            }
            let value = serde_json::to_vec(&v)?;
            let (_, mut expected) = write_text(&members, &outer)?;
            model_set(&mut expected, &k, v);
            let out = replace_member(&text, &stringify_key(&k), Some(&value)).unwrap_or_default();
            let (got, twice) = reference_parse(&out).unwrap_or_default();
            prop_assert_eq!(got, expected.clone(), "{}", String::from_utf8_lossy(&out));
            prop_assert!(!twice.contains(&k));
            model_delete(&mut expected, &k);
            let out = replace_member(&text, &stringify_key(&k), None).unwrap_or_default();
            prop_assert_eq!(reference_parse(&out), Some((expected, vec![])));
        }
    }
}
