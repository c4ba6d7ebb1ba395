// The app of test/install.test.js's alias install: express-session-rs installed
// as "express-session", so that connect-redis and memorystore build on it.
// Prints what it saw as JSON; argv[2] is the URL of a live redis-server.

'use strict'

var express = require('express')
var session = require('express-session')
var RedisStore = require('connect-redis').RedisStore
var MemoryStore = require('memorystore')(session)
var createClient = require('redis').createClient

async function main () {
  var client = createClient({ url: process.argv[2] })
  await client.connect()
  var store = new RedisStore({ client: client, prefix: 'alias:' })
  var result = {
    ours: typeof session.SqliteStore === 'function',
    storesAreOurs: [store instanceof session.Store, new MemoryStore({ checkPeriod: 0 }) instanceof session.Store],
    flow: [],
    redisKeys: []
  }

  var app = express()
  app.use(session({ secret: 'alias secret', resave: false, saveUninitialized: false, store: store }))
  app.post('/login', async function (req, res) {
    await req.session.regenerate()
    req.session.user = 'alice'
    await req.session.save()
    res.redirect(303, '/me')
  })
  app.get('/me', function (req, res) { res.end(req.session.user || 'anonymous') })
  app.post('/inc', function (req, res) {
    req.session.n = (req.session.n || 0) + 1
    res.end(req.session.user + ' ' + req.session.n)
  })
  app.post('/logout', async function (req, res) {
    await req.session.destroy()
    res.end('bye')
  })

  var server = app.listen(0, '127.0.0.1')
  await new Promise(function (resolve) { server.once('listening', resolve) })
  var base = 'http://127.0.0.1:' + server.address().port
  var cookie = ''
  async function go (method, path) {
    var res = await fetch(base + path, { method: method, redirect: 'manual', headers: cookie ? { cookie: cookie } : {} })
    var set = res.headers.get('set-cookie')
    if (set) cookie = set.split(';')[0]
    var body = await res.text()
    result.flow.push(res.status === 303 ? '303 ' + res.headers.get('location') : body)
  }
  await go('GET', '/me')
  await go('POST', '/login')
  result.redisKeys.push((await client.keys('alias:*')).length)
  await go('GET', '/me')
  await go('POST', '/inc')
  await go('POST', '/inc')
  result.redisKeys.push((await client.keys('alias:*')).length)
  await go('POST', '/logout')
  await go('GET', '/me')
  result.redisKeys.push((await client.keys('alias:*')).length)
  server.close()
  await client.quit()
  process.stdout.write(JSON.stringify(result))
}

main().catch(function (err) {
  console.error(err)
  process.exit(1)
})
