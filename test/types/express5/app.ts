// A typed Express 5 app (@types/express 5) without @types/express-session: every
// option, the promise forms, MemoryStore's options; compiled by `tsc --strict`.
import express = require('express')
import session = require('express-session-rs')
import http = require('http')
import native = require('express-session-rs/native')

declare module 'express-session-rs' {
  interface SessionData {
    views: number
    user: { name: string }
  }
}

const store = new session.MemoryStore({
  ttl: (sess) => (sess.user ? 86400000 : 3600000),
  max: 1000,
  maxBytes: 64 * 2 ** 20,
  sweepInterval: 1000,
  sweepBudget: 2,
  name: 'shared'
})
const stats: session.MemoryStoreStats = store.stats()
const pruned: number = store.prune()
store.stopInterval()
store.startInterval()
const raw: string | undefined = store.sessions.a
new session.MemoryStore({ ttl: Infinity })
const app = express()

app.use(session({
  secret: ['new secret', Buffer.from('old secret')],
  name: 'sid',
  store,
  resave: false,
  saveUninitialized: false,
  rolling: true,
  unset: 'destroy',
  proxy: true,
  genid: () => session.generateId(),
  cookie: (req) => ({ maxAge: 60000, secure: 'auto', sameSite: 'lax', partitioned: false, priority: 'high', path: '/', httpOnly: true }),
  fixAutoCookieFunction: true,
  fixRegenerateSave: true,
  dictionaryMode: false,
  fixCookiePathMatch: true,
  fixDuplicateCookies: true,
  fixLoadErrorDestroy: true,
  header: 'x-session-id',
  absoluteTimeout: 8 * 60 * 60 * 1000,
  clearCookieOnDestroy: true,
  resignOldSecrets: true,
  strictCookiePrefix: true,
  saveChangedFields: true,
  owner: (sess) => sess.user?.name
}))
session({ secret: 's', owner: 'user' })

async function owners (): Promise<number> {
  const mine: { [sid: string]: session.SessionData } = await store.sessionsOf('ann')
  store.sessionsOf(42, (err, sessions) => { if (!err && sessions) Object.keys(sessions) })
  store.destroyOwner('ann', { except: Object.keys(mine)[0] }, (err, count) => { if (!err) count })
  store.destroyOwner('ann', (err, count) => { if (!err) count })
  const file = new session.SqliteStore({ path: 'sessions.db' })
  await file.sessionsOf(7)
  return await store.destroyOwner('ann') + await store.destroyOwner('ann', { except: ['a', 'b'] }) + await file.destroyOwner('ann', { except: 'a' })
}
owners()

// @ts-expect-error header is a header name
session({ secret: 's', header: true })
// @ts-expect-error absoluteTimeout is a number of ms
session({ secret: 's', absoluteTimeout: '8h' })
// @ts-expect-error owner is a field name or a function
session({ secret: 's', owner: 5 })

// @ts-expect-error unset is 'destroy' or 'keep'
session({ secret: 's', unset: 'sometimes' })
// @ts-expect-error max is a number
new session.MemoryStore({ max: '1000' })
// @ts-expect-error there is no such option
new session.MemoryStore({ maxEntries: 5 })

app.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1
  const maxAge: number | undefined = req.session.cookie.maxAge
  res.send(`${req.sessionID} ${req.session.views} ${maxAge}`)
})

app.post('/login', async (req, res, next) => {
  try {
    await req.session.regenerate()
    await req.session.regenerate({ keep: ['cart'] })
    await req.session.regenerate({ keep: true })
    req.session.regenerate({ keep: true }, (err) => { if (err) next(err) })
    // @ts-expect-error keep is true or field names
    await req.session.regenerate({ keep: 'user' })
    req.session.user = { name: 'bob' }
    await req.session.save()
    res.send('ok')
  } catch (err) {
    next(err)
  }
})

app.post('/logout', (req, res) => {
  req.session.destroy((err) => res.send(err ? 'error' : 'bye'))
})

