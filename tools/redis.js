// A throwaway redis-server on 127.0.0.1, stopped by its PID: used by the
// connect-redis tests and the HTTP benchmark.

'use strict'

var childProcess = require('child_process')
var net = require('net')

exports.available = function available () {
  return childProcess.spawnSync('redis-server', ['--version']).status === 0
}

function freePort () {
  return new Promise(function (resolve, reject) {
    var srv = net.createServer()
    srv.listen(0, '127.0.0.1', function () {
      var port = srv.address().port
      srv.close(function () { resolve(port) })
    })
    srv.on('error', reject)
  })
}

exports.start = async function start () {
  var port = await freePort()
  var proc = childProcess.spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'
  ], { stdio: 'ignore' })
  for (var i = 0; i < 100; i++) {
    var up = await new Promise(function (resolve) {
      var s = net.connect(port, '127.0.0.1', function () { s.end(); resolve(true) })
      s.on('error', function () { resolve(false) })
    })
    if (up) return { port: port, stop: function () { proc.kill('SIGTERM') } }
    await new Promise(function (resolve) { setTimeout(resolve, 50) })
  }
  proc.kill('SIGKILL')
  throw new Error('redis-server did not start')
}
