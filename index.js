/*!
 * express-session-rs: the session middleware and the package's exports
 * (express-session 1.19.0's index.js, with signing, IDs and the store in Rust).
 */

'use strict'

var cookie = require('cookie')
var debug = require('debug')('express-session')
var deprecate = require('depd')('express-session')
var native = require('./native')
var onHeaders = require('on-headers')
var parseUrl = require('parseurl')

var Cookie = require('./session/cookie')
var MemoryStore = require('./session/memory')
var Session = require('./session/session')
var SqliteStore = require('./session/sqlite')
var Store = require('./session/store')

var callbackOrPromise = require('./lib/promise')
var changedFields = require('./lib/changed-fields')
var cookieMatch = require('./lib/cookie-match')
var cookiePrefix = require('./lib/cookie-prefix')
var createdAt = require('./lib/created-at')
var defineHidden = require('./lib/hidden')
var fastPath = require('./lib/fast-path')
var regenerateArgs = require('./lib/regenerate')
var sessionHeader = require('./lib/session-header')
var signature = require('./lib/signature')
var toDictionaryMode = require('./lib/dictionary-mode')

exports = module.exports = session

exports.Store = Store
exports.Cookie = Cookie
exports.Session = Session
exports.MemoryStore = MemoryStore

// Extras of this package (not in express-session).
exports.SqliteStore = SqliteStore
exports.sign = signature.sign
exports.unsign = signature.unsign
exports.generateId = native.generateId

var defer = setImmediate

// bytes of chunked-encoding framing that a held response may add
var HOLD_MARGIN = 64

/**
 * Setup session middleware with the given `options`.
 *
 * @param {Object} [options]
 * @return {Function} middleware
 * @public
 */
