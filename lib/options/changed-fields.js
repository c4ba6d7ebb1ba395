/*!
 * express-session-rs: the saveChangedFields option: which top-level fields of a
 * session a request changed or deleted, as JSON, so that a native store writes
 * only those into the stored session (lost updates between concurrent requests
 * of one user).
 */

'use strict'

var debug = require('debug')('express-session')
var fastPath = require('../fast-path')
var json = require('../json')

exports.create = create
exports.snapshot = snapshot
exports.changes = changes

var defer = setImmediate

/**
 * The option's handler for `store`: null when off, else `{ baseline, applies,
 * save }`; a TypeError when the store cannot merge (only our native stores can).
 *
 * A baseline (`{ id, before }`) is the JSON of each field of a session as it was
 * read from the store (or as this request last wrote it).
 *
 * @param {*} option
 * @param {Store} store
 * @return {Object|null}
 * @private
 */
function create (option, store) {
  if (!option) {
    return null
  }

  if (!fastPath.mergeOf(store)) {
    throw new TypeError('saveChangedFields option needs a MemoryStore, SqliteStore or RedisStore of express-session-rs as store, with its own set method')
  }

  return {
    /**
     * The baseline of a session just read from the store.
     */
    baseline: function baseline (sess) {
      return { id: sess.id, before: snapshot(sess) }
    },

    /**
     * True when a save of `sess` writes only its changed fields: a loaded
     * session under its own ID, without a toJSON of its own, into a store that
     * still merges (the caller checks that the save is Session#save into it).
     */
    applies: function applies (baseline, sess) {
      return baseline !== null && sess.id === baseline.id && typeof sess.toJSON !== 'function' &&
        fastPath.mergeOf(store) !== undefined
    },

    /**
     * Writes the changed fields of `sess` (`dataJSON` its data JSON), then
     * `done(err)`: at once with a synchronous store unless `later` (as
     * req.session.save() calls back, on a later turn), else once written. What
     * was written becomes the baseline; after a failed write the changes stay
     * to be written.
     */
    save: function save (baseline, sess, dataJSON, later, done) {
      var merge = fastPath.mergeOf(store)
      var change = changes(baseline.before, sess)
      debug('saving %d changed and %d deleted fields of %s', change.sets.length / 2 - 1, change.deletes.length, sess.id)
      var callback = later && merge.sync ? function (err) { defer(done, err) } : done
      merge.run.call(store, sess.id, sess, dataJSON, change.sets, change.deletes, function (err) {
        if (!err && baseline.id === sess.id) baseline.before = change.after
        callback.apply(this, arguments)
      })
    }
  }
}

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
