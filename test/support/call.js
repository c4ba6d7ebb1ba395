// `call(store, method, ...args)`: a store method called with a callback, as a
// Promise of the callback's value (for stores without promise forms).

'use strict'

module.exports = function call (store, method) {
  var args = Array.prototype.slice.call(arguments, 2)
  return new Promise(function (resolve, reject) {
    store[method].apply(store, args.concat(function (err, val) {
      if (err) reject(err)
      else resolve(val)
    }))
  })
}