function session (options) {
  var opts = options || {}

  var cookieOptions = opts.cookie || {}
  var generateId = opts.genid || generateSessionId
  var name = opts.name || opts.key || 'connect.sid'
  var store = opts.store || new MemoryStore()
  var trustProxy = opts.proxy

  if (store instanceof MemoryStore) warnIfClusterWorker()
  var resaveSession = opts.resave
  var rollingSessions = Boolean(opts.rolling)
  var saveUninitializedSession = opts.saveUninitialized
  var secret = opts.secret

  // Fixes of express-session bugs, off by default (see README "Known bugs").
  var fixAutoInCookieFunction = Boolean(opts.fixAutoCookieFunction)
  var fixRegenerateSave = Boolean(opts.fixRegenerateSave)
  var fixCookiePathMatch = Boolean(opts.fixCookiePathMatch)
  var fixLoadErrorDestroy = Boolean(opts.fixLoadErrorDestroy)

  // Additions, off by default (see README "Beyond express-session").
  var headerName = sessionHeader.name(opts.header)
  var clearCookieOnDestroy = Boolean(opts.clearCookieOnDestroy)
  var checkPrefix = cookiePrefix(name, Boolean(opts.strictCookiePrefix))
  var absoluteTimeout = opts.absoluteTimeout === null || opts.absoluteTimeout === false ? undefined : opts.absoluteTimeout
  var saveChangedFields = Boolean(opts.saveChangedFields)

  if (saveChangedFields && !fastPath.mergeOf(store)) {
    throw new TypeError('saveChangedFields option needs a MemoryStore or SqliteStore of express-session-rs as store')
  }

  if (absoluteTimeout !== undefined && !(typeof absoluteTimeout === 'number' && absoluteTimeout > 0)) {
    throw new TypeError('absoluteTimeout option must be a positive number of milliseconds')
  }

  // how the session ID is looked up (getcookie): null for express-session's way
  var lookup = headerName || opts.resignOldSecrets || opts.fixDuplicateCookies
    ? {
        header: headerName && headerName.toLowerCase(),
        duplicates: Boolean(opts.fixDuplicateCookies),
        resign: Boolean(opts.resignOldSecrets),
        first: null, // the signer of the first secret (resignOldSecrets)
        old: false // whether the last ID found verified only with an older secret
      }
    : null

  // Switch Express's req/res to V8's dictionary mode (see lib/dictionary-mode.js);
  // `dictionaryMode: false` leaves their shape to V8.
  var dictionaryMode = opts.dictionaryMode !== false

  if (typeof generateId !== 'function') {
    throw new TypeError('genid option must be a function')
  }

  if (resaveSession === undefined) {
    deprecate('undefined resave option; provide resave option')
    resaveSession = true
  }

  if (saveUninitializedSession === undefined) {
    deprecate('undefined saveUninitialized option; provide saveUninitialized option')
    saveUninitializedSession = true
  }

  if (opts.unset && opts.unset !== 'destroy' && opts.unset !== 'keep') {
    throw new TypeError('unset option must be "destroy" or "keep"')
  }

  var unsetDestroy = opts.unset === 'destroy'

  if (Array.isArray(secret) && secret.length === 0) {
    throw new TypeError('secret option array must contain one or more strings')
  }

  if (secret && !Array.isArray(secret)) {
    secret = [secret]
  }

  if (!secret) {
    deprecate('req.secret; provide secret option')
  }

  if (checkPrefix && typeof cookieOptions !== 'function') {
    checkPrefix(cookieOptions)
  }

  // The signer for the configured secrets, rebuilt if the array is changed later
  // (express-session keeps the array by reference).
  var signer = secret ? new signature.Signer(secret) : null
  var signerSecrets = secret ? secret.slice() : null

  // generates the new session
  store.generate = function (req) {
    req.sessionID = generateId(req)
    req.session = new Session(req)
    var resolved = typeof cookieOptions === 'function' ? cookieOptions(req) : cookieOptions
    req.session.cookie = new Cookie(resolved)

    // express-session looks for 'auto' on the option itself, so a cookie function
    // returning 'auto' is not resolved unless the fix is enabled.
    var autoSource = (fixAutoInCookieFunction ? resolved : cookieOptions) || {}
    var isSecure = issecure(req, trustProxy)

    if (autoSource.secure === 'auto') {
      req.session.cookie.secure = isSecure
    }

    if (autoSource.sameSite === 'auto') {
      req.session.cookie.sameSite = isSecure ? 'none' : 'lax'
    }

    if (absoluteTimeout !== undefined) {
      req.session.cookie[createdAt] = Date.now()
    }
  }

  var storeImplementsTouch = typeof store.touch === 'function'

  // whether a request path is under the cookie path: express-session's string
  // prefix, or RFC 6265's path-match with fixCookiePathMatch
  function pathMatches (pathname, cookiePath) {
    return fixCookiePathMatch
      ? cookieMatch.pathMatches(pathname, cookiePath)
      : pathname.indexOf(cookiePath) === 0
  }

  // register event listeners for the store to track readiness
  var storeReady = true
  store.on('disconnect', function ondisconnect () {
    storeReady = false
  })
  store.on('connect', function onconnect () {
    storeReady = true
  })

  return function session (req, res, next) {
    // self-awareness
    if (req.session) {
      next()
      return
    }

    // Handle connection as if there is no session if
    // the store has temporarily disconnected etc
    if (!storeReady) {
      debug('store is disconnected')
      next()
      return
    }

    // pathname mismatch
    var resolvedCookieOptions = typeof cookieOptions === 'function' ? cookieOptions(req) : cookieOptions
    var cookiePath = resolvedCookieOptions.path || '/'
    if (!isUnderRoot(req, cookiePath) && !pathMatches(parseUrl.original(req).pathname || '/', cookiePath)) {
      debug('pathname mismatch')
      next()
      return
    }

    if (checkPrefix && typeof cookieOptions === 'function') {
      try {
        checkPrefix(resolvedCookieOptions)
      } catch (err) {
        next(err)
        return
      }
    }

    // ensure a secret is available or bail
    if (!secret && !req.secret) {
      next(new Error('secret option required for sessions'))
      return
    }

    // backwards compatibility for signed cookies
    // req.secret is passed from the cookie parser middleware
    var reqSigner
    if (secret) {
      if (!sameSecrets(signerSecrets, secret)) {
        signer = new signature.Signer(secret)
        signerSecrets = secret.slice()
        if (lookup) lookup.first = null
      }
      reqSigner = signer
      if (lookup && lookup.resign && !lookup.first && secret.length > 1) {
        lookup.first = new signature.Signer(secret.slice(0, 1))
      }
    } else {
      reqSigner = signature.signerFor(req.secret)
    }

    var originalJSON
    var originalId
    var savedJSON
    var savedId
    var touched = false

    // a loaded session without a creation time gets one, and is saved (absoluteTimeout)
    var stampSave = false

    // saveChangedFields: the JSON of each field of the session as loaded (or as
    // this request last saved it), and its ID
    var fieldsBefore = null
    var fieldsId

    // the cookie of a session destroyed by req.session.destroy() (clearCookieOnDestroy)
    var destroyedCookie = null

    // whether store.get failed for this request (fixLoadErrorDestroy)
    var loadFailed = false

    // data JSON of req.session memoized while res.end decides what to do (no user code
    // runs in between), so it is computed once instead of up to three times
    var memoOn = false
    var memoSess
    var memoJSON

    // the save wrapper of the current session and the method it wraps (see
    // wrapmethods)
    var wrappedSave
    var wrappedSaveTarget

    // expose store (and switch req to dictionary mode, see lib/dictionary-mode.js)
    req.sessionStore = store
    if (dictionaryMode) toDictionaryMode(req, 'sessionStore')

    // get the session ID from the cookie
    var cookieId = req.sessionID = getcookie(req, name, reqSigner, lookup)

    // an ID that verified only with an older secret is signed again (resignOldSecrets)
    var resignCookie = lookup !== null && lookup.old

    // set-cookie
    onHeaders(res, function () {
      if (!req.session) {
        if (destroyedCookie) clearcookie(res, destroyedCookie)
        debug('no session')
        return
      }

      if (!shouldSetCookie(req)) {
        return
      }

      // only send secure cookies via https
      if (req.session.cookie.secure && !issecure(req, trustProxy)) {
        debug('not secured')
        return
      }

      if (!touched) {
        // touch session
        req.session.touch()
        touched = true
      }

      // set cookie
      try {
        var signed = setcookie(res, name, req.sessionID, reqSigner, req.session.cookie.data)
        if (headerName) sessionHeader.send(res, headerName, signed)
      } catch (err) {
        defer(next, err)
      }
    })

    // an expired cookie (and an empty header) in place of a destroyed session's
    function clearcookie (res, sessCookie) {
      if (sessCookie.secure && !issecure(req, trustProxy)) {
        return
      }
      try {
        var options = Object.assign({}, sessCookie.data, { expires: new Date(0) })
        var data = cookie.serialize(name, '', options)
        debug('set-cookie %s', data)
        appendSetCookie(res, data)
        if (headerName) sessionHeader.send(res, headerName, '')
      } catch (err) {
        defer(next, err)
      }
    }

    // on-headers just assigned res.writeHead: switch res to dictionary mode
    if (dictionaryMode) toDictionaryMode(res, 'writeHead')

    // proxy end() to commit the session
    var _end = res.end
    var _write = res.write
    var ended = false
    res.end = function end (chunk, encoding) {
      if (ended) {
        return false
      }

      ended = true

      var ret
      var sync = true

      function writeend () {
        if (sync) {
          ret = _end.call(res, chunk, encoding)
          sync = false
          return
        }

        _end.call(res)
      }

      function writetop () {
        if (!sync) {
          return ret
        }

        if (!res._header) {
          res._implicitHeader()
        }

        if (chunk == null) {
          ret = true
          return ret
        }

        var contentLength = Number(res.getHeader('Content-Length'))

        if (!isNaN(contentLength) && contentLength > 0) {
          // measure chunk
          chunk = !Buffer.isBuffer(chunk)
            ? Buffer.from(chunk, encoding)
            : chunk
          encoding = undefined

          if (chunk.length !== 0) {
            debug('split response')
            ret = _write.call(res, chunk.slice(0, chunk.length - 1))
            chunk = chunk.slice(chunk.length - 1, chunk.length)
            return ret
          }
        }

        ret = _write.call(res, chunk, encoding)
        sync = false

        return ret
      }

      // a native store whose write completes in a moment (lib/fast-path.js): the
      // response goes out in one piece once the write is done, rather than all
      // but its last byte first; a chunk too large to be written without
      // backpressure goes as express-session sends it
      function holdtop () {
        if (!sync) {
          return ret
        }

        if (!res._header) {
          res._implicitHeader()
        }

        if (chunk == null) {
          return true
        }

        var socket = res.socket
        var size = typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : chunk.length
        if (!socket || size + res._header.length + socket.writableLength + HOLD_MARGIN >= socket.writableHighWaterMark) {
          return writetop()
        }

        return true
      }

      if (shouldDestroy(req)) {
        // destroy session
        debug('destroying')
        var ondestroy = function ondestroy (err) {
          if (err) {
            defer(next, err)
          }

          debug('destroyed')
          writeend()
        }

        // a native store's own method completes synchronously (lib/fast-path.js)
        var destroySync = fastPath.of(store, 'destroy')
        var destroyQueued = fastPath.queuedOf(store, 'destroy')
        if (destroySync) {
          ondestroy(destroySync.call(store, req.sessionID))
        } else if (destroyQueued) {
          destroyQueued.call(store, req.sessionID, ondestroy)
          return holdtop()
        } else {
          store.destroy(req.sessionID, ondestroy)
        }

        return writetop()
      }

      // no session to save
      if (!req.session) {
        debug('no session')
        return _end.call(res, chunk, encoding)
      }

      if (!touched) {
        // touch session
        req.session.touch()
        touched = true
      }

      memoOn = true

      if (shouldSave(req)) {
        var onsave = function onsave (err) {
          if (err) {
            defer(next, err)
          }

          writeend()
        }

        var sess = req.session
        var setSync = fastPath.of(store, 'set')
        var setQueued = fastPath.queuedOf(store, 'set')
        if (sess.save === wrappedSave && mergesInto(sess)) {
          // saveChangedFields: only what this request changed (the response
          // waits for the write as with the store's own set)
          markSaved(sess)
          mergeSave(sess, setQueued ? rewrapmethods(sess, onsave) : onsave)
        } else if ((setSync || setQueued) && sess.save === wrappedSave && savesToStore(sess)) {
          // what our save wrapper and Session#save do, with the native store's
          // own set and the data JSON just computed (lib/fast-path.js)
          markSaved(sess)
          if (setSync) {
            onsave(setSync.call(store, sess.id, sess, savedJSON))
          } else {
            setQueued.call(store, sess.id, sess, savedJSON, rewrapmethods(sess, onsave))
            return holdtop()
          }
        } else {
          sess.save(onsave)
        }

        endMemo() // (our save wrapper already ended it; a replaced save may not)

        // (with our file store, hold the response whichever way the session was
        // saved: a browser follows a redirect as soon as its headers arrive)
        return setQueued ? holdtop() : writetop()
      } else if (storeImplementsTouch && shouldTouch(req)) {
        endMemo()
        // store implements touch method
        debug('touching')
        var ontouch = function ontouch (err) {
          if (err) {
            defer(next, err)
          }

          debug('touched')
          writeend()
        }

        var touchSync = fastPath.of(store, 'touch')
        var touchQueued = fastPath.queuedOf(store, 'touch')
        if (touchSync) {
          ontouch(touchSync.call(store, req.sessionID, req.session))
        } else if (touchQueued) {
          touchQueued.call(store, req.sessionID, req.session, ontouch)
          return holdtop()
        } else {
          store.touch(req.sessionID, req.session, ontouch)
        }

        return writetop()
      }

      endMemo()
      return _end.call(res, chunk, encoding)
    }

    // generate the session
    function generate () {
      store.generate(req)
      originalId = savedId = req.sessionID
      originalJSON = dataJSON(req.session)
      wrapmethods(req.session)
    }

    // a session just read from the store (loaded or reloaded): saveChangedFields
    // takes what was read as its baseline; absoluteTimeout keeps its creation time
    // (a session stored without one starts its lifetime now, and is saved)
    function loaded (sess) {
      if (saveChangedFields) {
        fieldsBefore = changedFields.snapshot(sess)
        fieldsId = sess.id
      }

      if (absoluteTimeout !== undefined && sess.cookie) {
        var created = sess.cookie.createdAt
        if (typeof created === 'number') {
          sess.cookie[createdAt] = created
        } else {
          sess.cookie[createdAt] = Date.now()
          stampSave = true
        }
      }
    }

    // inflate the session
    function inflate (req, sess) {
      store.createSession(req, sess)
      originalId = savedId = req.sessionID
      originalJSON = dataJSON(sess)

      loaded(req.session)

      if (!resaveSession) {
        savedJSON = originalJSON
      }

      wrapmethods(req.session)
    }

    function rewrapmethods (sess, callback) {
      return function () {
        if (req.session !== sess) {
          wrapmethods(req.session)
        }

        callback.apply(this, arguments)
      }
    }

    // wrap session methods
    function wrapmethods (sess) {
      var _reload = sess.reload
      var _save = sess.save
      // a session made by a store's own createSession (a store built on the
      // original express-session's Store): its methods want a callback, and
      // return no Promise; the wrappers give them both
      var foreign = !(sess instanceof Session)

      function reload (callback) {
        debug('reloading %s', this.id)
        if (saveChangedFields || absoluteTimeout !== undefined) {
          return callRewrapping(this, function (done) {
            _reload.call(this, function (err) {
              if (!err && req.session) loaded(req.session)
              done.apply(this, arguments)
            })
          }, callback)
        }
        return callRewrapping(this, _reload, callback)
      }

      function save () {
        markSaved(this)
        if (foreign) {
          return callWith(this, _save, arguments[0])
        }
        if (mergesInto(this)) {
          return callWith(this, mergeSaveLater, arguments[0])
        }
        return _save.apply(this, arguments)
      }

      defineHidden(sess, 'reload', reload)
      defineHidden(sess, 'save', save)
      wrappedSave = save
      wrappedSaveTarget = _save

      // fixRegenerateSave: wrap the regenerated session too, so that a save() in
      // the regenerate callback is not followed by a second save at the end
      // (regenerate({ keep }, callback): see lib/regenerate.js; the length stays
      // express-session's)
      var _regenerate = sess.regenerate
      if (fixRegenerateSave) {
        defineHidden(sess, 'regenerate', function regenerate (callback) {
          var args = regenerateArgs(this, callback, arguments[1])
          return callRewrapping(this, args.wrap(_regenerate), args.callback)
        })
      } else if (foreign) {
        defineHidden(sess, 'regenerate', function regenerate (callback) {
          var args = regenerateArgs(this, callback, arguments[1])
          return callWith(this, args.wrap(_regenerate), args.callback)
        })
      }

      if (foreign) {
        var _destroy = sess.destroy
        defineHidden(sess, 'destroy', function destroy (callback) {
          return callWith(this, _destroy, callback)
        })
      }

      if (clearCookieOnDestroy) {
        var destroyed = sess.destroy
        defineHidden(sess, 'destroy', function destroy (callback) {
          destroyedCookie = this.cookie
          return destroyed.apply(this, arguments)
        })
      }
    }

    // calls method(callback) on sess, always with a function; a Promise when no
    // callback is given
    function callWith (sess, method, callback) {
      return callbackOrPromise(callback, sess, function (done) {
        method.call(sess, done)
      })
    }

    // what the save wrapper records before saving
    function markSaved (sess) {
      debug('saving %s', sess.id)
      stampSave = false
      savedJSON = dataJSONOf(sess)
      savedId = sess.id
      endMemo()
    }

    // saveChangedFields: true when a save of sess writes only its changed fields
    // (a loaded session under its own ID, saved by Session#save into a native
    // store, without a toJSON of its own); otherwise the whole session is written
    function mergesInto (sess) {
      return fieldsBefore !== null && sess.id === fieldsId && typeof sess.toJSON !== 'function' &&
        savesToStore(sess) && fastPath.mergeOf(store) !== undefined
    }

    // writes the changed fields of sess; done(err) once written (at once with
    // the in-memory store)
    function mergeSave (sess, done) {
      var change = changedFields.changes(fieldsBefore, sess)
      debug('saving %d changed and %d deleted fields of %s', change.sets.length / 2 - 1, change.deletes.length, sess.id)
      fastPath.mergeOf(store).run.call(store, sess.id, sess, savedJSON, change.sets, change.deletes, function (err) {
        // (what was written is the new baseline; after a failed write the
        // changes stay to be written)
        if (!err && fieldsId === sess.id) fieldsBefore = change.after
        done.apply(this, arguments)
      })
    }

    // mergeSave for req.session.save(): calls back on a later turn, as a store does
    function mergeSaveLater (done) {
      mergeSave(this, fastPath.mergeOf(store).sync ? function (err) { defer(done, err) } : done)
    }

    // true when the wrapped save is Session#save writing to this store (so the
    // middleware may do its work itself)
    function savesToStore (sess) {
      return wrappedSaveTarget === Session.prototype.save && sess.req && sess.req.sessionStore === store
    }

    // calls method(callback) on sess, re-wrapping req.session before the callback
    // runs if the method replaced it; a Promise when no callback is given
    function callRewrapping (sess, method, callback) {
      return callWith(sess, function (done) {
        method.call(sess, rewrapmethods(sess, done))
      }, callback)
    }

    function dataJSONOf (sess) {
      if (memoOn && memoSess === sess) {
        return memoJSON
      }

      var json = dataJSON(sess)

      if (memoOn) {
        memoSess = sess
        memoJSON = json
      }

      return json
    }

    function endMemo () {
      memoOn = false
      memoSess = memoJSON = undefined
    }

    // check if session has been modified
    function isModified (sess) {
      return originalId !== sess.id || originalJSON !== dataJSONOf(sess)
    }

    // check if session has been saved
    function isSaved (sess) {
      // express-session compares with the original id, so a session saved after
      // regenerate() is saved again at the end (fixRegenerateSave compares with
      // the id that was saved)
      var id = fixRegenerateSave ? savedId : originalId
      return id === sess.id && savedJSON === dataJSONOf(sess)
    }

    // determine if session should be destroyed
    function shouldDestroy (req) {
      // (express-session also destroys when the session could not be loaded at
      // all: a failed store.get leaves req.session unset; fixLoadErrorDestroy
      // keeps that session)
      return req.sessionID && unsetDestroy && req.session == null && !(loadFailed && fixLoadErrorDestroy)
    }

    // determine if session should be saved to store
    function shouldSave (req) {
      // cannot set cookie without a session ID
      if (typeof req.sessionID !== 'string') {
        debug('session ignored because of bogus req.sessionID %o', req.sessionID)
        return false
      }

      return !saveUninitializedSession && !savedJSON && cookieId !== req.sessionID
        ? isModified(req.session)
        : stampSave || !isSaved(req.session)
    }

    // determine if session should be touched
    function shouldTouch (req) {
      // cannot set cookie without a session ID
      if (typeof req.sessionID !== 'string') {
        debug('session ignored because of bogus req.sessionID %o', req.sessionID)
        return false
      }

      return cookieId === req.sessionID && !shouldSave(req)
    }

    // determine if cookie should be set on response
    function shouldSetCookie (req) {
      // cannot set cookie without a session ID
      if (typeof req.sessionID !== 'string') {
        return false
      }

      return cookieId !== req.sessionID
        ? saveUninitializedSession || isModified(req.session)
        : rollingSessions || resignCookie || (req.session.cookie.expires != null && isModified(req.session))
    }

    // generate a session if the browser doesn't send a sessionID
    if (!req.sessionID) {
      debug('no SID sent, generating session')
      generate()
      next()
      return
    }

    // generate the session object
    debug('fetching %s', req.sessionID)
    store.get(req.sessionID, function (err, sess) {
      // error handling
      if (err && err.code !== 'ENOENT') {
        debug('error %j', err)
        loadFailed = true
        next(err)
        return
      }

      if (!err && sess && isPastAbsoluteTimeout(sess)) {
        // too old however often it was touched: destroyed, and treated as absent
        debug('session %s past absoluteTimeout', req.sessionID)
        store.destroy(req.sessionID, function (err) {
          if (err) {
            next(err)
            return
          }
          try {
            generate()
          } catch (e) {
            next(e)
            return
          }
          next()
        })
        return
      }

      try {
        if (err || !sess) {
          debug('no session found')
          generate()
        } else {
          debug('session found')
          inflate(req, sess)
        }
      } catch (e) {
        next(e)
        return
      }

      next()
    })
  }

  // whether stored session data is older than absoluteTimeout (its cookie's
  // createdAt, as the middleware stored it)
  function isPastAbsoluteTimeout (sess) {
    if (absoluteTimeout === undefined) return false
    var created = sess.cookie && sess.cookie.createdAt
    return typeof created === 'number' && Date.now() - created >= absoluteTimeout
  }
}

