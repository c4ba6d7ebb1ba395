/*!
 * express-session-rs: the `fixRegenerateSave` option's bookkeeping: a session
 * that `regenerate()` made and the app saved is not saved again at the end of
 * the request (express-session compares with the ID the request came with, so
 * it writes it twice: expressjs/session#935), unless its data or its cookie
 * changed after that save, which express-session's second save would write.
 */

'use strict'

module.exports = SavedRegenerated

/**
 * What a request remembers of the last save of a session made by
 * `regenerate()`: nothing until `saving` is called with such a session.
 *
 * @private
 */
function SavedRegenerated () {
  this.cookie = null
}

/**
 * Notes the session about to be saved: the cookie of one whose `id` is not the
 * request's `originalId` (a regenerated session), else nothing.
 *
 * @param {Session} sess
 * @param {String} originalId
 * @private
 */
SavedRegenerated.prototype.saving = function saving (sess, originalId) {
  if (sess.id !== originalId) this.cookie = new SavedCookie(sess.cookie)
}

/**
 * Whether the session `sess`, whose ID and data are those of the last save,
 * is as it was saved: the request's own session, or a regenerated one whose
 * cookie did not change since its save.
 *
 * @param {Session} sess
 * @param {String} originalId
 * @return {Boolean}
 * @private
 */
SavedRegenerated.prototype.unchanged = function unchanged (sess, originalId) {
  return sess.id === originalId || (this.cookie !== null && this.cookie.is(sess.cookie))
}

/**
 * A session's cookie as it was saved: the same object with the same members,
 * its lifetime (`originalMaxAge`) to within the few ms that a touch moves it
 * (Cookie's maxAge setter reads the clock twice), its expiry aside.
 *
 * @param {Object} cookie
 * @private
 */
function SavedCookie (cookie) {
  this.cookie = cookie
  this.members = cookieMembers(cookie)
  this.lifetime = cookie && cookie.originalMaxAge
}

SavedCookie.prototype.is = function is (cookie) {
  var lifetime = cookie && cookie.originalMaxAge
  return cookie === this.cookie && this.members === cookieMembers(cookie) &&
    (lifetime === this.lifetime || Math.abs(lifetime - this.lifetime) <= 2)
}

/**
 * The JSON of a cookie's members but its expiry and lifetime.
 *
 * @param {Object} cookie
 * @return {String}
 * @private
 */
function cookieMembers (cookie) {
  if (cookie === null || typeof cookie !== 'object') return String(cookie)
  var data = typeof cookie.toJSON === 'function' ? cookie.toJSON() : cookie
  return JSON.stringify(data, function (key, val) {
    return this === data && (key === 'expires' || key === 'originalMaxAge') ? undefined : val
  })
}
