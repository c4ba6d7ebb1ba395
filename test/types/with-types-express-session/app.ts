// An app that keeps @types/express-session (skipLibCheck off): the package is
// typed as express-session through a plain require, as the README shows, so that
// one set of types declares req.session; its SessionData augmentation still works.
import express = require('express')
import type expressSession = require('express-session')

const session: typeof expressSession = require('express-session-rs')

declare module 'express-session' {
  interface SessionData {
    views: number
  }
}

const app = express()
app.use(session({ secret: 'keyboard cat', resave: false, saveUninitialized: false, store: new session.MemoryStore() }))

app.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1
  // @ts-expect-error views is a number
  req.session.views = 'x'
  res.send(String(req.session.views))
})

export { app }