app.get('/reload', async (req, res) => {
  await req.session.reload()
  req.session.reload((err) => { if (err) throw err })
  // @ts-expect-error views is a number
  req.session.views = 'many'
  res.send(String(req.session.views))
})

async function storeApi (): Promise<number> {
  await store.set('a', { cookie: new session.Cookie({ maxAge: 1000 }), views: 1, user: { name: 'x' } })
  const got = await store.get('a')
  const ids: string[] = await store.ids()
  await store.destroy(ids)
  store.length((err, n) => { if (!err) console.log(n, got) })
  return store.length()
}

const cookie = new session.Cookie({ maxAge: 5, sameSite: 'auto' })
const cookieMaxAge: number | undefined = cookie.maxAge
const original: number | null = cookie.originalMaxAge
cookie.expires = null
cookie.secure = 'auto'

const signed: string = session.sign('value', 'secret')
const value: string | false = session.unsign(signed, ['secret', 'old'])

class MyStore extends session.Store {
  get (sid: string, cb: (err: any, s?: session.SessionData | null) => void): void { cb(null, null) }
  set (sid: string, s: session.SessionData, cb?: (err?: any) => void): void { if (cb) cb() }
  destroy (sid: string, cb?: (err?: any) => void): void { if (cb) cb() }
}

http.createServer((req, res) => {
  session({ secret: 's', store: new MyStore() })(req, res, () => res.end())
})

// the raw addon surface
const nativeStore: native.NativeStore = native.createStore(0, 0, 'name')
const nativeStats: native.StoreStats = nativeStore.stats()
const signature: string = native.createSigner([Buffer.from('k')]).sign(native.generateId())
// @ts-expect-error secrets are Buffers
native.createSigner(['k'])

// the durable store
const durable = new session.SqliteStore({ path: './sessions.db', fsync: true, busyTimeout: 1000, sweepInterval: 0, sweepBatch: 100, maxPages: 0, ttl: 1000 })
async function durableApi (): Promise<number> {
  await durable.set('a', { cookie: new session.Cookie(), views: 1, user: { name: 'x' } })
  await durable.prune()
  durable.close()
  return durable.stats().count + (await durable.length())
}
// @ts-expect-error path is required
new session.SqliteStore({})

// the Redis store
const shared = new session.RedisStore({ url: 'redis://127.0.0.1:6379', prefix: 'app:', ttl: (s) => s.cookie.maxAge ? 60 : 3600, scanCount: 500, commandTimeout: 2000 })
async function redisApi (): Promise<number> {
  await shared.set('a', { cookie: new session.Cookie(), views: 1, user: { name: 'x' } })
  const s = await shared.get('a')
  const ann: { [sid: string]: session.SessionData } = await shared.sessionsOf('ann')
  shared.destroyOwner(7, { except: Object.keys(ann) }, (err, count) => { if (!err) count })
  shared.close()
  return shared.stats().commands + (await shared.length()) + (s?.views ?? 0) + await shared.destroyOwner('ann')
}
const clustered = new session.RedisStore({ cluster: true, nodes: ['redis://10.0.0.1:7000', { host: '10.0.0.2', port: 7000, password: 'pw' }] })
clustered.close()
const secured = new session.RedisStore({ url: 'rediss://redis.example:6380', tls: { ca: Buffer.from('-----BEGIN CERTIFICATE-----'), cert: '-----BEGIN CERTIFICATE-----', key: '-----BEGIN PRIVATE KEY-----' } })
secured.close()
// @ts-expect-error the certificates are PEM text or bytes
new session.RedisStore({ url: 'rediss://redis.example:6380', tls: { ca: 42 } })
// @ts-expect-error ttl is seconds or a function
new session.RedisStore({ ttl: '1d' })

export { durableApi, redisApi, nativeStats, signature, storeApi, value, cookieMaxAge, original, stats, pruned, raw }
