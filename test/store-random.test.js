// Seeded, randomized store-level differential test: one random sequence of
// store calls (set, get, touch, destroy, all, length, ids, clear, the Store
// base class's regenerate, load and createSession; with a callback, as a
// promise, without a callback, and several in one turn of the event loop) runs
// against express-session 1.19.0's MemoryStore (the oracle) and against each
// of our stores (MemoryStore, SqliteStore, RedisStore on a redis-server
// started here), and every callback's arguments, every value returned or
// thrown, and the order of the callbacks must be the same.
//
// Normalized, because README documents them as different (nothing else is):
// - our stores return a Promise without a callback ("every method returns a
//   Promise when called without a callback"): its value is compared with the
//   oracle callback's; `ids` and `destroy([ids])` exist only here ("Extras:
//   store.ids(cb), store.destroy([sid, ...], cb)"): ids are compared with the
//   keys of the oracle's `all`, an array destroy with one destroy per ID;
// - SqliteStore: "a get issued before an earlier set's callback ran may not
//   see that set yet": each call waits for the one before, and within one turn
//   reads are issued before writes;
// - MemoryStore and SqliteStore also remove expired sessions in a background
//   sweep ("expired sessions are removed when read (as in express-session) and
//   by the background sweep"): the sweep is stopped, so that only reads remove
//   them, as in the oracle, and a run does not depend on timing;
// - RedisStore keeps connect-redis's semantics ("keeps connect-redis's layout
//   ... with the session's lifetime as its TTL"; `disableTouch`: "the TTL is
//   set only when the session is saved"; `ttl`: "as with connect-redis, a
//   result of 0 or less removes the session, and one that is not an integer
//   ... fails set and touch with Redis's refusal, err.code ERR"): the
//   lifetime is connect-redis's (the cookie's expiry in whole seconds, rounded
//   up), a `set` whose lifetime is not > 0 (an expired or invalid date) is a
//   removal, `touch` restarts the TTL only (no change, or a removal when the
//   new cookie has expired, or ERR for an invalid date); `all` is an object
//   keyed by ID in SCAN order, so its keys are compared as a set.
//
// STORE_RANDOM_SEED=<n> repeats a run; STORE_RANDOM_LONG=1 runs many more calls.
// STORE_RANDOM_EXCLUDE=<name,...> looks past known differences (to find the
// next one), each by name: see KNOWN below.

'use strict'

var assert = require('assert')
var crypto = require('crypto')
var fs = require('fs')
var os = require('os')
var path = require('path')
var test = require('node:test')
var original = require('express-session')
var ours = require('..')
var redis = require('../tools/redis')

var SEED = process.env.STORE_RANDOM_SEED ? Number(process.env.STORE_RANDOM_SEED) : crypto.randomInt(2 ** 31)
var LONG = Boolean(process.env.STORE_RANDOM_LONG)
var OPS = LONG ? 12000 : 400
// Known differences of ours, left out of the comparison (the stores' edges that
// express-session's MemoryStore throws on or does not have; the order of
// RedisStore's scans): STORE_RANDOM_EXCLUDE=<name,...> leaves out only those,
// STORE_RANDOM_EXCLUDE=none none of them.
var KNOWN = {
  // SqliteStore's reads leave an expired session's row in place (express-
  // session's MemoryStore removes it): stored again, it keeps its place in
  // all() (express-session's goes last)
  'sqlite-expired-slot': 'compare the keys of SqliteStore\'s all() as a set',
  // RedisStore: all, length and ids (SCAN, several round trips) list what
  // exists while they run, so they see the writes of calls made after them in
  // the same turn (README, RedisStore, "Order"); clear leaves the sessions that
  // later calls save (test/redis-store.test.js), but calls back after them
  'redis-scan-order': 'make RedisStore\'s all, length, ids and clear alone, after the other calls of their turn',
  // RedisStore: an error found without asking Redis (touch with an invalid
  // date) calls back before the calls made before it in the same turn
  'redis-error-order': 'leave out the callback order of a turn in which a RedisStore call failed',
  // MemoryStore: when all() or length() throws on a session seeded into
  // store.sessions as text that is not JSON, ours has removed every expired
  // session, express-session's only those listed before the damaged one
  'damaged-json': 'seed no text that is not JSON into store.sessions',
  // MemoryStore: touch of a session seeded into store.sessions as JSON that
  // JSON.stringify would not write (spaces, escaped or duplicate keys, 1e400,
  // -0) keeps that text around the new cookie; express-session's writes
  // JSON.stringify(JSON.parse(text)) with the new cookie (get then gives
  // Infinity and -0 where express-session gives null and 0)
  'touch-raw-json': 'before a touch, write a seeded session\'s text as JSON.stringify writes it, in both stores',
  // MemoryStore: a stored session that is JSON null (set(sid, null), or
  // seeded), or a string, number or true: express-session's get, all,
  // length and touch throw a TypeError (touch: for each of them); ours do not
  'non-object-session': 'seed no session that is null, a string, a number or true into store.sessions'
}
var EXCLUDE = new Set(process.env.STORE_RANDOM_EXCLUDE === undefined
  ? Object.keys(KNOWN)
  : process.env.STORE_RANDOM_EXCLUDE.split(',').filter(function (name) { return name && name !== 'none' }))
