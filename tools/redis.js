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

/** A port of 127.0.0.1 that nothing listens on now. */
exports.freePort = freePort

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
      var s = net.connect(port, '127.0.0.1', function () {
        // (with nothing listening, the kernel may pick the port itself as the
        // source port, and the socket connects to itself: not a server)
        var self = s.localPort === port
        s.destroy()
        resolve(!self)
      })
      s.on('error', function () { resolve(false) })
    })
    if (up && !exited()) {
      return {
        port: port,
        pid: proc.pid,
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

/**
 * Starts a Redis Cluster of `masters` masters with `replicas` replicas each
 * (redis-server --cluster-enabled, joined by redis-cli --cluster create), with a
 * node timeout of `nodeTimeout` ms (how soon a replica replaces a failed
 * master). Resolves once every node reports cluster_state:ok.
 * `{ nodes: [{ port, kill, stop, exited }], stop }`.
 */
exports.startCluster = async function startCluster (options) {
  var opts = options || {}
  var masters = opts.masters || 3
  var replicas = opts.replicas === undefined ? 1 : opts.replicas
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-cluster-'))
  var nodes = []
  try {
    for (var i = 0; i < masters * (1 + replicas); i++) {
      nodes.push(await exports.start({
        args: ['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, 'nodes-' + i + '.conf'),
          '--cluster-node-timeout', String(opts.nodeTimeout || 1000), '--dir', dir,
          // (a replica takes over however long it was apart from its master)
          '--cluster-replica-validity-factor', '0']
      }))
    }
    var create = childProcess.spawnSync('redis-cli', ['--cluster', 'create'].concat(nodes.map(function (n) {
      return '127.0.0.1:' + n.port
    }), ['--cluster-replicas', String(replicas), '--cluster-yes']), { encoding: 'utf8', timeout: 60000 })
    if (create.status !== 0) throw new Error('redis-cli --cluster create: ' + create.stdout + create.stderr)
    for (var deadline = Date.now() + 30000; !nodes.every(clusterOk) || !nodes.every(linked); await sleep(100)) {
      if (Date.now() > deadline) throw new Error('the cluster did not reach cluster_state:ok with its replicas in sync')
    }
  } catch (err) {
    nodes.forEach(function (n) { n.stop() })
    fs.rmSync(dir, { recursive: true, force: true })
    throw err
  }
  return {
    nodes: nodes,
    stop: function () {
      nodes.forEach(function (n) { n.kill('SIGKILL') })
      return Promise.all(nodes.map(function (n) { return n.exited })).then(function () {
        fs.rmSync(dir, { recursive: true, force: true })
      })
    }
  }
}

/** `redis-cli -p port args...`: its output (trimmed), or null when it failed. */
exports.cli = function cli (port, args) {
  var r = childProcess.spawnSync('redis-cli', ['-p', String(port)].concat(args), { encoding: 'utf8', timeout: 60000 })
  return r.status === 0 ? r.stdout.trim() : null
}

// a master, or a replica whose link to its master is up
function linked (node) {
  var info = exports.cli(node.port, ['info', 'replication'])
  return info !== null && (/role:master/.test(info) || /master_link_status:up/.test(info))
}

function clusterOk (node) {
  var info = exports.cli(node.port, ['cluster', 'info'])
  return info !== null && /cluster_state:ok/.test(info)
}

function sleep (ms) {
  return new Promise(function (resolve) { setTimeout(resolve, ms) })
}
