/*!
 * express-session-rs: a request's serializations of its session's data (what
 * isModified and isSaved compare, lib/json.js's dataJSON): memoized while
 * res.end decides what to do (no app code runs in between), and the error of a
 * session that JSON cannot serialize told apart from any other.
 */

'use strict'

var debug = require('debug')('express-session')
var json = require('./json')

module.exports = SessionJSON

var defer = setImmediate

// (memoSess while memoizing, before the first serialization)
var ON = {}

/**
 * @private
 */
function SessionJSON () {
  this.memoSess = null
  this.memoJSON = undefined
  this.error = null
  this.reported = false
}

/**
 * The data JSON of `sess` (`previous`, an earlier one of the request, tells a
 * large session); an error of JSON.stringify is remembered and thrown.
 *
 * @param {Object} sess
 * @param {String} [previous]
 * @return {String}
 * @private
 */
SessionJSON.prototype.of = function of (sess, previous) {
  if (this.memoSess === sess) {
    return this.memoJSON
  }

  var text
  try {
    text = json.dataJSON(sess, previous !== undefined && json.isLarge(previous))
  } catch (err) {
    this.error = err
    throw err
  }

  if (this.memoSess !== null) {
    this.memoSess = sess
    this.memoJSON = text
  }

  return text
}

/**
 * Memoizes from now until `forget`.
 *
 * @private
 */
SessionJSON.prototype.memoize = function memoize () {
  this.memoSess = ON
}

/**
 * Memoizes `text` as the data JSON of `sess` (just computed) until `forget`.
 *
 * @private
 */
SessionJSON.prototype.keep = function keep (sess, text) {
  this.memoSess = sess
  this.memoJSON = text
}

SessionJSON.prototype.forget = function forget () {
  this.memoSess = null
  this.memoJSON = undefined
}

/**
 * For `err` caught around a serialization: a session whose JSON cannot be
 * written (a BigInt, a cycle, a throwing toJSON or getter) passes its error to
 * `next` once, as a failed save does; any other error is thrown on.
 *
 * @param {*} err
 * @param {Function} next
 * @private
 */
SessionJSON.prototype.failed = function failed (err, next) {
  if (err !== this.error) throw err
  if (this.reported) return
  this.reported = true
  debug('session cannot be serialized: %s', err && err.message)
  defer(next, err)
}
