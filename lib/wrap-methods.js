/*!
 * express-session-rs: the wrappers of a session's regenerate and destroy that
 * express-session does not have: their promise forms for a session made by a
 * store's own createSession, the new session wrapped again after regenerate
 * (fixRegenerateSave), and a hook before destroy (clearCookieOnDestroy).
 */

'use strict'

var callWith = require('./promise').callWith
var defineHidden = require('./hidden')
var regenerateArgs = require('./regenerate')

module.exports = wrapOthers

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
    defineHidden(sess, 'regenerate', function regenerate (callback) {
      var args = regenerateArgs(this, callback, arguments[1])
      return (rewrapping || callWith)(this, args.wrap(_regenerate), args.callback)
    })
  }

  var _destroy = sess.destroy
  if (foreign || ondestroy) {
    defineHidden(sess, 'destroy', function destroy (callback) {
      if (ondestroy) ondestroy(this)
      return callWith(this, _destroy, callback)
    })
  }
}
