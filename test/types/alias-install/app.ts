// An app written against @types/express-session, compiled unchanged against this
// package installed under the name express-session (`"express-session":
// "npm:express-session-rs@^1.19.0"`): 'express-session' resolves to index.d.ts
// here (tsconfig `paths`), and nothing below names this package.
import express from 'express'
import session, { Cookie, MemoryStore, Store, type CookieOptions, type Session, type SessionData, type SessionOptions } from 'express-session'

declare module 'express-session' {
  interface SessionData {
    views: number
    user: { id: string }
  }
}

// a store written as @types/express-session types one
class MapStore extends Store {
  private readonly map = new Map<string, SessionData>()
  get (sid: string, callback: (err: any, session?: SessionData | null) => void): void {
    callback(null, this.map.get(sid) ?? null)
  }

  set (sid: string, session: SessionData, callback?: (err?: any) => void): void {
    this.map.set(sid, session)
    callback?.()
  }

  destroy (sid: string, callback?: (err?: any) => void): void {
    this.map.delete(sid)
    callback?.()
  }

  touch (sid: string, session: SessionData, callback?: () => void): void {
    callback?.()
  }

  all (callback: (err: any, obj?: SessionData[] | { [sid: string]: SessionData } | null) => void): void {
    callback(null, [...this.map.values()])
  }
}

// a store delegating to a MemoryStore, passing its optional callbacks on
class WrappedStore extends Store {
  private readonly inner = new MemoryStore()
  get (sid: string, callback: (err: any, session?: SessionData | null) => void): void { this.inner.get(sid, callback) }
  set (sid: string, session: SessionData, callback?: (err?: any) => void): void { this.inner.set(sid, session, callback) }
  destroy (sid: string, callback?: (err?: any) => void): void { this.inner.destroy(sid, callback) }
  touch (sid: string, session: SessionData, callback?: () => void): void { this.inner.touch(sid, session, callback) }
  clear (callback?: (err?: any) => void): void { this.inner.clear(callback) }
}

const cookieOptions: CookieOptions = { maxAge: 60000, secure: 'auto', sameSite: 'lax', signed: true, encode: encodeURIComponent, priority: 'high', partitioned: false }
const options: SessionOptions = {
  secret: 'keyboard cat',
  name: 'sid',
  store: new MapStore(),
  cookie: cookieOptions,
  genid: (req: express.Request): string => String(req.query.id),
  rolling: false,
  resave: false,
  proxy: true,
  saveUninitialized: false,
  unset: 'keep'
}
const handler: express.RequestHandler = session(options)
const app = express()
app.use(handler)
app.use(session({ secret: 's', store: new WrappedStore(), cookie: (req: express.Request) => ({ secure: req.secure, maxAge: 1000 }) }))

// plain objects as a session's cookie, as in stores' tests
const data: SessionData = { cookie: { originalMaxAge: null }, views: 1, user: { id: 'a' } }
const plainCookie: Cookie = { originalMaxAge: 60000, expires: new Date(), httpOnly: true, path: '/', sameSite: 'strict' }
const cookie = new Cookie()
cookie.expires = new Date(Date.now() + 1000)
cookie.maxAge = 1000
const original: number | null = cookie.originalMaxAge

function persist (req: express.Request, callback?: (err: any) => void): void {
  req.session.save(callback)
}

function views (sess: Session & Partial<SessionData>): number {
  return sess.views ?? 0
}

app.get('/', (req, res, next) => {
  req.session.views = views(req.session) + 1
  const maxAge: number | undefined = req.session.cookie.maxAge
  const id: string = req.session.id
  req.session.cookie.expires = new Date()
  req.session.touch().resetMaxAge()
  req.session.save()
  req.session.save((err) => { if (err) next(err) })
  persist(req)
  req.sessionStore.all?.((err, all) => console.log(err, all))
  req.sessionStore.length?.((err, n) => console.log(err, n))
  req.sessionStore.get(req.sessionID, (err, sess) => console.log(err, sess?.views))
  req.sessionStore.load(req.sessionID, (err, sess) => console.log(err, sess?.cookie.originalMaxAge))
  req.sessionStore.generate(req)
  res.send(`${id} ${maxAge}`)
})

app.post('/login', (req, res, next) => {
  req.session.regenerate((err) => {
    if (err) return next(err)
    req.session.user = { id: String(req.body.id) }
    req.session.reload((err) => (err ? next(err) : req.session.destroy(() => res.end())))
  })
})

// @ts-expect-error views is a number
app.get('/bad', (req) => { req.session.views = 'many' })
// @ts-expect-error a session's cookie has originalMaxAge
const noOriginal: SessionData = { cookie: {}, views: 1, user: { id: 'a' } }

export { app, data, plainCookie, original, noOriginal }
