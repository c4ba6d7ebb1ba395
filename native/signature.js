/*!
 * express-session-rs: cookie signing on the native signer, with a signer cache
 * (cookie-signature's sign/unsign, for one secret or an array).
 *
 * Byte-identical to npm cookie-signature: `value + '.' + base64(HMAC-SHA256)`
 * without `=` padding. A Signer prepares its keys once; `unsign` tries every
 * secret and compares in constant time (in Rust).
 */

'use strict'

var crypto = require('crypto')
var native = require('.')
var util = require('util')

exports.Signer = Signer
exports.sign = sign
exports.unsign = unsign
exports.signerFor = signerFor
exports.SecretSigners = SecretSigners

/**
 * Signs with `secrets[0]`, verifies with every secret. A secret is a string (UTF-8),
 * a Buffer, TypedArray or DataView, or a secret KeyObject, as `crypto.createHmac`
 * takes. An invalid secret throws the error `createHmac` would, when
 * cookie-signature would use it (as express-session tries the secrets in turn):
 * `sign` when it is the first, `unsign` when no secret before it verified.
 * With no secrets, `sign` throws and `unsign` gives `false`.
 *
 * @param {Array} secrets
 * @public
 */
function Signer (secrets) {
  // the keys of the secrets before the first invalid one
  var keys = []
  this.error = null
  try {
    // (element by element: a sparse array of length 2^32-1 fails at its first
    // hole, where map would visit every index first)
    for (var i = 0; i < secrets.length; i++) keys.push(toKey(secrets[i]))
  } catch (err) {
    this.error = err
  }
  if (keys.length === 0) return
  var prepared = native.createSigner(keys)
  this._sign = prepared.sign
  this._verify = prepared.verify
}

/**
 * `val + '.' + signature`.
 */
Signer.prototype.sign = function (val) {
  if (!this._sign) throw this.error || new TypeError('Secret key must be provided.')
  return val + '.' + this._sign(val)
}

/**
 * The value before the last dot when the signature is valid, else `false`.
 */
Signer.prototype.unsign = function (input) {
  if (this._verify && this._verify(input)) return input.slice(0, input.lastIndexOf('.'))
  if (this.error) throw this.error
  return false
}

/**
 * The signers of the `secret` option (an array, which express-session keeps by
 * reference, and whose Buffers it reads at each use): `current()` signs with
 * its first secret and verifies with all, rebuilt when the array or the bytes
 * of a secret in it were changed; with `withFirst` and several secrets, `first`
 * verifies with the first alone (else null).
 *
 * @param {Array} secrets
 * @param {Boolean} withFirst
 * @private
 */
function SecretSigners (secrets, withFirst) {
  this.secrets = secrets
  this.withFirst = withFirst
  this.snapshot = null
  // copies of the bytes of the secrets that can change in place (by index),
  // or null when there are none
  this.contents = null
  this.signer = null
  this.first = null
  this.current()
}

SecretSigners.prototype.current = function current () {
  if (!this.signer || !sameSecrets(this.snapshot, this.secrets) ||
      (this.contents !== null && !sameContents(this.contents, this.snapshot))) {
    this.snapshot = this.secrets.slice()
    this.contents = contentsOf(this.snapshot)
    this.signer = new Signer(this.snapshot)
    this.first = this.withFirst && this.snapshot.length > 1 ? new Signer(this.snapshot.slice(0, 1)) : null
  }
  return this.signer
}

// true when `secrets` still holds exactly the secrets of `snapshot`
function sameSecrets (snapshot, secrets) {
  if (snapshot.length !== secrets.length) return false
  for (var i = 0; i < secrets.length; i++) {
    if (snapshot[i] !== secrets[i]) return false
  }
  return true
}

// copies of the bytes of the secrets that can change in place, or null
function contentsOf (secrets) {
  var contents = null
  for (var i = 0; i < secrets.length; i++) {
    var bytes = mutableBytes(secrets[i])
    if (bytes !== null) (contents || (contents = []))[i] = Buffer.from(bytes)
  }
  return contents
}