var clusterWarned = false

/**
 * Warns once when a MemoryStore serves a worker of a cluster (Node's cluster
 * module, which pm2's cluster mode uses): each worker would have its own sessions.
 *
 * @private
 */
function warnIfClusterWorker () {
  if (clusterWarned || !require('cluster').isWorker) return
  clusterWarned = true
  console.warn('Warning: express-session-rs MemoryStore keeps sessions in one\n' +
    'process, and this is a worker of a cluster (Node cluster, pm2 cluster mode):\n' +
    'the workers do not share sessions. Use SqliteStore (the processes of one\n' +
    'machine) or a networked store such as connect-redis (several machines).')
}

/**
 * Generate a session ID for a new session: 32 base64url characters from 24 random
 * bytes (uid-safe's `uid(24)` format).
 *
 * @return {String}
 * @private
 */
function generateSessionId () {
  return native.generateId()
}

/**
 * Get the session ID cookie from request.
 *
 * With `lookup` (the options that change where the ID is found): every cookie of
 * that name is tried in order (`duplicates`), then header `lookup.header`;
 * `lookup.old` tells whether the ID verified only with an older secret.
 *
 * @return {string}
 * @private
 */
function getcookie (req, name, signer, lookup) {
  var header = req.headers.cookie
  var raw
  var val

  if (lookup) lookup.old = false

  // read from cookie header
  if (header) {
    if (lookup && lookup.duplicates) {
      var all = cookieMatch.cookieValues(header, name)
      for (var i = 0; i < all.length && !val; i++) {
        val = unsignRaw(all[i], signer, lookup)
      }
    } else {
      var cookies = cookie.parse(header)

      raw = cookies[name]

      if (raw) {
        val = unsignRaw(raw, signer, lookup)
      }
    }
  }

  // back-compat read from cookieParser() signedCookies data
  if (!val && req.signedCookies) {
    val = req.signedCookies[name]

    if (val) {
      deprecate('cookie should be available in req.headers.cookie')
    }
  }

  // back-compat read from cookieParser() cookies data
  if (!val && req.cookies) {
    raw = req.cookies[name]

    if (raw) {
      val = unsignRaw(raw, signer, lookup)

      if (val) {
        deprecate('cookie should be available in req.headers.cookie')
      }
    }
  }

  // the session header (clients without cookies)
  if (!val && lookup && lookup.header) {
    raw = sessionHeader.read(req, lookup.header)

    if (raw) {
      val = unsignRaw(raw, signer, lookup)
    }
  }

  return val
}

