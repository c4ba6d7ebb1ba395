// A throwaway redis-server on 127.0.0.1, stopped by its PID: used by the
// connect-redis tests and the HTTP benchmark.

'use strict'

var childProcess = require('child_process')
var fs = require('fs')
var net = require('net')
var os = require('os')
var path = require('path')

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

/**
 * Starts a redis-server; `options.appendfsync` ('everysec', 'always') turns on
 * its append-only file (in a temporary folder removed by `stop`), and
 * `options.core` pins it to that CPU core, `options.port` takes that port (a
 * restart on the port of a stopped server) and `options.args` are more
 * arguments for redis-server (`['--requirepass', 'secret']`).
 */
exports.start = async function start (options) {
  // (a port found free can be taken before redis-server binds it: it then
  // exits, and the next attempt takes another port)
  for (var attempt = 0; attempt < 3; attempt++) {
    var server = await startOn((options && options.port) || await freePort(), options)
    if (server) return server
  }
  throw new Error('redis-server did not start')
}

// a started server on `port`, or null if redis-server exited first
async function startOn (port, options) {
  var args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '']
  var dir = null
  if (options && options.appendfsync) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-redis-'))
    args.push('--dir', dir, '--appendonly', 'yes', '--appendfsync', options.appendfsync)
  } else {
    args.push('--appendonly', 'no')
  }
  if (options && options.args) args = args.concat(options.args)
  var argv = ['redis-server'].concat(args)
  if (options && options.core !== undefined && childProcess.spawnSync('sh', ['-c', 'command -v taskset']).status === 0) {
    argv = ['taskset', '-c', String(options.core)].concat(argv)
  }
  var proc = childProcess.spawn(argv[0], argv.slice(1), { stdio: 'ignore' })
  proc.once('exit', function () {
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
  })
  var exited = function () { return proc.exitCode !== null || proc.signalCode !== null }
  for (var deadline = Date.now() + 15000; !exited() && Date.now() < deadline;) {
    var up = await new Promise(function (resolve) {
      var s = net.connect(port, '127.0.0.1', function () { s.end(); resolve(true) })
      s.on('error', function () { resolve(false) })
    })
    if (up && !exited()) {
      return {
        port: port,
        // (`signal`: SIGKILL for a crash, SIGSTOP and SIGCONT for a server that
        // stops answering)
        kill: function (signal) { proc.kill(signal) },
        exited: new Promise(function (resolve) {
          if (exited()) resolve()
          else proc.once('exit', function () { resolve() })
        }),
        stop: function () { proc.kill('SIGTERM') }
      }
    }
    await new Promise(function (resolve) { setTimeout(resolve, 50) })
  }
  if (exited()) return null
  proc.kill('SIGKILL')
  throw new Error('redis-server did not start')
}