EXCLUDE.forEach(function (name) {
  if (!KNOWN[name]) throw new Error('STORE_RANDOM_EXCLUDE: no known difference ' + name + ' (' + Object.keys(KNOWN).join(', ') + ')')
})
console.log('# seed ' + SEED)
var REPLAY = 'STORE_RANDOM_SEED=' + SEED + (LONG ? ' STORE_RANDOM_LONG=1' : '') + ' STORE_RANDOM_EXCLUDE=' + (Array.from(EXCLUDE).join(',') || 'none') + ' node --test test/store-random.test.js'
console.log('# repeat with ' + REPLAY)

// ---------------------------------------------------------------------------
// the random sequence

var prng = require('./support/prng')

var random = prng(SEED)
function int (lo, hi) { return lo + Math.floor(random() * (hi - lo)) }
function chance (p) { return random() < p }
function pick (list) { return list[int(0, list.length)] }
// `{ name: weight }` -> a name
function weighted (table) {
  var total = 0
  for (var k in table) total += table[k]
  var r = random() * total
  for (var name in table) {
    r -= table[name]
    if (r < 0) return name
  }
  return name
}

var ATOMS = ['a', 'b', 'z', 'Q', '0', '7', ' ', 'Ж', '€', 'ñ', 'é', 'e\u0301', '中', '😀', '𝄞', '\ud800', '\udfff', '\udbff',
  '\udc00', '\u0000', '\u0001', '\u001f', '\u007f', '\u0085', '\u2028', '\u2029', '\ufeff', '\ufffd', '"', '\\', '/', '\n',
  '\r', '\t', '%', '<', '>', '&', "'", '{', '}', ':', ',']

function text (max) {
  var s = ''
  for (var n = int(0, max + 1); n > 0; n--) s += pick(ATOMS)
  return s
}

// a string of `size` code units (a slice may leave half of a pair alone)
function bigText (size) {
  var unit = text(40) + 'x'
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size)
}

function bigSize () {
  return weighted({ 1025: 3, 4097: 2, 65537: 2, 300001: 1, 1048576: 1 }) | 0
}

var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
function uid () {
  var s = ''
  for (var i = 0; i < 32; i++) s += B64[int(0, 64)]
  return s
}

var ID_PUNCT = ['%', '%25', '%2F', '%zz', '.', '..', ':', ' ', '  ', '*', '?', '[', ']', '\\', '/', '\n', '\r\n', '\u0000', '\t', '+', '=', '"', "'"]

function genId () {
  switch (weighted({ uid: 30, empty: 3, nonascii: 8, lone: 8, long: 4, punct: 14, numeric: 6, protoish: 4, prefixy: 3 })) {
    case 'uid': return uid()
    case 'empty': return ''
    case 'nonascii': return pick(['Ж', 'ñ', '中文', '😀', '𝄞', 'é', 'e\u0301', '\u2028']) + text(6)
    case 'lone': return pick(['\ud800', '\udfff', 'a\ud800b', '\udfff\ud800', '\udbff', uid() + '\udc00', '\ud800\ud800'])
    case 'long': return bigText(pick([1000, 4096, 65537, 200000]))
    case 'punct': {
      var base = uid()
      var at = int(0, base.length + 1)
      return base.slice(0, at) + pick(ID_PUNCT) + base.slice(at)
    }
    case 'numeric': return pick(['0', '1', '10', '123', '4294967294', '4294967295', '9007199254740993', '-1', '1e3', '01', '1.5'])
    case 'protoish': return pick(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'length'])
    default: return pick(['sess:', 'sess:x', 'owners:x', 'owners:sess:', ':', 'sess'])
  }
}

var NUMBERS = [-0, 0, 1, -1, 1e21, 1e-7, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1.5, 0.1 + 0.2, 5e-324, 1.7976931348623157e308,
  123456789, 4294967296, -1e-300]

function scalar () {
  switch (weighted({ number: 8, string: 12, bool: 2, null: 2, odd: 1 })) {
    case 'number': return chance(0.7) ? pick(NUMBERS) : int(-1000, 1000)
    case 'string': return text(12)
    case 'bool': return chance(0.5)
    case 'null': return null
    default:
      // (what JSON.stringify writes as something else, or leaves out)
      return pick([undefined, NaN, Infinity, -Infinity, new Date(int(0, 2 ** 42)), new Date(NaN)])
  }
}

var KEYS = ['a', 'b', 'user', 'cart', 'views', 'n', '0', '1', '10', '4294967294', '4294967295', '-1', '1.5', '', '__proto__',
  'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'save', 'reload', 'regenerate', 'destroy', 'touch',
  'resetMaxAge', 'id', 'req', 'expires', 'originalMaxAge', 'data', 'toJSON']

function key () {
  return chance(0.75) ? pick(KEYS) : text(6)
}

// (defineProperty, so that '__proto__' is an own key, as JSON.parse makes it)
function put (obj, k, v) {
  Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true })
}

function value (depth, big) {
  var r = random()
  if (big.left && chance(0.3)) {
    big.left = false
    return bigText(big.size)
  }
  if (depth > 3 || r < 0.6) return scalar()
  if (r < 0.85) {
    var obj = {}
    for (var n = int(0, 5); n > 0; n--) {
      var k = key()
      if (k === 'toJSON') continue // (a toJSON key with a function value is no data)
      put(obj, k, value(depth + 1, big))
    }
    return obj
  }
  var arr = []
  for (var m = int(0, 5); m > 0; m--) arr.push(value(depth + 1, big))
  return arr
}

var HOUR = 3600 * 1000
var YEAR = 365 * 24 * HOUR