/**
 * The session ID in a signed cookie value (`s:` + signed ID), or undefined.
 *
 * @private
 */
function unsignRaw (raw, signer, lookup) {
  if (raw.substr(0, 2) !== 's:') {
    debug('cookie unsigned')
    return undefined
  }

  var val = signer.unsign(raw.slice(2))

  if (val === false) {
    debug('cookie signature invalid')
    return undefined
  }

  if (lookup && lookup.first && lookup.first.unsign(raw.slice(2)) === false) {
    lookup.old = true
  }

  return val
}

/**
 * The session's data as compared between the start and end of a request: its JSON
 * without the top-level `cookie` (express-session compares a SHA-1 of the same
 * text; the strings themselves are compared here).
 *
 * @param {Object} sess
 * @return {String}
 * @private
 */
function dataJSON (sess) {
  if (typeof sess.toJSON === 'function') {
    // a toJSON of any kind (own or inherited, enumerable or not) decides what
    // JSON.stringify writes: serialize exactly as express-session does
    return JSON.stringify(sess, function (key, val) {
      if (this === sess && key === 'cookie') {
        return
      }

      return val
    })
  }
  var { cookie: _cookie, ...data } = sess
  return JSON.stringify(data)
}

/**
 * True when the cookie path is `/` and the request URL starts with `/`: its
 * pathname then starts with `/` too, and parsing it (which adds
 * `req._parsedOriginalUrl`) can be skipped.
 *
 * @private
 */
