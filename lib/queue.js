/*!
 * express-session-rs: the queue of a native store whose work completes on
 * another thread (SqliteStore's writer, RedisStore's connection)
 */

'use strict'

var callbackOrPromise = require('./promise')

module.exports = Queue
Queue.open = open

/**
 * A native store's calls in flight: the native object and the callbacks of its
 * pending calls. (Kept apart from the store, so that a store's timer can hold
 * this and not the store.)
 *
 * @private
 */
function Queue (nat, pending) {
  this.native = nat
  this.pending = pending
  this.flushing = false
}

/**
 * The callbacks of the calls in flight by request id: an array whose slots are
 * used again once their call completed (the addon calls back exactly once per
 * staged call), so that a request id is a small integer and the array no
 * longer than the most calls ever in flight together. (A Map with an entry per
 * call, keyed by an id that grew with every call, made every held response
 * survive young-generation GC: about 20 us more per request over HTTP, see
 * docs/performance.md.)
 *
 * @private
 */
function Calls () {
  this.callbacks = []
  this.free = []
  this.size = 0
}

/**
 * Holds `done` under a request id that is free, and returns it.
 *
 * @private
 */
Calls.prototype.add = function add (done) {
  var id = this.free.length !== 0 ? this.free.pop() : this.callbacks.length
  this.callbacks[id] = done
  this.size++
  return id
}

/**
 * The callback of request `id`, which is then free; undefined if none.
 *
 * @private
 */
Calls.prototype.take = function take (id) {
  var done = this.callbacks[id]
  if (done === undefined) return undefined
  this.callbacks[id] = undefined
  this.free.push(id)
  this.size--
  return done
}

/**
 * The queue of the native store that `create(onDone)` makes. The addon holds
 * `onDone`: it holds the pending callbacks and only a weak reference to the
 * native object, or neither the store nor its native object could ever be
 * collected.
 *
 * @private
 */
function open (create) {
  var pending = new Calls()
  var weakNative = null
  var nat = create(function onDone (ids, codes, messages, values) {
    completeAll(pending, ids, codes, messages, values)
    var held = weakNative && weakNative.deref()
    if (pending.size === 0 && held) held.unref()
  })
  weakNative = new WeakRef(nat)
  return new Queue(nat, pending)
}

/**
 * Queues `native[method](id, ...args)`; `callback(err)` runs once it completed,
 * or `callback(null, result(value))` when `result` is given (an Error that
 * `result` throws goes to the callback). A Promise when no callback is given.
 *
 * @private
 */
Queue.prototype.run = function run (method, args, callback, result) {
  var queue = this
  return callbackOrPromise(callback, undefined, function (done) {
    var id = queue.pending.add(result ? resultOf(done, result) : done)
    if (queue.pending.size === 1) queue.native.ref()
    try {
      queue.native[method].apply(queue.native, [id].concat(args))
      if (!queue.flushing) {
        queue.flushing = true
        setImmediate(flush, queue)
      }
    } catch (err) {
      // (a call that throws was not staged: its id is free again)
      queue.pending.take(id)
      if (queue.pending.size === 0) queue.native.unref()
      setImmediate(done, err)
    }
  })
}

/**
 * `done` for a call whose value `result` turns into the callback's.
 *
 * @private
 */
function resultOf (done, result) {
  return function (err, value) {
    if (err) return done(err)
    var out
    try {
      out = result(value)
    } catch (e) {
      return done(e)
    }
    done(null, out)
  }
}

/**
 * Sends the calls staged during this turn of the event loop, together (one
 * wake-up of the writer thread, one pipeline to Redis).
 *
 * @private
 */
function flush (queue) {
  queue.flushing = false
  queue.native.flush()
}

/**
 * Runs the callbacks of a batch of completed calls (`onDone`: request ids, the
 * `err.code` and message of each, null for a success, and the values, if any).
 * A callback that throws does not keep the others from running: its error is
 * thrown again, uncaught, on the next tick.
 *
 * @private
 */
function completeAll (pending, ids, codes, messages, values) {
  for (var i = 0; i < ids.length; i++) {
    var done = pending.take(ids[i])
    if (!done) continue
    try {
      // (no argument on success without a value, as express-session's
      // MemoryStore calls back)
      if (codes[i] !== null) done(storeError(codes[i], messages[i]))
      else if (values && values[i] !== null) done(null, values[i])
      else done()
    } catch (err) {
      process.nextTick(rethrow, err)
    }
  }
}

/**
 * The Error of a failed call: `message`, with `err.code`.
 *
 * @private
 */
function storeError (code, message) {
  var err = new Error(message)
  err.code = code
  return err
}

function rethrow (err) {
  throw err
}
