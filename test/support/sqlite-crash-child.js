// Run by test/sqlite-store.test.js and killed with SIGKILL at a random moment:
// writes sessions to a SqliteStore and logs each write when it starts ("> ")
// and when it is acknowledged.
//
// The log is a file written with fs.writeSync: a line is in the file (the page
// cache survives SIGKILL) before the write it announces begins. process.stdout
// would not do: on a pipe whose buffer is full, Node queues the line and the
// process can die with the line unsent and the write it announced committed.

'use strict'

var fs = require('fs')
var SqliteStore = require('../..').SqliteStore

var log = fs.openSync(process.argv[4], 'a')
var store = new SqliteStore({ path: process.argv[2] })
var prefix = process.argv[3]

function print (line) {
  fs.writeSync(log, line + '\n')
}

// 32 writers, each owning 10 keys: a key's next write waits for the last one's
// acknowledgement, so at most one write per key is in flight when killed
function writer (w) {
  var versions = {}
  var destroyed = {}
  function next () {
    var k = prefix + '-' + w + '-' + Math.floor(Math.random() * 10)
    if (destroyed[k]) return setImmediate(next)
    if (Math.random() < 0.15 && versions[k]) {
      print('> del ' + k)
      store.destroy(k, function (err) {
        if (err) throw err
        destroyed[k] = true
        print('del ' + k)
        next()
      })
      return
    }
    var v = (versions[k] || 0) + 1
    print('> set ' + k + ' ' + v)
    store.set(k, { cookie: { expires: null }, v: v, pad: 'Ж'.repeat(2000 + v % 50) }, function (err) {
      if (err) throw err
      versions[k] = v
      print('set ' + k + ' ' + v)
      next()
    })
  }
  next()
}

for (var w = 0; w < 32; w++) writer(w)
