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

/**
 * A CA, a server certificate for 127.0.0.1 (subjectAltName IP) and a client
 * certificate signed by it, and another CA that signed nothing of these: PEM
 * files in `dir` (EC P-256 keys, one day), for TLS servers that verifying
 * clients accept.
 * `{ ca, serverCert, serverKey, clientCert, clientKey, otherCa }`: file paths.
 */
exports.authority = function authority (dir) {
  var file = function (name) { return path.join(dir, name) }
  var openssl = function (args) { childProcess.execFileSync('openssl', args, { stdio: 'ignore' }) }
  var key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  ;['ca', 'other-ca'].forEach(function (ca) {
    openssl(['req', '-x509'].concat(key, ['-keyout', file(ca + '.key'), '-out', file(ca + '.pem'), '-days', '1', '-subj', '/CN=express-session-rs test ' + ca]))
  })
  fs.writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1\n')
  fs.writeFileSync(file('client.ext'), 'extendedKeyUsage=clientAuth\n')
  ;['server', 'client'].forEach(function (name) {
    openssl(['req'].concat(key, ['-keyout', file(name + '.key'), '-out', file(name + '.csr'), '-subj', '/CN=' + (name === 'server' ? '127.0.0.1' : 'app')]))
    openssl(['x509', '-req', '-in', file(name + '.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
      '-out', file(name + '.pem'), '-days', '1', '-extfile', file(name + '.ext')])
  })
  return {
    ca: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
    otherCa: file('other-ca.pem')
  }
}
