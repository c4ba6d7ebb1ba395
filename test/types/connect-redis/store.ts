// connect-redis 9 typed against this package installed as express-session (the
// alias install): its published declaration file and its TypeScript source, both
// importing 'express-session', resolve that import to index.d.ts here (tsconfig
// `paths`), checked with skipLibCheck off; below, the typed patterns of
// connect-redis's own test (index_test.ts): plain-object sessions and cookies,
// `new Cookie()`, the promise and callback forms.
import session, { Cookie, type SessionData } from 'express-session'
import { RedisStore } from 'connect-redis'
import { createClient } from 'redis'
import express from 'express'

const client = createClient({ url: 'redis://localhost:6379' })
const store = new RedisStore({ client, prefix: 'sess:', ttl: 86400, scanCount: 100, serializer: JSON, disableTouch: false, disableTTL: false })
new RedisStore({ client, ttl: (sess: SessionData) => (sess.cookie.originalMaxAge ?? 86400000) / 1000 })

const app = express()
app.use(session({ store, secret: 'keyboard cat', resave: false, saveUninitialized: false }))
// this package's extra options stay typed
app.use(session({ store, secret: 's', absoluteTimeout: 8 * 60 * 60 * 1000, saveChangedFields: true, header: 'x-session-id' }))

const s: SessionData = { cookie: { originalMaxAge: null } }
const withExpiry: SessionData = { cookie: { originalMaxAge: 60000, expires: new Date(), httpOnly: true, path: '/' } }

async function lifecycle (store: RedisStore): Promise<number> {
  let res = await store.clear()

  const sess = { foo: 'bar', cookie: { originalMaxAge: null } }
  await store.set('123', sess)
  res = await store.get('123')

  let expires = new Date(Date.now() + 60 * 1000)
  await store.set('456', { cookie: { originalMaxAge: null, expires } })
  await store.touch('456', { cookie: { originalMaxAge: null, expires: new Date(Date.now() + 90 * 1000) } })

  res = await store.length()
  res = await store.ids()
  res.sort()
  res = await store.all()
  res.sort((a: any, b: any) => (a.id > b.id ? 1 : -1))

  await store.destroy('456')
  await store.set('789', s)
  await store.set('790', withExpiry)
  expires = new Date(Date.now() - 90 * 1000)
  res = await store.set('789', { cookie: { originalMaxAge: null, expires } })
  return store.length()
}

async function load (store: RedisStore, count: number): Promise<void> {
  const cookie = new Cookie()
  for (let sid = 0; sid < count; sid++) {
    cookie.expires = new Date(Date.now() + 1000)
    await store.set('s' + sid, { cookie })
  }
}

// the callback forms
store.get('123', (err, sess) => { if (!err) console.log(sess) })
store.set('123', { cookie: new Cookie() }, (err) => { if (err) throw err })
store.touch('123', { cookie: { originalMaxAge: 1000 } }, () => {})
store.destroy('123', () => {})
store.all((err, all) => console.log(err, all))
store.length((err, n) => console.log(err, n))
store.ids((err, ids) => console.log(err, ids))
store.clear(() => {})

// @ts-expect-error a session's cookie has originalMaxAge (as in @types/express-session)
store.set('x', { cookie: {} })
// @ts-expect-error ttl is seconds or a function
new RedisStore({ client, ttl: '1d' })

export { lifecycle, load }
