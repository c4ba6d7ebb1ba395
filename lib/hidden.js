/*!
 * express-session-rs: non-enumerable properties
 * How Session methods and the stores' internals are defined.
 */

'use strict'

module.exports = defineHidden
module.exports.overridable = defineOverridable

/**
 * Defines `obj[name] = value` as a writable, configurable, non-enumerable
 * property (how express-session defines Session methods; also used for the
 * stores' internals so that they stay out of `for...in` and JSON).
 *
 * @private
 */
function defineHidden (obj, name, value) {
  Object.defineProperty(obj, name, {
    configurable: true,
    enumerable: false,
    value: value,
    writable: true
  })
}

/**
 * Defines `obj[name]` as `value`, non-enumerable, where express-session has a
 * method of the prototype (a wrapper it does not make): an assignment to
 * `obj[name]` then makes an enumerable property, a field of the session, as it
 * does on express-session's session.
 *
 * @private
 */
function defineOverridable (obj, name, value) {
  Object.defineProperty(obj, name, {
    configurable: true,
    enumerable: false,
    get: function () { return value },
    set: function (v) {
      // (deleted first, so that the field comes after those set before it)
      delete this[name]
      Object.defineProperty(this, name, { configurable: true, enumerable: true, value: v, writable: true })
    }
  })
}