// a cookie spec: { kind, expires (an ISO string, null, or an odd value), ... }
function genCookie (now) {
  var kind = weighted({ future: 45, past: 22, null: 23, odd: 10 })
  var c = { kind: kind }
  if (kind === 'future') c.expires = new Date(now + int(HOUR, 2 * YEAR)).toISOString()
  else if (kind === 'past') c.expires = new Date(now - int(1000, 10 * YEAR)).toISOString()
  else if (kind === 'null') c.expires = null
  else {
    c.odd = pick(['max', 'y9999', 'epoch', 'year0', 'absent', 'none', 'nullCookie', 'numFuture', 'numPast', 'empty', 'invalid'])
    c.expires = {
      max: '+275760-09-13T00:00:00.000Z',
      y9999: '9999-12-31T23:59:59.999Z',
      epoch: '1970-01-01T00:00:00.000Z',
      year0: '0000-01-01T00:00:00.000Z',
      numFuture: now + int(HOUR, YEAR),
      numPast: int(1, 1e12),
      empty: '',
      invalid: 'not a date'
    }[c.odd]
  }
  c.originalMaxAge = c.kind === 'null' || chance(0.2)
    ? pick([null, null, -0, 1e21, 2 ** 53, 0, 60000])
    : (typeof c.expires === 'string' && Date.parse(c.expires) - now) || null
  if (Number.isNaN(c.originalMaxAge)) c.originalMaxAge = null
  c.httpOnly = chance(0.85)
  c.path = chance(0.85) ? '/' : '/' + text(5)
  if (chance(0.15)) c.secure = chance(0.5)
  if (chance(0.15)) c.sameSite = pick(['lax', 'strict', 'none', true])
  if (chance(0.1)) c.domain = pick(['example.com', 'exämple.com', '.a.b', text(4)])
  return c
}

// a session spec: { form, cookie, fields: [[key, value]], cookieAt, foreign }
function genSession (now, forceBig) {
  var big = { left: forceBig || chance(LONG ? 0.02 : 0.01), size: forceBig ? 1048576 : bigSize() }
  var fields = []
  var n = int(0, 7)
  for (var i = 0; i < n || big.left; i++) {
    var k = key()
    if (k === 'toJSON') continue
    fields.push([k, value(0, big)])
  }
  var cookie = genCookie(now)
  // plain objects; a Cookie of express-session or of ours; a Session of either
  var form = weighted({ plain: 60, Cookie: 20, Session: 20 })
  if (cookie.odd === 'none' || cookie.odd === 'nullCookie') form = 'plain'
  return {
    form: form,
    foreign: chance(0.3), // (ours given express-session's Cookie and Session)
    cookie: cookie,
    fields: fields,
    cookieAt: chance(0.85) ? 0 : int(0, fields.length + 1)
  }
}

// a copy of a value, -0, undefined, Dates and own '__proto__' keys kept
function clone (v) {
  if (v === null || typeof v !== 'object') return v
  if (v instanceof Date) return new Date(v.getTime())
  if (Array.isArray(v)) return v.map(clone)
  var out = {}
  Object.keys(v).forEach(function (k) { put(out, k, clone(v[k])) })
  return out
}

function plainCookie (c) {
  var out = {}
  if (c.originalMaxAge !== undefined) out.originalMaxAge = c.originalMaxAge
  if (c.odd !== 'absent') out.expires = c.expires
  if (c.secure !== undefined) out.secure = c.secure
  out.httpOnly = c.httpOnly
  if (c.domain !== undefined) out.domain = c.domain
  out.path = c.path
  if (c.sameSite !== undefined) out.sameSite = c.sameSite
  return out
}

// a Cookie of `impl`, as express-session's middleware makes and stores one
function classCookie (impl, c) {
  var options = { path: c.path, httpOnly: c.httpOnly }
  if (c.secure !== undefined) options.secure = c.secure
  if (c.sameSite !== undefined) options.sameSite = c.sameSite
  if (c.domain !== undefined) options.domain = c.domain
  var cookie = new impl.Cookie(options)
  if (c.odd !== 'absent') cookie.expires = c.expires === null ? null : new Date(c.expires)
  cookie.originalMaxAge = c.originalMaxAge
  return cookie
}

/**
 * The session of spec `s` for one side: `impl` is the module whose Cookie and
 * Session classes are used (express-session for the oracle, ours or
 * express-session for our stores), `req` the request a Session belongs to.
 */
function materialize (s, impl, req) {
  var cookie
  if (s.cookie.odd === 'none') cookie = undefined
  else if (s.cookie.odd === 'nullCookie') cookie = null
  else cookie = s.form === 'plain' ? plainCookie(s.cookie) : classCookie(impl, s.cookie)
  var sess = s.form === 'Session' ? new impl.Session(req, {}) : {}
  var fields = s.fields.slice()
  if (cookie !== undefined) fields.splice(s.cookieAt, 0, ['cookie', cookie])
  fields.forEach(function (f) {
    // (a Session's own req and id cannot be redefined)
    if (s.form === 'Session' && (f[0] === 'req' || f[0] === 'id')) return
    put(sess, f[0], f[0] === 'cookie' ? f[1] : clone(f[1]))
  })
  return sess
}

