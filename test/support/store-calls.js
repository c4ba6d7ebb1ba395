// The same store calls against express-session's MemoryStore and one of our
// durable stores (SqliteStore, RedisStore): `storeCalls(impl, store)` gives what
// each call gave, dates masked; `cookie(impl, ms)` is a Cookie of `impl` that
// expires in `ms`.

'use strict'

var call = require('./call')

function cookie (impl, ms) {
  var c = new impl.Cookie({ maxAge: ms })
  c.expires = new Date(Date.now() + ms)
  c.originalMaxAge = ms
  return c
}

async function storeCalls (impl, store) {
  var out = []
  await call(store, 'set', 'a', { cookie: cookie(impl, 60000), n: 1, text: 'Ж€𝄞\ud800' })
  await call(store, 'set', 'b', { cookie: cookie(impl, 60000), n: 2 })
  await call(store, 'set', 'old', { cookie: { expires: new Date(Date.now() - 1000).toISOString() }, n: 3 })
  out.push(await call(store, 'get', 'a'), await call(store, 'get', 'old'), await call(store, 'get', 'missing'))
  await call(store, 'touch', 'b', { cookie: cookie(impl, 120000), ignored: true })
  out.push(await call(store, 'get', 'b'))
  out.push(await call(store, 'length'))
  out.push(await call(store, 'all'))
  await call(store, 'destroy', 'a')
  out.push(await call(store, 'get', 'a'), await call(store, 'length'))
  await call(store, 'clear')
  out.push(await call(store, 'length'))
  return JSON.parse(JSON.stringify(out).replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<date>'))
}

exports.cookie = cookie
exports.storeCalls = storeCalls
