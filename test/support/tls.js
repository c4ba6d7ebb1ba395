// A self-signed certificate for 127.0.0.1, made once per test run with openssl.

'use strict'

var childProcess = require('child_process')
var fs = require('fs')
var os = require('os')
var path = require('path')

var cached

exports.credentials = function credentials () {
  if (cached) return cached
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'express-session-rs-tls-'))
  var key = path.join(dir, 'key.pem')
  var cert = path.join(dir, 'cert.pem')
  childProcess.execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=127.0.0.1'
  ], { stdio: 'ignore' })
  cached = { key: fs.readFileSync(key), cert: fs.readFileSync(cert) }
  fs.rmSync(dir, { recursive: true, force: true })
  return cached
}