// text seeded into `store.sessions` directly (MemoryStore only): what
// express-session's own MemoryStore keeps, also JSON that JSON.stringify would
// not write
function genSeedText (now) {
  var s = genSession(now, false)
  var canonical = JSON.stringify(materialize(s, original, { sessionID: 'x' }))
  switch (weighted({ canonical: 6, spaces: 2, escaped: 2, dup: 2, intKeys: 2, numbers: 2, expiresNum: 2, odd: 2, invalid: 1 })) {
    case 'canonical': return canonical
    case 'spaces': return JSON.stringify(JSON.parse(canonical), null, pick([1, '\t', ' \n']))
    case 'escaped': return '{"\\u0063ookie":' + JSON.stringify(plainCookie(s.cookie)) + ',"a\\/b":"\\u00e9\\ud800","u":1}'
    case 'dup': return '{"cookie":' + JSON.stringify(plainCookie(s.cookie)) + ',"a":1,"a":2,"cookie":' + JSON.stringify(plainCookie(genCookie(now))) + '}'
    case 'intKeys': return '{"b":1,"cookie":' + JSON.stringify(plainCookie(s.cookie)) + ',"10":2,"2":3}'
    case 'numbers': return '{"cookie":{"expires":null},"n":1E2,"m":-0,"k":1.0,"e":1e400}'
    case 'expiresNum': return '{"cookie":{"expires":' + pick([12, now + HOUR, 0, -5, now - 1000]) + '},"n":1}'
    case 'odd': {
      var odd = pick(['0', '""', 'null', 'false', '[]', '{}', '"str"', '[1,2]', '{"cookie":null}', '{"cookie":[]}', '{"cookie":"x"}', '12', 'true'])
      return EXCLUDE.has('non-object-session') && /^(null|"str"|12|true)$/.test(odd) ? '{}' : odd
    }
    default: {
      var damaged = pick(['', '{', 'not json', '{"cookie":}'])
      return EXCLUDE.has('damaged-json') && damaged !== '' ? '0' : damaged
    }
  }
}

var READS = { get: true, all: true, length: true, ids: true, load: true }

function genCall (now, ids, forceBig) {
  var sid = chance(0.85) ? pick(ids) : genId()
  if (!ids.includes(sid) && chance(0.5)) ids.push(sid)
  var method = forceBig
    ? 'set'
    : weighted({ set: 28, get: 18, touch: 10, destroy: 7, destroyMany: 2, all: 7, length: 5, ids: 4, clear: 1, regenerate: 3, load: 5, createSession: 2, seed: 2 })
  var op = { method: method }
  if (method === 'set' || method === 'touch' || method === 'createSession') op.session = genSession(now, forceBig)
  // (createSession takes what a store read, plain JSON data: given a Cookie,
  // express-session's copies its maxAge getter, expires - Date.now(), so that
  // the result depends on the clock)
  if (method === 'createSession') op.session.form = 'plain'
  if (method === 'seed') op.text = genSeedText(now)
  if (method === 'destroyMany') {
    op.sids = []
    for (var n = int(0, 4); n > 0; n--) op.sids.push(pick(ids))
  } else if (method !== 'all' && method !== 'length' && method !== 'ids' && method !== 'clear') {
    op.sid = sid
  }
  var stylable = method !== 'regenerate' && method !== 'load' && method !== 'createSession' && method !== 'seed'
  var noCallback = method === 'set' || method === 'touch' || method === 'destroy' || method === 'destroyMany' || method === 'clear' || method === 'all'
  op.style = !stylable ? 'cb' : weighted(noCallback ? { cb: 65, promise: 25, none: 10 } : { cb: 70, promise: 30 })
  return op
}

function generate () {
  var now = Date.now()
  var ids = []
  for (var i = 0; i < 14; i++) ids.push(genId())
  var bigAt = int(0, OPS)
  var ops = []
  for (var k = 0; k < OPS; k++) {
    if (chance(0.07) && k !== bigAt) {
      var batch = []
      for (var n = int(2, 7); n > 0; n--) {
        var call = genCall(now, ids, false)
        if (call.method === 'seed' || call.method === 'createSession') continue
        call.style = 'cb'
        batch.push(call)
      }
      ops.push({ method: 'batch', calls: batch })
    } else {
      ops.push(genCall(now, ids, k === bigAt))
    }
  }
  return ops
}

var OPERATIONS = generate()

// ---------------------------------------------------------------------------
// describing values exactly

function isThenable (v) {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function'
}

/**
 * A text that tells apart everything a caller can observe of a value: types,
 * -0, key order, prototypes, non-enumerable and symbol keys, Dates; a
 * Session's `req` is described by what it should be.
 */
function describe (v, ctx) {
  if (v === undefined) return 'undefined'
  if (v === null) return 'null'
  switch (typeof v) {
    case 'number': return Object.is(v, -0) ? '-0' : String(v)
    case 'string': return JSON.stringify(v)
    case 'boolean': return String(v)
    case 'bigint': return v + 'n'
    case 'symbol': return v.toString()
    case 'function': return 'function ' + v.name
  }
  if (v instanceof Error) return 'Error<' + v.name + '>(' + v.message + (v.code ? ' code=' + v.code : '') + ')'
  if (v instanceof Date) return 'Date(' + v.getTime() + ')'
  if (isThenable(v)) return 'Promise'
  var proto = Object.getPrototypeOf(v)
  var tag = proto === null ? 'null-proto ' : proto === Object.prototype || proto === Array.prototype ? '' : ((proto.constructor && proto.constructor.name) || '?') + ' '
  var parts = Reflect.ownKeys(v).map(function (k) {
    if (Array.isArray(v) && k === 'length') return null
    var d = Object.getOwnPropertyDescriptor(v, k)
    var name = (typeof k === 'symbol' ? k.toString() : JSON.stringify(k)) + (d.enumerable ? '' : '(hidden)')
    if (!('value' in d)) return name + ': <accessor>'
    if (k === 'req' && d.value && typeof d.value === 'object' && ctx) {
      var req = d.value
      return name + ': req(sessionID=' + describe(req.sessionID) + ', session===this ' + (req.session === v) + ', own store ' + (req.sessionStore === ctx.store) + ')'
    }
    return name + ': ' + describe(d.value, ctx)
  }).filter(Boolean)
  // (a Cookie: what its accessors and toJSON give)
  var accessor = proto && Object.getOwnPropertyDescriptor(proto, 'expires')
  if (accessor && accessor.get) parts.push('expires getter: ' + describe(v.expires) + ', JSON: ' + JSON.stringify(v))
  return tag + (Array.isArray(v) ? '[' : '{') + parts.join(', ') + (Array.isArray(v) ? ']' : '}')
}