function isUnderRoot (req, cookiePath) {
  var url = typeof req.originalUrl === 'string' ? req.originalUrl : req.url
  return cookiePath === '/' && typeof url === 'string' && url.charCodeAt(0) === 0x2f
}

/**
 * Determine if request is secure.
 *
 * @param {Object} req
 * @param {Boolean} [trustProxy]
 * @return {Boolean}
 * @private
 */
function issecure (req, trustProxy) {
  // socket is https server
  if (req.connection && req.connection.encrypted) {
    return true
  }

  // do not trust proxy
  if (trustProxy === false) {
    return false
  }

  // no explicit trust; try req.secure from express
  if (trustProxy !== true) {
    return req.secure === true
  }

  // read the proto from x-forwarded-proto header
  var header = req.headers['x-forwarded-proto'] || ''
  var index = header.indexOf(',')
  var proto = index !== -1
    ? header.substr(0, index).toLowerCase().trim()
    : header.toLowerCase().trim()

  return proto === 'https'
}

/**
 * Set cookie on response.
 *
 * @private
 */
function setcookie (res, name, val, signer, options) {
  var signed = 's:' + signer.sign(val)
  var data = cookie.serialize(name, signed, options)

  debug('set-cookie %s', data)

  appendSetCookie(res, data)

  return signed
}

/**
 * Add a cookie to the response's Set-Cookie header.
 *
 * @private
 */
function appendSetCookie (res, data) {
  var prev = res.getHeader('Set-Cookie') || []
  var header = Array.isArray(prev) ? prev.concat(data) : [prev, data]

  res.setHeader('Set-Cookie', header)
}

/**
 * True when `secrets` still holds exactly the secrets of `snapshot`.
 *
 * @private
 */
function sameSecrets (snapshot, secrets) {
  if (snapshot.length !== secrets.length) return false
  for (var i = 0; i < secrets.length; i++) {
    if (snapshot[i] !== secrets[i]) return false
  }
  return true
}
