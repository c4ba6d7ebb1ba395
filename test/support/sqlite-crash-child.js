// Run by test/sqlite-store.test.js and killed with SIGKILL at a random moment:
// writes sessions to a SqliteStore and prints each write when it starts ("> ")
// and when it is acknowledged.

'use strict'

var SqliteStore = require('../..').SqliteStore

var store = new SqliteStore({ path: process.argv[2] })
var prefix = process.argv[3]

// 32 writers, each owning 10 keys: a key's next write waits for the last one's
// acknowledgement, so at most one write per key is in flight when killed
function writer (w) {
  var versions = {}
  var destroyed = {}
  function next () {
    var k = prefix + '-' + w + '-' + Math.floor(Math.random() * 10)
    if (destroyed[k]) return setImmediate(next)
    if (Math.random() < 0.15 && versions[k]) {
      process.stdout.write('> del ' + k + '\n')
      store.destroy(k, function (err) {
        if (err) throw err
        destroyed[k] = true
        process.stdout.write('del ' + k + '\n')
        next()
      })
      return
    }
    var v = (versions[k] || 0) + 1
    process.stdout.write('> set ' + k + ' ' + v + '\n')
    store.set(k, { cookie: { expires: null }, v: v, pad: 'Ж'.repeat(2000 + v % 50) }, function (err) {
      if (err) throw err
      versions[k] = v
      process.stdout.write('set ' + k + ' ' + v + '\n')
      next()
    })
  }
  next()
}

for (var w = 0; w < 32; w++) writer(w)
