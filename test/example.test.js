// `npm start`'s example app: counter, login (regenerate), logout (destroy).

'use strict'

var assert = require('assert')
var test = require('node:test')
var request = require('supertest')

test('example app round trip', async function () {
  process.env.PORT = '0'
  var server = require('../examples/app')
  try {
    await new Promise(function (resolve) { server.listening ? resolve() : server.once('listening', resolve) })
    var agent = request.agent(server)
    var first = await agent.get('/')
    assert.strictEqual(first.text, 'Not logged in; visits: 1\n')
    assert.match(first.headers['set-cookie'][0], /^connect\.sid=s%3A[A-Za-z0-9_-]{32}\.[A-Za-z0-9%]+; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/)
    assert.strictEqual((await agent.get('/')).text, 'Not logged in; visits: 2\n')
    var login = await agent.post('/login?name=alice')
    assert.notStrictEqual(login.headers['set-cookie'][0].split(';')[0], first.headers['set-cookie'][0].split(';')[0], 'a new session ID on login')
    assert.strictEqual((await agent.get('/')).text, 'Hello alice; visits: 1\n')
    assert.strictEqual((await agent.post('/logout')).text, 'Logged out\n')
    assert.strictEqual((await agent.get('/')).text, 'Not logged in; visits: 1\n')
  } finally {
    server.close()
  }
})
