// The floor of the HTTP benchmark (scenario `floor`): the least work a session
// middleware does for the benchmark's route, written out by hand on this
// package's native parts, without any of express-session's API (no Session or
// Cookie objects, no store interface, no options, one wrapper of res.end and
// no hook of res.writeHead). What it does per request is what a session needs:
//   returning client: its cookie read out of the Cookie header, its signature
//     verified, one store lookup (the app goes on at the next turn, as after
//     any store's callback), one JSON.parse, the data's JSON at the start and
//     at the end (to see whether it changed), then either a store write of the
//     session's JSON and a Set-Cookie (changed), or a store touch;
//   new client: one ID, the session's JSON, one store write, one signature and
//     a Set-Cookie.
// The response ends on the next turn, as the middleware ends it after its store
// call: under load that is cheaper per request than ending it at once (the
// event loop reads every request that is ready before it writes the
// responses; see docs/performance.md), so both are measured on the same terms.

'use strict'

var path = require('path')

var root = path.join(__dirname, '..')
var cookieReader = require(path.join(root, 'lib', 'cookie-match')).cookieReader
var dictionaryMode = require(path.join(root, 'lib', 'dictionary-mode'))
var native = require(path.join(root, 'native'))
var signature = require(path.join(root, 'native', 'signature'))

var MAX_AGE = 86400000

/**
 * The floor's middleware: `secret` signs its cookies, named connect.sid (the
 * route reads and writes `req.session.views`, as with the other scenarios).
 *
 * @param {String} secret
 * @return {Function}
 */
module.exports = function floor (secret) {
  var store = native.createStore(0, 0, undefined)
  var signer = new signature.Signer([secret])
  var readCookie = cookieReader('connect.sid')

  return function session (req, res, next) {
    var header = req.headers.cookie
    var raw = header ? readCookie(header) : undefined
    var id = raw && raw.slice(0, 2) === 's:' ? signer.unsign(raw.slice(2)) : false
    var text = id ? store.get(id, Date.now()) : undefined
    var sess
    var isNew = text === undefined
    if (isNew) {
      id = native.generateId()
      sess = { cookie: { originalMaxAge: MAX_AGE, expires: null, httpOnly: true, path: '/' } }
    } else {
      sess = JSON.parse(text)
    }
    var before = isNew ? '' : dataJSON(sess)

    // (the same dictionary-mode switch as none-dictionary's and the package's)
    req.session = sess
    dictionaryMode(req, 'session')

    var end = res.end
    res.end = function (chunk, encoding) {
      var now = Date.now()
      var expires = new Date(now + MAX_AGE)
      sess.cookie.expires = expires.toISOString()
      if (isNew || dataJSON(sess) !== before) {
        store.set(id, JSON.stringify(sess), now + MAX_AGE, now, undefined)
        this.setHeader('Set-Cookie', ['connect.sid=' + encodeURIComponent('s:' + signer.sign(id)) +
          '; Path=/; Expires=' + expires.toUTCString() + '; HttpOnly'])
      } else {
        store.touch(id, JSON.stringify(sess.cookie), now + MAX_AGE, now, undefined)
      }
      // (ended on the next turn, as the middleware does after its store call)
      setImmediate(endLater, this, end, chunk, encoding)
      return true
    }
    dictionaryMode(res, 'end')

    // (a store lookup calls back on a later turn, as every store does)
    if (isNew) next()
    else setImmediate(next)
  }
}

function endLater (res, end, chunk, encoding) {
  end.call(res, chunk, encoding)
}

// the session's JSON without its cookie
function dataJSON (sess) {
  var { cookie: _cookie, ...data } = sess
  return JSON.stringify(data)
}
