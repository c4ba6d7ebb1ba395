// `npm start`'s demo app over HTTP: login (regenerate), visits, cart, logout, on
// the durable store.

'use strict'

var assert = require('assert')
var fs = require('fs')
var os = require('os')
var path = require('path')
var test = require('node:test')
var request = require('supertest')

test('demo app round trip', async function () {
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-demo-'))
  process.env.PORT = '0'
  process.env.SESSIONS_DB = path.join(dir, 'sessions.db')
  var server = require('../examples/app')
  try {
    await new Promise(function (resolve) { server.listening ? resolve() : server.once('listening', resolve) })
    var agent = request.agent(server)
    var first = await agent.get('/')
    assert.match(first.text, /<p id="who">Not logged in<\/p>/)
    assert.match(first.text, /Visits: 1</)
    assert.match(first.headers['set-cookie'][0], /^connect\.sid=s%3A[A-Za-z0-9_-]{32}\.[A-Za-z0-9%]+; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/)
    var add = await agent.post('/cart/add').type('form').send({ item: 'pear' })
    assert.strictEqual(add.status, 303)
    await agent.post('/cart/add').type('form').send({ item: 'not for sale' })
    var login = await agent.post('/login').type('form').send({ name: '<alice>' })
    assert.strictEqual(login.status, 303)
    assert.notStrictEqual(login.headers['set-cookie'][0].split(';')[0], first.headers['set-cookie'][0].split(';')[0], 'a new session ID on login')
    var page = (await agent.get('/')).text
    assert.match(page, /Logged in as <b>&lt;alice&gt;<\/b>/)
    assert.match(page, /<span id="count">1<\/span>/)
    assert.match(page, /<li>pear /)
    await agent.post('/cart/remove').type('form').send({ index: '0' })
    assert.match((await agent.get('/')).text, /<span id="count">0<\/span>/)
    assert.strictEqual((await agent.post('/logout')).status, 303)
    assert.match((await agent.get('/')).text, /Not logged in/)
  } finally {
    server.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
