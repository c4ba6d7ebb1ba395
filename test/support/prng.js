// mulberry32: a small seeded pseudo-random generator for the randomized tests,
// so that the seed that a run prints repeats it.

'use strict'

/**
 * A function that gives the next number in [0, 1) of the sequence of `seed`.
 *
 * @param {Number} seed
 * @return {Function}
 */
module.exports = function prng (seed) {
  var a = seed >>> 0
  return function () {
    a = (a + 0x6D2B79F5) >>> 0
    var t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
