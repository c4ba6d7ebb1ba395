// owner: the sessions of one user, listed and ended together ("log out
// everywhere", one session per user), from the store's index of owners.

'use strict'

var assert = require('assert')
var express = require('express')
var request = require('supertest')
var test = require('node:test')
var original = require('express-session')
var session = require('../..')

// an app whose users log in as /login/:user (in a new session, as apps should)
// and read /me; `options` go to session()
function app (store, options) {
  var a = express()
  a.use(session(Object.assign({ secret: 'owners', resave: false, saveUninitialized: false, store: store, owner: 'userId', cookie: { maxAge: 60000 } }, options)))
  a.post('/login/:user', function (req, res, next) {
    req.session.regenerate(function (err) {
      if (err) return next(err)
      req.session.userId = /^\d+$/.test(req.params.user) ? Number(req.params.user) : req.params.user
      req.session.agent = req.get('user-agent')
      res.end(req.sessionID)
    })
  })
  a.post('/logout', function (req, res) { delete req.session.userId; res.end('bye') })
  a.post('/end', function (req, res) { req.session.destroy(function () { res.end('ended') }) })
  a.get('/me', function (req, res) { res.end(String(req.session.userId)) })
  a.errors = []
  a.use(function (err, req, res, next) {
    a.errors.push(err)
    if (!res.headersSent) res.status(500).end(err.message)
  })
  return a
}

// logs in as `user`: { jar, id }
async function login (a, user, jar) {
  var r = request(a).post('/login/' + user)
  if (jar) r.set('Cookie', jar)
  var res = await r.expect(200)
  return { jar: res.headers['set-cookie'][0].split(';')[0], id: res.text }
}

async function me (a, who) {
  return (await request(a).get('/me').set('Cookie', who.jar).expect(200)).text
}

async function ids (store, owner) {
  return Object.keys(await store.sessionsOf(owner)).sort()
}

test('three devices of one user and one of another: sessionsOf lists the three; destroyOwner except the first ends two, whose next requests have no user', async function () {
  var store = new session.MemoryStore()
  var a = app(store)
  var ann = [await login(a, 'ann'), await login(a, 'ann'), await login(a, 'ann')]
  var bob = await login(a, 'bob')
  assert.deepStrictEqual(await ids(store, 'ann'), ann.map(function (s) { return s.id }).sort())
  assert.deepStrictEqual(await ids(store, 'bob'), [bob.id])
  var listed = await store.sessionsOf('ann')
  assert.strictEqual(listed[ann[1].id].userId, 'ann')
  assert.strictEqual(typeof listed[ann[1].id].cookie.expires, 'string')
  assert.strictEqual(Object.getPrototypeOf(listed), null) // (as all())

  assert.strictEqual(await store.destroyOwner('ann', { except: ann[0].id }), 2)
  assert.strictEqual(await me(a, ann[0]), 'ann')
  assert.strictEqual(await me(a, ann[1]), 'undefined')
  assert.strictEqual(await me(a, ann[2]), 'undefined')
  assert.strictEqual(await me(a, bob), 'bob')
  assert.deepStrictEqual(await ids(store, 'ann'), [ann[0].id])
  assert.strictEqual(await store.destroyOwner('ann'), 1)
  assert.strictEqual(await me(a, ann[0]), 'undefined')
  assert.deepStrictEqual(await ids(store, 'ann'), [])
  assert.deepStrictEqual(await ids(store, 'bob'), [bob.id])
})

test('the index follows the session: a login as another user moves it, logout and destroy remove it, regenerate moves the entry to the new ID, expiry and clear() remove it', async function () {
  var store = new session.MemoryStore()
  var a = app(store)
  var s = await login(a, 'ann')
  var again = await login(a, 'bob', s.jar) // (the same browser: regenerate)
  assert.notStrictEqual(again.id, s.id)
  assert.deepStrictEqual(await ids(store, 'ann'), [])
  assert.deepStrictEqual(await ids(store, 'bob'), [again.id])
  await request(a).post('/logout').set('Cookie', again.jar).expect(200)
  assert.deepStrictEqual(await ids(store, 'bob'), [])
  assert.ok(await store.get(again.id), 'the session itself stays')

  var t = await login(a, 'ann')
  await request(a).post('/end').set('Cookie', t.jar).expect(200)
  assert.deepStrictEqual(await ids(store, 'ann'), [])

  var short = app(store, { cookie: { maxAge: 50 } })
  await login(short, 'cat')
  assert.strictEqual((await ids(store, 'cat')).length, 1)
  await new Promise(function (resolve) { setTimeout(resolve, 80) })
  assert.deepStrictEqual(await ids(store, 'cat'), [], 'an expired session is never listed')
  assert.strictEqual(await store.destroyOwner('cat'), 0, 'nor counted')

  await login(a, 'dan')
  await store.clear()
  assert.deepStrictEqual(await ids(store, 'dan'), [])
})

test('owner as a function; numbers and their text are one owner; a function that throws: its error goes to next(err) (after the response, as a failed save) and nothing is stored', async function () {
  var store = new session.MemoryStore()
  var a = app(store, {
    owner: function (sess) {
      if (sess.userId === 'boom') throw new Error('no owner for boom')
      return sess.userId
    }
  })
  var s = await login(a, '42')
  assert.strictEqual(await me(a, s), '42')
  assert.deepStrictEqual(await ids(store, 42), [s.id])
  assert.deepStrictEqual(await ids(store, '42'), [s.id])
  var before = await store.length()
  await request(a).post('/login/boom').expect(200)
  await new Promise(setImmediate)
  assert.deepStrictEqual(a.errors.map(function (e) { return e.message }), ['no owner for boom'])
  assert.strictEqual(await store.length(), before)
})

