// An app that keeps @types/express-session in the program with skipLibCheck on:
// express-session-rs is imported before anything that imports express-session's
// types, so its declaration of req.session is the one in effect (the README's
// third TypeScript option); another module may still use express-session's types.
import session = require('express-session-rs')
import express = require('express')
import type { CookieOptions } from 'express-session'

declare module 'express-session-rs' {
  interface SessionData {
    user: string
  }
}

const cookie: CookieOptions = { maxAge: 60000 }
const store = new session.MemoryStore({ max: 1000 })
const app = express()
app.use(session({ secret: 'keyboard cat', resave: false, saveUninitialized: false, store, cookie, dictionaryMode: false }))

app.post('/login', async (req, res) => {
  await req.session.regenerate()
  req.session.user = 'alice'
  const saved: Promise<void> = req.session.save()
  await saved
  // @ts-expect-error user is a string
  req.session.user = 42
  res.end(req.session.user)
})

// @ts-expect-error not an unset value
session({ secret: 's', unset: 'sometimes' })

export = app
