/*!
 * express-session-rs: numeric options
 * Every numeric option of session() and of the stores is checked here, once, at
 * construction, so that no value accepted here can fail later in a timer, a
 * request or the native addon.
 */

'use strict'

/**
 * The longest delay (ms) Node's timers take (a longer one fires after 1 ms), and
 * the largest value of SQLite's busy_timeout (a C int): 2^31 - 1.
 *
 * @public
 */
var MAX_TIME = 2147483647

exports.MAX_TIME = MAX_TIME
exports.time = time
exports.count = count

/**
 * A time in milliseconds: `options.default` when `value` is undefined; else a
 * number (a TypeError otherwise, NaN included) that is an integer from
 * `options.min` (default 0) to `options.max` (default `MAX_TIME`) (a RangeError
 * otherwise). With `max: Infinity` there is no upper bound, and Infinity itself
 * is accepted (a lifetime that never ends, as `ttl: Infinity`).
 *
 * Integers only: every consumer counts whole milliseconds (Node's timers,
 * SQLite's busy_timeout, `Date.now()`), so a fraction would be dropped silently.
 * Pass `min: 1` where 0 would mean nothing useful; `min: 0` where 0 has a
 * documented meaning ("no background sweep", "do not wait for a lock").
 *
 * Other "off" values (for example null or false for `absoluteTimeout`) are the
 * caller's to map to undefined first:
 * `v === null || v === false ? undefined : time('absoluteTimeout', v, { min: 1 })`.
 *
 * @param {string} name the option's name, as the message names it
 * @param {*} value the option's value
 * @param {{min?: number, max?: number, default?: number}} [options]
 * @return {number|undefined}
 * @throws {TypeError|RangeError} `<name> option must be ...`
 * @public
 */
function time (name, value, options) {
  var opts = options || {}
  if (value === undefined) return opts.default
  var min = opts.min === undefined ? 0 : opts.min
  var max = opts.max === undefined ? MAX_TIME : opts.max
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(name + ' option must be a number of milliseconds')
  }
  if (max === Infinity && value === Infinity) return value
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(name + ' option must be an integer number of milliseconds ' +
      (max === Infinity ? '>= ' + min + ' or Infinity' : 'from ' + min + ' to ' + max))
  }
  return value
}

/**
 * A count (of sessions, bytes, pages, ...): `options.default` when `value` is
 * undefined; else a number (a TypeError otherwise, NaN included) that is a finite
 * integer of at least `options.min` (default 0) and at most `options.max` (default:
 * no bound) (a RangeError otherwise; Infinity included: where a limit can be
 * switched off, the documented way is 0).
 *
 * Pass `min: 1` where 0 would mean "never anything" (a sweep removing nothing),
 * `min: 0` where 0 documentedly means "unlimited".
 *
 * @param {string} name the option's name, as the message names it
 * @param {*} value the option's value
 * @param {{min?: number, max?: number, default?: number}} [options]
 * @return {number|undefined}
 * @throws {TypeError|RangeError} `<name> option must be ...`
 * @public
 */
function count (name, value, options) {
  var opts = options || {}
  if (value === undefined) return opts.default
  var min = opts.min === undefined ? 0 : opts.min
  var max = opts.max === undefined ? Infinity : opts.max
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(name + ' option must be a number')
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(name + ' option must be an integer ' +
      (max === Infinity ? '>= ' + min : 'from ' + min + ' to ' + max))
  }
  return value
}
