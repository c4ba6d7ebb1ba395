/*!
 * express-session-rs: the saveChangedFields option: which top-level fields of a
 * session a request changed or deleted, as JSON, so that a native store writes
 * only those into the stored session (lost updates between concurrent requests
 * of one user).
 */

'use strict'

var json = require('./json')

exports.snapshot = snapshot
exports.changes = changes

/**
 * The JSON of each top-level field of `sess` but `cookie` (fields whose value
 * JSON.stringify omits, such as undefined or a function, are absent).
 *
 * @param {Object} sess
 * @return {Object} field name -> JSON text
 * @private
 */
function snapshot (sess) {
  var fields = Object.create(null)
  var keys = Object.keys(sess)
  for (var i = 0; i < keys.length; i++) {
    var key = keys[i]
    if (key === 'cookie') continue
    var text = JSON.stringify(sess[key])
    if (text !== undefined) fields[key] = text
  }
  return fields
}

/**
 * What a save of `sess` writes, against `before` (a snapshot): `sets`
 * (`[key, json, ...]`, the cookie first, then each field whose JSON is new or
 * differs) and `deletes` (`[key, ...]`, the fields of `before` that are gone),
 * keys as JSON.stringify escapes them; and `after`, the snapshot now.
 *
 * @param {Object} before
 * @param {Object} sess
 * @return {{ sets: String[], deletes: String[], after: Object }}
 * @private
 */
function changes (before, sess) {
  var after = snapshot(sess)
  var sets = []
  var deletes = []
  var cookie = json.cookieJSON(sess.cookie)
  if (cookie === undefined) {
    deletes.push('cookie')
  } else {
    sets.push('cookie', cookie)
  }
  for (var key in after) {
    if (after[key] !== before[key]) sets.push(escape(key), after[key])
  }
  for (key in before) {
    if (!(key in after)) deletes.push(escape(key))
  }
  return { sets: sets, deletes: deletes, after: after }
}

// a key as it appears between the quotes of JSON.stringify's output
function escape (key) {
  var quoted = JSON.stringify(key)
  return quoted.slice(1, quoted.length - 1)
}
