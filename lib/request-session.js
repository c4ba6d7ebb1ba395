/*!
 * express-session-rs: what the middleware tracks of one request's session
 * (express-session keeps it in the variables of its middleware's closure): the
 * ID and data JSON the session came with, its last save, the save wrapper put
 * on it, and the state of the additions that are on.
 */

'use strict'

var debug = require('debug')('express-session')
var SavedRegenerated = require('./options/fix-regenerate-save')
var SessionJSON = require('./session-json')

module.exports = RequestSession

/**
 * The session of `req`, under the middleware's `settings`: `{ store, Session,
 * Store, lifetime, changes, fixRegenerateSave, follows, clearOnDestroy }` (see
 * index.js).
 *
 * @param {IncomingMessage} req
 * @param {Object} settings
 * @private
 */
function RequestSession (req, settings) {
  this.req = req
  this.settings = settings
  // the session's ID and data JSON as the request began (generated or loaded),
  // and as last saved (when loaded: as stored, unless the middleware resaves)
  this.originalId = undefined
  this.originalJSON = undefined
  this.savedId = undefined
  this.savedJSON = undefined
  // the serializations of the session's data (lib/session-json.js)
  this.data = new SessionJSON()
  // the save wrapper of the current session, and the method it wraps
  this.wrappedSave = null
  this.wrappedSaveTarget = null
  // the additions' state (unchanged while their options are off)
  this.baseline = null // saveChangedFields: the fields as read from the store
  this.destroyed = null // clearCookieOnDestroy: the cookie of the destroyed session
  this.loadFailed = false // fixLoadErrorDestroy: store.get failed
  this.resign = false // resignOldSecrets: the ID verified only with an older secret
  this.stamp = false // absoluteTimeout: the session's lifetime started now: save it
  // fixRegenerateSave: the last save of a session that regenerate() made
  this.regenerated = settings.fixRegenerateSave ? new SavedRegenerated() : null
}

/**
 * A session just read from the store (loaded or reloaded): the additions'
 * view of it.
 *
 * @param {Session} sess
 * @private
 */
RequestSession.prototype.loaded = function loaded (sess) {
  var settings = this.settings
  if (settings.changes) {
    this.baseline = settings.changes.baseline(sess)
  }

  if (settings.lifetime && settings.lifetime.loaded(sess)) {
    this.stamp = true
  }
}

/**
 * Records what a save of `sess` is about to write.
 *
 * @param {Session} sess
 * @private
 */
RequestSession.prototype.markSaved = function markSaved (sess) {
  debug('saving %s', sess.id)
  if (this.stamp) this.stamp = false
  this.savedJSON = this.data.of(sess, this.originalJSON)
  this.savedId = sess.id
  if (this.regenerated) this.regenerated.saving(sess, this.originalId)
  this.data.forget()
}

/**
 * Whether `sess` was modified since the request began.
 *
 * @param {Session} sess
 * @return {Boolean}
 * @private
 */
RequestSession.prototype.isModified = function isModified (sess) {
  return this.originalId !== sess.id || this.originalJSON !== this.data.of(sess, this.originalJSON)
}

/**
 * Whether `sess` is as it was last saved.
 *
 * @param {Session} sess
 * @return {Boolean}
 * @private
 */
RequestSession.prototype.isSaved = function isSaved (sess) {
  // express-session compares with the original id, so a session saved after
  // regenerate() is saved again at the end (fixRegenerateSave compares with the
  // id that was saved, and saves a change of its cookie since)
  if (this.regenerated) {
    return this.savedId === sess.id && this.savedJSON === this.data.of(sess, this.originalJSON) &&
      this.regenerated.unchanged(sess, this.originalId)
  }
  return this.originalId === sess.id && this.savedJSON === this.data.of(sess, this.originalJSON)
}

/**
 * True when `save` is Session#save writing `sess` to the middleware's store (so
 * that the middleware may do that work itself).
 *
 * @param {Function} save
 * @param {Session} sess
 * @return {Boolean}
 * @private
 */
RequestSession.prototype.savesToStore = function savesToStore (save, sess) {
  var settings = this.settings
  return save === settings.Session.prototype.save && sess.req && sess.req.sessionStore === settings.store
}
