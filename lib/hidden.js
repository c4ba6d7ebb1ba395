/*!
 * express-session-rs: non-enumerable properties
 * How Session methods and the stores' internals are defined.
 */

'use strict'

module.exports = defineHidden

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