// true when every secret that can change in place still has its copied bytes
function sameContents (contents, secrets) {
  for (var i = 0; i < contents.length; i++) {
    if (contents[i] !== undefined && !contents[i].equals(mutableBytes(secrets[i]))) return false
  }
  return true
}

// the bytes of a Buffer, TypedArray, DataView or ArrayBuffer secret (a view of
// them, not a copy), else null
function mutableBytes (secret) {
  if (ArrayBuffer.isView(secret)) return Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength)
  if (isArrayBuffer(secret)) return Buffer.from(secret)
  return null
}

function toKey (secret) {
  if (secret == null) throw new TypeError('Secret key must be provided.')
  if (typeof secret === 'string') return Buffer.from(secret, 'utf8')
  if (Buffer.isBuffer(secret)) return secret
  if (ArrayBuffer.isView(secret)) {
    return Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength)
  }
  if (isArrayBuffer(secret)) return Buffer.from(secret)
  if (secret instanceof crypto.KeyObject && secret.type === 'secret') {
    return secret.export()
  }
  if (isCryptoKey(secret) && secret.type === 'secret') {
    return crypto.KeyObject.from(secret).export()
  }
  // Let Node produce the exact error it gives cookie-signature for this key.
  crypto.createHmac('sha256', secret)
  throw new TypeError('Secret key must be a string, Buffer, TypedArray, DataView, ArrayBuffer or secret key.')
}

function isArrayBuffer (value) {
  return value instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer) ||
    util.types.isAnyArrayBuffer(value)
}

function isCryptoKey (value) {
  return typeof CryptoKey === 'function' && value instanceof CryptoKey
}

// Signers for string secrets and arrays of string secrets (cookie-signature's API
// and req.secret), in a trie keyed by each secret in turn: a lookup hashes
// strings the caller already has (their hashes are cached), so it costs a few
// Map reads even for a new array of the same secrets. Bounded by TRIE_MAX nodes.
var trie = new Map()
var trieSize = 0
var TRIE_MAX = 256

/**
 * A Signer for `secret` (one secret or an array), prepared once when every
 * secret is a string.
 *
 * @param {*} secret
 * @return {Signer}
 * @private
 */
function signerFor (secret) {
  var secrets = Array.isArray(secret) ? secret : [secret]
  var level = trie
  var node
  for (var i = 0; i < secrets.length; i++) {
    if (typeof secrets[i] !== 'string') {
      return new Signer(secrets)
    }
    node = level ? level.get(secrets[i]) : undefined
    if (node === undefined) {
      if (trieSize >= TRIE_MAX) {
        trie.clear()
        trieSize = 0
      }
      return insert(secrets)
    }
    level = node.next
  }
  return (node && node.signer) || insert(secrets)
}

/**
 * Adds the path of `secrets` (strings) to the trie; returns its signer.
 *
 * @private
 */
function insert (secrets) {
  var level = trie
  var node
  for (var i = 0; i < secrets.length; i++) {
    node = level.get(secrets[i])
    if (node === undefined) {
      node = { signer: null, next: null }
      level.set(secrets[i], node)
      trieSize++
    }
    level = node.next || (node.next = new Map())
  }
  var signer = new Signer(secrets.slice())
  if (node) node.signer = signer
  return signer
}

/**
 * cookie-signature's `sign(val, secret)`.
 *
 * @param {string} val
 * @param {string|Buffer} secret
 * @public
 */
function sign (val, secret) {
  if (typeof val !== 'string') throw new TypeError('Cookie value must be provided as a string.')
  if (secret == null) throw new TypeError('Secret key must be provided.')
  return signerFor(secret).sign(val)
}

/**
 * cookie-signature's `unsign(val, secret)`, also taking an array of secrets
 * (tried in order).
 *
 * @param {string} input
 * @param {string|Buffer|Array} secrets
 * @public
 */
function unsign (input, secrets) {
  if (typeof input !== 'string') throw new TypeError('Signed cookie string must be provided.')
  if (secrets == null || (Array.isArray(secrets) && secrets.length === 0)) {
    throw new TypeError('Secret key must be provided.')
  }
  return signerFor(secrets).unsign(input)
}
