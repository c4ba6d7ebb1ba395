/*!
 * express-session-rs: the end of a request
 * res.end proxied so that the session is committed first (express-session's
 * writetop/writeend), and the one dispatch of the store call that commits it:
 * a native store's synchronous or queued variant (lib/fast-path.js), else its
 * public method.
 */

'use strict'

var debug = require('debug')('express-session')
var fastPath = require('./fast-path')

module.exports = proxyEnd

// bytes of chunked-encoding framing that a held response may add
var HOLD_MARGIN = 64

var defer = setImmediate

/**
 * Replaces `res.end` so that its first call runs `commit(ending)` (an Ending for
 * that call) and returns what `commit` returns; later calls return false. The
 * error of a store call goes to `next` on a later turn.
 *
 * @param {ServerResponse} res
 * @param {Function} next
 * @param {Function} commit
 * @private
 */
function proxyEnd (res, next, commit) {
  var _end = res.end
  var _write = res.write
  var ended = false

  res.end = function end (chunk, encoding) {
    if (ended) {
      return false
    }

    ended = true

    return commit(new Ending(res, next, _end, _write, chunk, encoding))
  }
}

/**
 * One call of res.end, held while the session is committed.
 *
 * @private
 */
function Ending (res, next, end, write, chunk, encoding) {
  this.res = res
  this.next = next
  this.chunk = chunk
  this.encoding = encoding
  this.ret = undefined
  this.sync = true
  this.error = null
  this._end = end
  this._write = write
}

/**
 * Ends the response as res.end was asked to, at once.
 *
 * @return {Boolean}
 * @private
 */
Ending.prototype.end = function end () {
  return this._end.call(this.res, this.chunk, this.encoding)
}

/**
 * Waits for `run(done)` (a store call) before ending the response: what the
 * response can send before `done` is sent now (all but its last byte, as
 * express-session does), unless `hold`, a native store whose write completes in
 * a moment: then the response goes out in one piece once `done` was called (a
 * chunk too large to be held without backpressure goes as express-session sends
 * it). `done(err)` passes an error to next, says `what` and ends the response.
 *
 * @param {Function} run
 * @param {Boolean} hold
 * @param {String} [what] what is done, for debug
 * @return {Boolean} what res.end returns
 * @private
 */
Ending.prototype.wait = function wait (run, hold, what) {
  var self = this
  run(function done (err) {
    if (err) {
      defer(self.next, err)
    }

    if (what) debug(what)
    self.writeend()
  })
  return hold ? this.holdtop() : this.writetop()
}

/**
 * `store[name]` (`set`, `touch` or `destroy`) for session `id`: its synchronous
 * variant, its queued variant (the response held until it completes) or the
 * method itself; see `wait`. `dataJSON` is the session's data JSON, which a
 * variant of `set` takes.
 *
 * @return {Boolean} what res.end returns
 * @private
 */
Ending.prototype.storeCall = function storeCall (store, name, id, sess, dataJSON, what) {
  var sync = fastPath.of(store, name)
  if (sync) {
    // (what wait does when run calls back on the next turn, without its
    // closures: the store is written now, the response held and ended then)
    this.error = name === 'set' ? sync.call(store, id, sess, dataJSON) : sync.call(store, id, sess)
    if (what) debug(what)
    defer(endHeld, this)
    return this.holdtop()
  }
  var queued = fastPath.queuedOf(store, name)
  var method = queued || store[name]
  return this.wait(function (done) {
    if (typeof method !== 'function') throw new TypeError('store.' + name + ' is not a function')
    switch (name) {
      case 'destroy':
        method.call(store, id, done)
        break
      case 'touch':
        method.call(store, id, sess, done)
        break
      default:
        method.call(store, id, sess, dataJSON, done)
    }
  }, Boolean(queued), what)
}

// ends a response whose store call completed at once (see storeCall)
function endHeld (ending) {
  if (ending.error) defer(ending.next, ending.error)
  ending.writeend()
}

// express-session's writeend: ends the response once the store call completed
Ending.prototype.writeend = function writeend () {
  if (this.sync) {
    this.ret = this._end.call(this.res, this.chunk, this.encoding)
    this.sync = false
    return
  }

  this._end.call(this.res)
}

// express-session's writetop: what may be sent before the store call completed
Ending.prototype.writetop = function writetop () {
  if (!this.sync) {
    return this.ret
  }

  var res = this.res
  if (!res._header) {
    res._implicitHeader()
  }

  if (this.chunk == null) {
    this.ret = true
    return this.ret
  }

  var contentLength = Number(res.getHeader('Content-Length'))

  if (!isNaN(contentLength) && contentLength > 0) {
    // measure chunk
    var chunk = !Buffer.isBuffer(this.chunk)
      ? Buffer.from(this.chunk, this.encoding)
      : this.chunk
    this.encoding = undefined

    if (chunk.length !== 0) {
      debug('split response')
      this.ret = this._write.call(res, chunk.slice(0, chunk.length - 1))
      this.chunk = chunk.slice(chunk.length - 1, chunk.length)
      return this.ret
    }
    this.chunk = chunk
  }

  this.ret = this._write.call(res, this.chunk, this.encoding)
  this.sync = false

  return this.ret
}

// the response held whole until the store call completed (see `wait`), or, for
// a chunk that could not wait without backpressure, what writetop sends
Ending.prototype.holdtop = function holdtop () {
  // (only what res.write takes: anything else, a callback given as the chunk
  // among them, goes to writetop, whose res.write throws as in express-session)
  if (this.sync && (typeof this.chunk === 'string' || this.chunk instanceof Uint8Array)) {
    var res = this.res
    if (!res._header) {
      res._implicitHeader()
    }

    var socket = res.socket
    var size = typeof this.chunk === 'string' ? Buffer.byteLength(this.chunk, this.encoding) : this.chunk.length
    if (socket && size + res._header.length + socket.writableLength + HOLD_MARGIN < socket.writableHighWaterMark) {
      return true
    }
  }

  return this.writetop()
}