test('a session stored before the option was on gets its owner when it is next touched or saved', async function () {
  var store = new session.MemoryStore()
  var s = await login(app(store, { owner: undefined }), 'ann')
  assert.deepStrictEqual(await ids(store, 'ann'), [])
  var withOwners = app(store)
  assert.strictEqual(await me(withOwners, s), 'ann') // (read-only: a touch)
  assert.deepStrictEqual(await ids(store, 'ann'), [s.id])
})

test('saveChangedFields: the owner is recorded as fields are merged', async function () {
  var store = new session.MemoryStore()
  var a = app(store, { saveChangedFields: true })
  var s = await login(a, 'ann')
  assert.deepStrictEqual(await ids(store, 'ann'), [s.id])
  await login(a, 'bob', s.jar)
  assert.deepStrictEqual(await ids(store, 'ann'), [])
})

test('eviction by max removes the evicted from the index', async function () {
  var store = new session.MemoryStore({ max: 3 })
  var a = app(store)
  for (var i = 0; i < 10; i++) await login(a, 'ann')
  assert.strictEqual((await ids(store, 'ann')).length, 3)
})

test('one session per user: the recipe of the README ends the others at login', async function () {
  var store = new session.MemoryStore()
  var a = express()
  a.use(session({ secret: 'owners', resave: false, saveUninitialized: false, store: store, owner: 'userId' }))
  a.post('/login/:user', function (req, res, next) {
    req.session.regenerate(function (err) {
      if (err) return next(err)
      req.session.userId = req.params.user
      req.session.save(function (err) {
        if (err) return next(err)
        req.sessionStore.destroyOwner(req.session.userId, { except: req.sessionID }, function (err) {
          if (err) return next(err)
          res.end(req.sessionID)
        })
      })
    })
  })
  a.get('/me', function (req, res) { res.end(String(req.session.userId)) })
  var first = await login(a, 'ann')
  var second = await login(a, 'ann')
  assert.strictEqual(await me(a, first), 'undefined')
  assert.strictEqual(await me(a, second), 'ann')
  assert.deepStrictEqual(await ids(store, 'ann'), [second.id])
})

test('the option is checked at session(): a field name or a function, and a store that keeps owners', function () {
  var store = new session.MemoryStore()
  ;[5, '', {}, true].forEach(function (owner) {
    assert.throws(function () { session({ secret: 's', resave: false, saveUninitialized: false, store: store, owner: owner }) },
      { name: 'TypeError', message: 'owner option must be the name of a session field or a function (session) => owner' })
  })
  ;[null, undefined].forEach(function (owner) {
    session({ secret: 's', resave: false, saveUninitialized: false, store: new original.MemoryStore(), owner: owner })
  })
  assert.throws(function () { session({ secret: 's', resave: false, saveUninitialized: false, store: new original.MemoryStore(), owner: 'userId' }) },
    { name: 'TypeError', message: /owner option needs a store with sessionsOf and destroyOwner/ })
  session({ secret: 's', resave: false, saveUninitialized: false, store: store, owner: 'userId' })
  session({ secret: 't', resave: false, saveUninitialized: false, store: store, owner: 'userId' }) // (the same: fine)
  assert.throws(function () { session({ secret: 's', resave: false, saveUninitialized: false, store: store, owner: 'accountId' }) },
    { name: 'TypeError', message: 'owner option: this store already has another owner option (one store, one owner)' })
  // (the default store is a MemoryStore: it keeps owners)
  session({ secret: 's', resave: false, saveUninitialized: false, owner: 'userId' })
})

test('sessionsOf and destroyOwner: callbacks or promises, and their arguments checked', async function () {
  var store = new session.MemoryStore()
  session({ secret: 's', resave: false, saveUninitialized: false, store: store, owner: 'u' })
  await store.set('a\ud800', { cookie: { expires: null }, u: 'é\ud800' })
  await store.set('b', { cookie: { expires: null }, u: 'é\ud800' })
  await store.set('c', { cookie: { expires: null }, u: 'é\udc00' }) // (another owner: lone surrogates stay distinct)
  var listed = await new Promise(function (resolve, reject) {
    store.sessionsOf('é\ud800', function (err, sessions) { return err ? reject(err) : resolve(sessions) })
  })
  assert.deepStrictEqual(Object.keys(listed), ['a\ud800', 'b'])
  var n = await new Promise(function (resolve, reject) {
    store.destroyOwner('é\ud800', function (err, count) { return err ? reject(err) : resolve(count) })
  })
  assert.strictEqual(n, 2)
  assert.deepStrictEqual(await ids(store, 'é\udc00'), ['c'])
  assert.strictEqual(await store.destroyOwner('é\udc00', { except: ['x', 'c'] }), 0)
  for (var bad of [undefined, null, '', {}, NaN, Infinity]) {
    await assert.rejects(store.sessionsOf(bad), { name: 'TypeError', message: 'owner must be a non-empty string or a number' })
    await assert.rejects(store.destroyOwner(bad), { name: 'TypeError' })
  }
  await assert.rejects(store.destroyOwner('x', { except: 5 }), { name: 'TypeError', message: 'destroyOwner except must be a session ID or an array of them' })
  await assert.rejects(store.destroyOwner('x', 'c'), { name: 'TypeError', message: 'destroyOwner options must be an object: { except }' })
  var called = false
  store.sessionsOf('x', function () { called = true })
  assert.strictEqual(called, false, 'calls back on a later turn, as the other methods')
})
