// A small typed app: must compile with `tsc --noEmit --strict`.
import express = require('express')
import session = require('express-session-rs')
import http = require('http')

declare module 'express-session-rs' {
  interface SessionData {
    views: number
    user: { name: string }
  }
}

const store = new session.MemoryStore()
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
  fixRegenerateSave: true
}))

app.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1
  const maxAge: number | undefined = req.session.cookie.maxAge
  res.send(`${req.sessionID} ${req.session.views} ${maxAge}`)
})

app.post('/login', async (req, res, next) => {
  try {
    await req.session.regenerate()
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

export { storeApi, value, cookieMaxAge, original }
