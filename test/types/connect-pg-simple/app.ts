// connect-pg-simple typed by @types/connect-pg-simple (which imports
// 'express-session', 'express' and 'pg') against this package installed as
// express-session (the alias install): 'express-session' resolves to index.d.ts
// here (tsconfig `paths`), checked with skipLibCheck off. `types` lists only node:
// @types/express-session, a dependency of @types/connect-pg-simple, must not be
// loaded too (its req.session declaration would clash with this one).
import express = require('express')
import session = require('express-session')
import connectPgSimple = require('connect-pg-simple')
import pg = require('pg')

const PgStore = connectPgSimple(session)
const store = new PgStore({
  conString: 'postgres://localhost/app',
  tableName: 'user_sessions',
  schemaName: 'public',
  ttl: 3600,
  pruneSessionInterval: 60,
  createTableIfMissing: true,
  disableTouch: false,
  errorLog: console.error
})
const pool = new pg.Pool({ connectionString: 'postgres://localhost/app' })
const poolStore = new (connectPgSimple(session))({ pool, tableName: 'session' })
new PgStore({ conObject: { host: 'localhost', database: 'app' }, pruneSessionInterval: false })

const app = express()
app.use(session({ store, secret: 'keyboard cat', resave: false, saveUninitialized: false, cookie: { maxAge: 30 * 24 * 60 * 60 * 1000 } }))
// this package's extra options stay typed
app.use(session({ store: poolStore, secret: ['new', 'old'], absoluteTimeout: 8 * 60 * 60 * 1000, saveChangedFields: true, resignOldSecrets: true }))
const asStore: session.Store = store

store.get('sid', (err, sess) => {
  if (!err && sess) console.log(sess.cookie.originalMaxAge)
})
store.set('sid', { cookie: { originalMaxAge: null } }, (err) => { if (err) throw err })
store.touch('sid', { cookie: new session.Cookie({ maxAge: 1000 }) }, () => {})
store.destroy('sid')
store.pruneSessions((err) => console.error(err))
store.close()

// @ts-expect-error no such option
new PgStore({ tableNme: 'session' })
// @ts-expect-error a session's cookie has originalMaxAge
store.set('sid', { cookie: { maxAge: 1000 } })

export { app, asStore }
