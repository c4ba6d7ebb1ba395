/*!
 * express-session-rs: the wrappers that the middleware puts on a request's
 * session: express-session's reload and save wrappers, which follow the
 * session for the additions (the creation time and baseline of a reloaded
 * session, saveChangedFields' merge), and those express-session does not have:
 * the promise forms for a session made by a store's own createSession, the new
 * session wrapped again after regenerate (fixRegenerateSave, or in part for an
 * addition), and a hook before destroy (clearCookieOnDestroy).
 */

'use strict'

var callWith = require('./promise').callWith
var debug = require('debug')('express-session')
var defineHidden = require('./hidden')
var defineOverridable = defineHidden.overridable
var regenerateArgs = require('./regenerate')

module.exports = wrapmethods

/**
 * Wraps the methods of `sess`, the session of the request that `rs` tracks
 * (lib/request-session.js). With `part`, a session that express-session leaves
 * unwrapped (the one regenerate() made, and those reloaded from it): its save
 * stays as it is (so that the end of the request saves it again), and the rest
 * is wrapped only for what the additions follow.
 *
 * @param {RequestSession} rs
 * @param {Session} sess
 * @param {Boolean} [part]
 * @private
 */
function wrapmethods (rs, sess, part) {
  var settings = rs.settings
  var lifetime = settings.lifetime
  var changes = settings.changes
  var store = settings.store
  var _reload = sess.reload
  var _save = sess.save
  // a session made by a store's own createSession (a store built on the
  // original express-session's Store): its methods want a callback and return
  // no Promise; the wrappers give them both
  var foreign = !(sess instanceof settings.Session)

  function reload (callback) {
    debug('reloading %s', this.id)
    var promise = callRewrapping(rs, this, lifetime || changes ? reloadThenLoaded : _reload, callback, part)
    // (with a callback nothing, as express-session's wrapper returns; the
    // session, as Session#reload returns, for one it leaves unwrapped)
    if (typeof callback !== 'function' || part) return promise
  }

  function reloadThenLoaded (done) {
    _reload.call(this, function (err) {
      if (!err && rs.req.session) rs.loaded(rs.req.session)
      done.apply(this, arguments)
    })
  }

  function save () {
    if (lifetime) lifetime.restamp(this)
    rs.markSaved(this)
    var promise
    if (foreign) {
      promise = callWith(this, _save, arguments[0])
    } else if (changes && rs.savesToStore(_save, this) && changes.applies(rs.baseline, this)) {
      var sess = this
      promise = callWith(this, function (done) {
        changes.save(rs.baseline, sess, rs.savedJSON, true, done)
      }, arguments[0])
    } else {
      promise = _save.apply(this, arguments)
    }
    // (with a callback nothing, as express-session's wrapper returns)
    if (typeof arguments[0] !== 'function') return promise
  }

  // (express-session's own wrappers, on the session it wraps; the others can
  // be replaced by a field of the same name, as its methods can)
  if (!part) {
    defineHidden(sess, 'reload', reload)
    defineHidden(sess, 'save', save)
    rs.wrappedSave = save
    rs.wrappedSaveTarget = _save
  } else {
    defineOverridable(sess, 'reload', reload)
    if (foreign) {
      defineOverridable(sess, 'save', function save (callback) {
        return callWith(this, _save, callback)
      })
    }
  }

  // fixRegenerateSave: wrap the regenerated session too, so that a save() in
  // the regenerate callback is not followed by a second save at the end; else
  // wrap it in part, with an addition that follows the session, or a store
  // whose createSession makes sessions of its own (which a reload of it gives,
  // and which want the promise forms)
  var regenerating = null
  if (settings.fixRegenerateSave || settings.follows || store.createSession !== settings.Store.prototype.createSession) {
    var rewrapPart = !settings.fixRegenerateSave
    regenerating = function (s, method, callback) {
      return callRewrapping(rs, s, method, callback, rewrapPart)
    }
  }

  // clearCookieOnDestroy: note the destroyed session's cookie
  var ondestroy = settings.clearOnDestroy
    ? function (s) { rs.destroyed = s.cookie }
    : null

  wrapOthers(sess, foreign, regenerating, ondestroy)
}

/**
 * Calls `method(callback)` on `sess`, wrapping the new `req.session` (in part
 * with `part`) before the callback runs if the method replaced it; a Promise
 * when no callback is given.
 *
 * @param {RequestSession} rs
 * @param {Session} sess
 * @param {Function} method
 * @param {Function} [callback]
 * @param {Boolean} part
 * @return {Promise|Session}
 * @private
 */
function callRewrapping (rs, sess, method, callback, part) {
  return callWith(sess, function (done) {
    method.call(sess, function () {
      if (rs.req.session !== sess) {
        wrapmethods(rs, rs.req.session, part)
      }

      done.apply(this, arguments)
    })
  }, callback)
}

/**
 * Wraps `sess.regenerate` when `foreign` (a session of a store's own
 * createSession, whose methods want a callback and return no Promise) or with
 * `rewrapping` (`rewrapping(sess, method, callback)`, which calls the method and
 * wraps the new req.session before the callback); and `sess.destroy` when
 * `foreign` or with `ondestroy(sess)`, called first. Both also take the
 * regenerate({ keep }) and promise forms (lib/regenerate.js, lib/promise.js).
 *
 * @param {Session} sess
 * @param {Boolean} foreign
 * @param {Function|null} rewrapping
 * @param {Function|null} ondestroy
 * @private
 */
function wrapOthers (sess, foreign, rewrapping, ondestroy) {
  var _regenerate = sess.regenerate
  if (foreign || rewrapping) {
    defineOverridable(sess, 'regenerate', function regenerate (callback) {
      var args = regenerateArgs(this, callback, arguments[1])
      return (rewrapping || callWith)(this, args.wrap(_regenerate), args.callback)
    })
  }

  var _destroy = sess.destroy
  if (foreign || ondestroy) {
    defineOverridable(sess, 'destroy', function destroy (callback) {
      if (ondestroy) ondestroy(this)
      return callWith(this, _destroy, callback)
    })
  }
}