// a printable line: every character outside printable ASCII escaped, long
// texts cut
function printable (s, max) {
  max = max || 300
  var out = String(s).replace(/[^\x20-\x7e]/g, function (c) { return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0') })
  if (out.length <= max) return out
  return out.slice(0, Math.floor(max * 0.6)) + ' ...[' + out.length + ' chars, sha1 ' + crypto.createHash('sha1').update(out).digest('hex').slice(0, 10) + ']... ' + out.slice(-Math.floor(max * 0.2))
}

function showValue (v) {
  if (typeof v === 'string') return printable(JSON.stringify(v), 120)
  if (v === undefined) return 'undefined'
  if (Object.is(v, -0)) return '-0'
  if (v instanceof Date) return 'Date(' + v.getTime() + ')'
  if (typeof v === 'number') return String(v)
  if (v === null || typeof v !== 'object') return String(v)
  if (Array.isArray(v)) return '[' + v.map(showValue).join(',') + ']'
  return '{' + Object.keys(v).map(function (k) { return printable(JSON.stringify(k), 60) + ':' + showValue(v[k]) }).join(',') + '}'
}

function showSession (s) {
  var c = s.cookie
  var cookie = c.odd === 'none'
    ? 'no cookie'
    : c.odd === 'nullCookie'
      ? 'cookie null'
      : 'cookie ' + (c.odd ? c.odd + ' ' : '') + showValue(plainCookie(c))
  return s.form + (s.form !== 'plain' && s.foreign ? '(express-session\'s)' : '') + ' ' + cookie + ' at ' + s.cookieAt + ' ' +
    printable(s.fields.map(function (f) { return JSON.stringify(f[0]) + '=' + showValue(f[1]) }).join(' '), 400)
}

function showOp (op) {
  if (op.method === 'batch') return 'batch [' + op.calls.map(showOp).join(' ; ') + ']'
  var args = []
  if (op.sid !== undefined) args.push(printable(JSON.stringify(op.sid), 80))
  if (op.sids) args.push('[' + op.sids.map(function (s) { return printable(JSON.stringify(s), 40) }).join(',') + ']')
  if (op.session) args.push(showSession(op.session))
  if (op.text !== undefined) args.push('text ' + printable(JSON.stringify(op.text), 200))
  return op.method + '(' + args.join(', ') + ')' + (op.style !== 'cb' ? ' [' + op.style + ']' : '')
}

// ---------------------------------------------------------------------------
// running calls

var CALL_TIMEOUT = 10000

/**
 * A side of the comparison: the oracle (express-session's MemoryStore) or one
 * of our stores. `side.invoke(op, style, seq)` makes the call at once and gives
 * `{ rec, done }`: `rec` fills in with what was returned or thrown and what
 * the callback got (or the promise settled with), `done` settles when it has.
 */
function makeSide (name, store, kind) {
  var side = { name: name, store: store, kind: kind, oracle: name === 'oracle' }
  // (the middleware installs `generate` on its store: Store#regenerate calls it)
  store.generate = function (req) { req.generated = (req.generated || 0) + 1 }
  side.invoke = function (op, style, seq) {
    var rec = { calls: 0, order: -1 }
    var settle
    var done = new Promise(function (resolve) { settle = resolve })
    var timer = setTimeout(function () {
      rec.hung = true
      settle()
    }, CALL_TIMEOUT)
    timer.unref()
    function finish () {
      clearTimeout(timer)
      settle()
    }
    function callback () {
      rec.calls++
      if (rec.calls > 1) return
      rec.order = seq.n++
      rec.cb = Array.prototype.slice.call(arguments)
      finish()
    }
    var req = { sessionID: op.sid, sessionStore: store }
    var impl = side.oracle || (op.session && op.session.foreign) ? original : ours
    var input = op.session ? materialize(op.session, impl, req) : undefined
    var args
    var target = store
    var method = op.method
    switch (op.method) {
      case 'set': case 'touch': args = [op.sid, input]; break
      case 'get': case 'destroy': args = [op.sid]; break
      case 'destroyMany':
        args = [op.sids]
        if (side.oracle) target = { destroyMany: oracleDestroyMany(store) }
        else method = 'destroy'
        break
      case 'ids':
        args = []
        if (side.oracle) target = { ids: oracleIds(store) }
        break
      case 'regenerate': case 'load': args = [op.method === 'load' ? op.sid : req]; break
      case 'createSession': args = [req, input]; break
      default: args = []
    }
    if (side.oracle && kind === 'redis' && op.method === 'touch') target = { touch: oracleTouchTTL(store) }
    if (side.oracle && kind === 'redis' && op.method === 'set') target = { set: oracleSetTTL(store) }
    if (style === 'cb' && op.method !== 'createSession') args.push(callback)
    // (a model of a documented difference is told its outcome without a callback too)
    if (style === 'none' && target !== store) args.push(function () { rec.model = Array.prototype.slice.call(arguments) })
    var ret
    if (op.method === 'load') {
      // (Store#load calls createSession in get's callback: what that throws,
      // for a stored session without a cookie, would be uncaught)
      var get = store.get
      put(store, 'get', function (sid, cb) {
        return get.call(store, sid, function () {
          try {
            return cb.apply(this, arguments)
          } catch (err) {
            rec.threwInCallback = err
            finish()
          }
        })
      })
    }
    try {
      ret = target[method].apply(target === store ? store : target, args)
    } catch (err) {
      rec.threw = err
      if (op.method === 'load') delete store.get
      finish()
      return { rec: rec, done: done }
    }
    if (op.method === 'load') delete store.get
    rec.ret = ret
    if (op.method === 'createSession') {
      rec.req = req
      finish()
    } else if (op.method === 'regenerate') {
      rec.req = req
    } else if (style !== 'cb') {
      if (isThenable(ret)) {
        ret.then(function (v) {
          rec.order = seq.n++
          rec.resolved = v
          finish()
        }, function (e) {
          rec.order = seq.n++
          rec.rejected = e
          finish()
        })
      } else {
        finish()
      }
    }
    if (input !== undefined && op.method !== 'createSession' && style !== 'none') {
      // (a store must not change the session it is given)
      done.then(function () { rec.inputAfter = JSON.stringify(input) })
    }
    return { rec: rec, done: done }
  }
  return side
}

// destroy([ids]) as one destroy per ID (README: "store.destroy([sid, ...], cb)")
function oracleDestroyMany (store) {
  return function (ids, callback) {
    ids.forEach(function (id) { store.destroy(id) })
    callback && setImmediate(callback)
  }
}

// ids as the keys of `all` (README: "store.ids(cb)")
function oracleIds (store) {
  return function (callback) {
    store.all(function (err, sessions) {
      if (err) return callback(err)
      callback(null, Object.keys(sessions))
    })
  }
}

// RedisStore's lifetime of a session, connect-redis's: from its cookie's
// expiry in whole seconds, rounded up, else the ttl option (a day)
function redisTtl (session) {
  var expires = session && session.cookie && session.cookie.expires
  return expires ? Math.ceil((Number(new Date(expires)) - Date.now()) / 1000) : 86400
}

// RedisStore's set (connect-redis's): a session whose lifetime is not > 0 is
// removed instead
function oracleSetTTL (store) {
  return function (sid, session, callback) {
    if (redisTtl(session) > 0) return store.set(sid, session, callback)
    store.destroy(sid)
    callback && setImmediate(callback)
  }
}

// RedisStore's touch restarts the key's TTL (connect-redis's EXPIRE): the
// stored session stays as it is, or goes when its new lifetime is over; a
// lifetime that is not an integer (an invalid date) is Redis's refusal
function oracleTouchTTL (store) {
  return function (sid, session, callback) {
    var ttl = redisTtl(session)
    if (!Number.isInteger(ttl)) {
      var err = new Error('ERR value is not an integer or out of range')
      err.code = 'ERR'
      callback && setImmediate(callback, err)
      return
    }
    if (ttl <= 0) store.destroy(sid)
    callback && setImmediate(callback)
  }
}

/**
 * What the caller saw of one call, as a text to compare: what was thrown or
 * returned, and what the callback got. A promise's value is compared as the
 * oracle callback's value (`oracleCb` tells its arity).
 */
function outcome (rec, op, side, oracleCb) {
  var ctx = { store: side.store }
  var out = []
  if (rec.hung) out.push('no callback within ' + CALL_TIMEOUT + ' ms')
  if (rec.threw !== undefined) return out.concat('threw ' + describe(rec.threw)).join('; ')
  if (op.method === 'createSession') {
    out.push('returned ' + describe(rec.ret, ctx))
    out.push('req.session is it: ' + (rec.req.session === rec.ret))
    return out.join('; ')
  }
  if (op.method === 'regenerate') out.push('req.generated ' + rec.req.generated)
  if (rec.threwInCallback) out.push('threw in the callback of get ' + describe(rec.threwInCallback))
  if (op.style === 'none') {
    // (its Promise, ours, is checked apart: it must give undefined)
    if (!side.oracle && !isThenable(rec.ret)) out.push('returned ' + describe(rec.ret, ctx) + ', not a Promise')
    out.push('no callback')
    return out.join('; ')
  }
  if (side.oracle || op.style === 'cb') {
    // (express-session's methods return nothing when given a callback)
    out.push('returned ' + describe(rec.ret, ctx))
    if (rec.cb) out.push('callback ' + describe(normalizeResult(rec.cb, op, side), ctx))
    if (rec.calls > 1) out.push('callback called ' + rec.calls + ' times')
  } else {
    // (ours without a callback: a Promise of the oracle callback's value)
    out.push('returned ' + (isThenable(rec.ret) ? 'undefined' : describe(rec.ret, ctx) + ', not a Promise'))
    var args
    if ('rejected' in rec) args = [rec.rejected]
    else if (!('resolved' in rec)) args = undefined
    else if (oracleCb && oracleCb.length >= 2) args = [null, rec.resolved]
    else args = rec.resolved === undefined ? [] : [null, rec.resolved]
    if (args) out.push('callback ' + describe(normalizeResult(args, op, side), ctx))
  }
  if ('inputAfter' in rec) out.push('input after ' + hashed(rec.inputAfter))
  return out.join('; ')
}

function hashed (s) {
  return s === undefined ? 'undefined' : s.length > 200 ? s.length + ' chars sha1 ' + crypto.createHash('sha1').update(s).digest('hex') : s
}

// the documented differences of one store's results, taken out
function normalizeResult (args, op, side) {
  if (args.length < 2 || args[1] === null || typeof args[1] !== 'object') return args
  if (op.method === 'ids') {
    return [args[0], args[1].slice().sort()]
  }
  if (op.method === 'all' && (side.kind === 'redis' || (side.kind === 'sqlite' && EXCLUDE.has('sqlite-expired-slot')))) {
    var sorted = Object.create(null)
    Object.keys(args[1]).sort().forEach(function (k) { sorted[k] = args[1][k] })
    return [args[0], sorted]
  }
  return args
}

// `store.sessions` (MemoryStore): the raw text of every stored session, in
// order; null when both are the same
function rawDifference (a, b) {
  var ka = Object.keys(a.sessions)
  var kb = Object.keys(b.sessions)
  var same = ka.length === kb.length && ka.every(function (k, i) { return k === kb[i] && a.sessions[k] === b.sessions[k] })
  if (same) return null
  function show (s, keys) {
    return keys.map(function (k) { return JSON.stringify(k) + ' => ' + hashed(s.sessions[k]) }).join('\n')
  }
  return [show(a, ka), show(b, kb)]
}

/**
 * Runs the whole sequence against the oracle and against `store`; throws an
 * AssertionError with the operation log at the first difference.
 */
async function run (kind, store) {
  var oracle = makeSide('oracle', new original.MemoryStore(), kind)
  var mine = makeSide(kind, store, kind)
  var log = []
  var pending = [] // (our calls without a callback that were not waited for)
  var seq = { oracle: { n: 0 }, mine: { n: 0 } }
  var started = Date.now()

  function fail (i, what, expected, actual) {
    var lines = ['store-random: ' + kind + ' differs from express-session\'s MemoryStore (seed ' + SEED + (LONG ? ', long' : '') + ') at operation #' + i + ': ' + what]
    lines.push('  operation: ' + showOp(OPERATIONS[i]))
    lines.push('  oracle: ' + printable(expected, 1500))
    lines.push('  ' + kind + ': ' + printable(actual, 1500))
    var at = firstDifference(expected, actual)
    if (at > 500) {
      lines.push('  first difference at char ' + at + ':')
      lines.push('    oracle: ...' + printable(expected.slice(at - 200, at + 200), 1000))
      lines.push('    ' + kind + ': ...' + printable(actual.slice(at - 200, at + 200), 1000))
    }
    lines.push('  replay: ' + REPLAY)
    var file = path.join(os.tmpdir(), 'store-random-' + SEED + '-' + kind + '.log')
    fs.writeFileSync(file, log.join('\n') + '\n')
    lines.push('  operation log (' + log.length + ' operations, all of them in ' + file + ')' + (log.length > 400 ? ', the last 400:' : ':'))
    log.slice(-400).forEach(function (l) { lines.push('    ' + l) })
    console.log(lines.join('\n'))
    throw new assert.AssertionError({ message: lines.slice(0, 5).join('\n') + '\n  (operation log printed above)' })
  }

  async function settlePending (i) {
    var list = pending
    pending = []
    for (var p of list) {
      await p.call.done
      var got = p.call.rec
      // (all() gives its sessions, the writes nothing; an error only where
      // the model of a documented difference gives one)
      var modelErr = p.oracle.model && p.oracle.model[0]
      var expected = modelErr ? 'rejected ' + describe(modelErr) : 'a call without a callback'
      var bad = got.hung
        ? 'no settlement'
        : 'rejected' in got
          ? 'rejected ' + describe(got.rejected)
          : modelErr
            ? 'resolved ' + describe(got.resolved)
            : got.resolved !== undefined && p.method !== 'all' ? 'resolved ' + describe(got.resolved) : null
      if (bad && bad !== expected) fail(p.index, 'its Promise (called without a callback) ' + bad, expected, bad)
    }
  }

  for (var i = 0; i < OPERATIONS.length; i++) {
    var op = OPERATIONS[i]
    if (op.method === 'seed' && kind !== 'memory') {
      log.push('#' + i + ' (skipped: ' + showOp(op) + ')')
      continue
    }
    log.push('#' + i + ' ' + showOp(op))
    if (op.method === 'seed') {
      oracle.store.sessions[op.sid] = op.text
      store.sessions[op.sid] = op.text
    } else {
      if (kind === 'memory' && EXCLUDE.has('touch-raw-json')) {
        (op.method === 'batch' ? op.calls : [op]).forEach(function (c) {
          if (c.method === 'touch') canonicalize(c.sid, [oracle.store, store])
        })
      }
      var groups = turns(kind, op)
      for (var g = 0; g < groups.length; g++) {
        var calls = groups[g]
        var theirs = calls.map(function (c) { return oracle.invoke(c, c.style === 'none' ? 'none' : 'cb', seq.oracle) })
        await Promise.all(theirs.map(function (c) { return c.done }))
        var mineCalls = calls.map(function (c) { return mine.invoke(c, c.style, seq.mine) })
        for (var k = 0; k < calls.length; k++) {
          if (calls[k].style === 'none' && !awaitsNone(kind, calls[k])) pending.push({ index: i, method: calls[k].method, call: mineCalls[k], oracle: theirs[k].rec })
          else await mineCalls[k].done
        }
        for (var j = 0; j < calls.length; j++) {
          if (calls[j].style === 'none' && awaitsNone(kind, calls[j])) {
            // (an awaited call without callback: its Promise must give undefined)
            pending.push({ index: i, method: calls[j].method, call: mineCalls[j], oracle: theirs[j].rec })
          }
          var expected = outcome(theirs[j].rec, calls[j], oracle, null)
          var actual = outcome(mineCalls[j].rec, calls[j], mine, theirs[j].rec.cb)
          if (expected !== actual) fail(i, op.method === 'batch' ? 'call ' + op.calls.indexOf(calls[j]) + ' of the batch' : 'the call', expected, actual)
        }
        var failed = mineCalls.some(function (c) { return c.rec.cb ? c.rec.cb[0] : 'rejected' in c.rec })
        if (calls.length > 1 && !(kind === 'redis' && failed && EXCLUDE.has('redis-error-order'))) {
          var expectedOrder = ranks(theirs)
          var actualOrder = ranks(mineCalls)
          if (expectedOrder !== actualOrder) fail(i, 'the order of the callbacks', expectedOrder, actualOrder)
        }
      }
      if (kind === 'sqlite' || i % 16 === 0) await settlePending(i)
    }
    if (kind === 'memory') {
      var raw = rawDifference(oracle.store, store)
      if (raw) fail(i, 'store.sessions after it', raw[0], raw[1])
    }
  }
  await settlePending(OPERATIONS.length)
  // late second callbacks
  await new Promise(function (resolve) { setTimeout(resolve, 20) })
  return { ops: log.length, ms: Date.now() - started }
}

// rewrites the stored text of `sid` as JSON.stringify writes it, in each store
function canonicalize (sid, stores) {
  var text = stores[0].sessions[sid]
  var canonical
  try {
    canonical = JSON.stringify(JSON.parse(text))
  } catch (e) {
    return
  }
  if (canonical !== text) stores.forEach(function (s) { s.sessions[sid] = canonical })
}

/**
 * The calls of operation `op` as groups, each made in one turn of the event
 * loop, one group after the other.
 */
function turns (kind, op) {
  if (op.method !== 'batch') return [[op]]
  var calls = op.calls
  if (kind === 'sqlite') {
    // (SqliteStore's reads do not wait for the writes issued before them)
    return [calls.filter(function (c) { return READS[c.method] }).concat(calls.filter(function (c) { return !READS[c.method] }))]
  }
  if (kind === 'redis' && EXCLUDE.has('redis-scan-order')) {
    // (each call that SCANs alone, after the others)
    return [calls.filter(function (c) { return !SCANS[c.method] })].concat(calls.filter(function (c) { return SCANS[c.method] }).map(function (c) { return [c] }))
  }
  return [calls]
}

var SCANS = { all: true, length: true, ids: true, clear: true }

// whether our call without a callback is waited for before the next one
function awaitsNone (kind, call) {
  return kind === 'sqlite' || (kind === 'redis' && SCANS[call.method] && EXCLUDE.has('redis-scan-order'))
}

// the order in which the calls of one turn called back: call indexes
function ranks (calls) {
  return calls.map(function (c, i) { return [c.rec.order, i] })
    .sort(function (a, b) { return a[0] - b[0] })
    .map(function (x) { return x[1] }).join(',')
}

function firstDifference (a, b) {
  var n = Math.min(a.length, b.length)
  for (var i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return n
}

// ---------------------------------------------------------------------------

test('the generator covers what it must (sanity)', function () {
  var flat = []
  OPERATIONS.forEach(function (op) { flat.push.apply(flat, op.method === 'batch' ? op.calls : [op]) })
  var methods = new Set(flat.map(function (op) { return op.method }))
  ;['set', 'get', 'touch', 'destroy', 'all', 'length', 'ids', 'load', 'regenerate'].forEach(function (m) {
    assert.ok(methods.has(m), m)
  })
  var sessions = flat.filter(function (op) { return op.session })
  assert.ok(sessions.some(function (op) { return op.session.cookie.kind === 'past' }), 'an expired session')
  assert.ok(sessions.some(function (op) { return JSON.stringify(op.session.fields).length > 1000000 }), 'a session of about 1 MB')
  assert.ok(flat.some(function (op) { return op.style === 'promise' }) && flat.some(function (op) { return op.style === 'none' }))
  assert.ok(OPERATIONS.some(function (op) { return op.method === 'batch' }))
})

test('MemoryStore: the same callbacks as express-session\'s MemoryStore', async function () {
  var store = new ours.MemoryStore()
  store.stopInterval()
  var r = await run('memory', store)
  console.log('# memory: ' + r.ops + ' operations in ' + r.ms + ' ms')
})

test('SqliteStore: the same callbacks as express-session\'s MemoryStore', async function () {
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-random-'))
  var store = new ours.SqliteStore({ path: path.join(dir, 'sessions.db') })
  store.stopInterval()
  try {
    var r = await run('sqlite', store)
    console.log('# sqlite: ' + r.ops + ' operations in ' + r.ms + ' ms')
  } finally {
    store.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('RedisStore: the same callbacks as express-session\'s MemoryStore', { skip: !redis.available() && 'redis-server is not installed (.ci/run installs it)' }, async function () {
  var server = await redis.start()
  var store = new ours.RedisStore({ url: 'redis://127.0.0.1:' + server.port })
  try {
    var r = await run('redis', store)
    console.log('# redis: ' + r.ops + ' operations in ' + r.ms + ' ms')
  } finally {
    store.close()
    server.stop()
    await server.exited
  }
})
