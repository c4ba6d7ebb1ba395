// A typed Express 4 app (@types/express 4) without @types/express-session:
// SessionData augmentation, callbacks and promises; compiled by `tsc --strict`.
import express = require('express')
import session = require('express-session-rs')

declare module 'express-session-rs' {
  interface SessionData {
    cart: string[]
  }
}

const app = express()
app.use(session({
  secret: 'keyboard cat',
  key: 'legacy.sid',
  resave: false,
  saveUninitialized: false,
  cookie: { maxAge: 60000, sameSite: 'strict', secure: false, domain: 'example.com', expires: new Date() }
}))

app.post('/cart/:item', (req, res, next) => {
  const cart: string[] = req.session.cart ?? []
  cart.push(req.params.item)
  req.session.cart = cart
  req.session.save((err) => (err ? next(err) : res.json(cart)))
})

app.post('/login', (req, res, next) => {
  req.session.regenerate((err) => {
    if (err) return next(err)
    req.session.touch().resetMaxAge()
    res.send(req.sessionID)
  })
})

app.post('/logout', async (req, res) => {
  await req.session.destroy()
  res.end()
})

// @ts-expect-error cart holds strings
app.get('/bad', (req) => { req.session.cart = [1] })

const store: session.Store = new session.MemoryStore()

export { store }
