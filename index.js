/*!
 * express-session-rs: the session middleware and the package's exports
 * (express-session 1.19.0's index.js, with signing, IDs and the store in Rust;
 * each addition and fix option is a module of lib/options/).
 */

'use strict'

var debug = require('debug')('express-session')
var deprecate = require('depd')('express-session')
var native = require('./native')
var parseUrl = require('parseurl')
var signature = require('./native/signature')

var Cookie = require('./session/cookie')
var MemoryStore = require('./session/memory')
var RedisStore = require('./session/redis')
var Session = require('./session/session')
var SqliteStore = require('./session/sqlite')
var Store = require('./session/store')

var absoluteTimeout = require('./lib/options/absolute-timeout')
var changedFields = require('./lib/options/changed-fields')
var clearCookie = require('./lib/options/clear-cookie-on-destroy')
var cookieMatch = require('./lib/cookie-match')
var CookieSerializer = require('./lib/set-cookie')
var cookiePrefix = require('./lib/options/cookie-prefix')
var ownerOption = require('./lib/options/owner')
var json = require('./lib/json')
var fastPath = require('./lib/fast-path')
var hookHeaders = require('./lib/headers-hook')
var proxyEnd = require('./lib/commit')
var RequestSession = require('./lib/request-session')
var sessionHeader = require('./lib/options/header')
var sessionId = require('./lib/session-id')
var toDictionaryMode = require('./lib/dictionary-mode')
var wrapmethods = require('./lib/wrap-methods')

exports = module.exports = session

exports.Store = Store
exports.Cookie = Cookie
exports.Session = Session
exports.MemoryStore = MemoryStore

// Extras of this package (not in express-session).
exports.SqliteStore = SqliteStore
exports.RedisStore = RedisStore
exports.sign = signature.sign
exports.unsign = signature.unsign
exports.generateId = native.generateId

var defer = setImmediate

/**
 * Setup session middleware with the given `options`.
 *
 * @param {Object} [options]
 * @return {Function} middleware
 * @public
 */
function session (options) {
  var opts = options || {}

  // get the cookie options
  var cookieOptions = opts.cookie || {}

  // get the session id generate function
  var generateId = opts.genid || generateSessionId

  // get the session cookie name (as a string, as cookie.serialize and a
  // property lookup use any other value; one without a string form is left to
  // fail at each request, as in express-session)
  var name = opts.name || opts.key || 'connect.sid'
  if (typeof name !== 'string' && typeof name !== 'symbol') name = stringOr(name)

  // get the session store
  var store = opts.store || new MemoryStore()

  // get the trust proxy setting
  var trustProxy = opts.proxy

  // get the resave session option
  var resaveSession = opts.resave

  // get the rolling session option
  var rollingSessions = Boolean(opts.rolling)

  // get the save uninitialized session option
  var saveUninitializedSession = opts.saveUninitialized

  // get the cookie signing secret
  var secret = opts.secret

  // Additions and fixes of express-session bugs, off by default (README "Beyond
  // express-session" and "Known bugs"): each null or false when off.
  var header = sessionHeader.name(opts.header)
  var lifetime = absoluteTimeout.create(opts.absoluteTimeout)
  var changes = changedFields.create(opts.saveChangedFields, store)
  ownerOption.attach(opts.owner, store)
  var checkPrefix = typeof name === 'string' ? cookiePrefix(name, Boolean(opts.strictCookiePrefix)) : null
  var clearOnDestroy = Boolean(opts.clearCookieOnDestroy)
  var resignOldSecrets = Boolean(opts.resignOldSecrets)
  var fixAutoCookieFunction = Boolean(opts.fixAutoCookieFunction)
  var pathMatches = cookieMatch.pathMatcher(Boolean(opts.fixCookiePathMatch))
  var fixLoadErrorDestroy = Boolean(opts.fixLoadErrorDestroy)
  // what a request's session and its wrappers consult (lib/request-session.js)
  var settings = {
    store: store,
    // (the class of the sessions that Store#createSession makes, and Store,
    // whose createSession a store may replace)
    Session: Session,
    Store: Store,
    lifetime: lifetime,
    changes: changes,
    fixRegenerateSave: Boolean(opts.fixRegenerateSave),
    // (the additions that follow a session through reload or destroy)
    follows: Boolean(lifetime || changes || clearOnDestroy),
    clearOnDestroy: clearOnDestroy
  }
  var getcookie = sessionId(name, { header: header, duplicates: opts.fixDuplicateCookies }, deprecate)
  // switch Express's req/res to V8's dictionary mode (lib/dictionary-mode.js)
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

  // TODO: switch to "destroy" on next major
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

  // notify user that this store is not meant for several processes
  if (store instanceof MemoryStore) {
    warnIfClusterWorker()
  }

  if (checkPrefix && typeof cookieOptions !== 'function') {
    checkPrefix(cookieOptions)
  }

  // the Set-Cookie values of this middleware's cookie (lib/set-cookie.js)
  var serializer = new CookieSerializer(name, Cookie.prototype)

  // the signers of the secrets (rebuilt if the array is changed later)
  var signers = secret ? new signature.SecretSigners(secret, resignOldSecrets) : null

  // generates the new session
  store.generate = function (req) {
    req.sessionID = generateId(req)
    req.session = new Session(req)
    var resolved = typeof cookieOptions === 'function' ? cookieOptions(req) : cookieOptions
    req.session.cookie = new Cookie(resolved)

    var isSecure = issecure(req, trustProxy)
    // (express-session looks for 'auto' on the option itself, so a cookie
    // function returning 'auto' is not resolved unless fixAutoCookieFunction)
    var auto = (fixAutoCookieFunction ? resolved : cookieOptions) || {}

    if (auto.secure === 'auto') {
      req.session.cookie.secure = isSecure
    }

    if (auto.sameSite === 'auto') {
      req.session.cookie.sameSite = isSecure ? 'none' : 'lax'
    }

    if (lifetime) {
      lifetime.stamp(req.session)
    }
  }

  var storeImplementsTouch = typeof store.touch === 'function'

  // (a native store with a ttl function calls it while the middleware writes)
  var storeTtlCallsApp = typeof store._ttl === 'function'

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
    // req.secret is passed from the cookie parser middleware (one secret, as
    // express-session takes it: an array there is one invalid key)
    var signer = secret ? signers.current() : signature.signerFor(Array.isArray(req.secret) ? [req.secret] : req.secret)

    var touched = false

    // what this request knows of its session (lib/request-session.js)
    var rs = new RequestSession(req, settings)
    var data = rs.data

    // expose store
    req.sessionStore = store
    if (dictionaryMode) toDictionaryMode(req, 'sessionStore')

    // get the session ID from the cookie (an ID that verified only with an
    // older secret comes as an OldSecret: see lib/session-id.js)
    var found = getcookie(req, signer, secret ? signers.first : null)
    if (found instanceof sessionId.OldSecret) {
      rs.resign = true
      found = found.id
    }
    var cookieId = req.sessionID = found

    // set-cookie
    var writeHead = hookHeaders(res, function () {
      if (!req.session) {
        if (rs.destroyed) clearCookie(res, name, rs.destroyed, header, issecure(req, trustProxy), appendSetCookie, next)
        debug('no session')
        return
      }

      var setCookie
      try {
        setCookie = shouldSetCookie(req)
      } catch (err) {
        data.failed(err, next)
        return
      }

      if (!setCookie) {
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
        var signed = setcookie(res, serializer, req.sessionID, signer, req.session.cookie)
        if (header) sessionHeader.send(res, header, sessionHeader.value(signed))
      } catch (err) {
        defer(next, err)
      }
    })

    // res.writeHead was just assigned: switch res to dictionary mode
    if (dictionaryMode) toDictionaryMode(res, 'writeHead')

    // proxy end() to commit the session (lib/commit.js)
    proxyEnd(res, next, function commit (ending) {
      if (shouldDestroy(req)) {
        // destroy session
        debug('destroying')
        return ending.storeCall(store, 'destroy', req.sessionID, undefined, undefined, 'destroyed')
      }

      // no session to save
      if (!req.session) {
        debug('no session')
        return ending.end()
      }

      if (!touched) {
        // touch session
        req.session.touch()
        touched = true
      }

      if (lifetime) {
        lifetime.restamp(req.session)
      }

      var save
      data.memoize()
      try {
        save = shouldSave(req)
      } catch (err) {
        // (the session's JSON cannot be written: nothing is stored)
        data.forget()
        data.failed(err, next)
        return ending.end()
      }

      if (save) {
        var sess = req.session
        // (with a store whose writes complete in a moment, the response goes
        // out in one piece once the session is written, however it is saved)
        var hold = fastPath.queuedOf(store, 'set') !== undefined
        // what our save wrapper and Session#save do, with the data JSON just
        // computed: only the changed fields (saveChangedFields), or the native
        // store's own set
        var ours = sess.save === rs.wrappedSave && rs.savesToStore(rs.wrappedSaveTarget, sess)
        if (ours && changes && changes.applies(rs.baseline, sess)) {
          rs.markSaved(sess)
          return ending.wait(function (done) {
            changes.save(rs.baseline, sess, rs.savedJSON, false, done)
          }, hold)
        } else if (ours && (hold || fastPath.of(store, 'set'))) {
          rs.markSaved(sess)
          data.keep(sess, rs.savedJSON)
          return finish(ending, 'set', sess.id, sess, rs.savedJSON)
        }

        if (sess.save !== rs.wrappedSave) {
          data.forget() // (a replaced save is the app's code)
        }

        return ending.wait(function (done) {
          sess.save(done)
        }, hold)
      } else if (storeImplementsTouch && shouldTouch(req)) {
        // store implements touch method
        debug('touching')
        return finish(ending, 'touch', req.sessionID, req.session, undefined, 'touched')
      }

      return finish(ending)
    })

    // ends the response, after store[name] when named (see Ending#storeCall):
    // the memo of the session's JSON lasts until the headers were written when
    // no other code can run in between (a synchronous native store that calls
    // no ttl function, and res.writeHead still ours), so that the Set-Cookie
    // decision does not serialize the session again
    function finish (ending, name, id, sess, dataJSON, what) {
      if (res.writeHead !== writeHead || (name && (storeTtlCallsApp || !fastPath.of(store, name)))) {
        data.forget()
      }
      try {
        return name ? ending.storeCall(store, name, id, sess, dataJSON, what) : ending.end()
      } finally {
        data.forget()
      }
    }

    // generate the session
    function generate () {
      store.generate(req)
      rs.originalId = rs.savedId = req.sessionID
      rs.originalJSON = json.dataJSON(req.session)
      wrapmethods(rs, req.session)
    }

    // inflate the session
    function inflate (req, sess) {
      store.createSession(req, sess)
      rs.originalId = rs.savedId = req.sessionID
      rs.originalJSON = json.dataJSON(sess, json.isLarge(sess))

      rs.loaded(req.session)

      if (!resaveSession) {
        rs.savedJSON = rs.originalJSON
      }

      wrapmethods(rs, req.session)
    }

    // determine if session should be destroyed
    function shouldDestroy (req) {
      // (a failed store.get leaves req.session unset: fixLoadErrorDestroy keeps
      // that session)
      return req.sessionID && unsetDestroy && req.session == null && !rs.loadFailed
    }

    // determine if session should be saved to store
    function shouldSave (req) {
      // cannot set cookie without a session ID
      if (typeof req.sessionID !== 'string') {
        debug('session ignored because of bogus req.sessionID %o', req.sessionID)
        return false
      }

      return !saveUninitializedSession && !rs.savedJSON && cookieId !== req.sessionID
        ? rs.isModified(req.session)
        : rs.stamp || !rs.isSaved(req.session)
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
        ? saveUninitializedSession || rs.isModified(req.session)
        : rollingSessions || rs.resign || (req.session.cookie.expires != null && rs.isModified(req.session))
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
    store.get(req.sessionID, function onload (err, sess) {
      // error handling
      if (err && err.code !== 'ENOENT') {
        debug('error %j', err)
        if (fixLoadErrorDestroy) rs.loadFailed = true
        next(err)
        return
      }

      if (!err && sess && lifetime && lifetime.isPast(sess)) {
        // too old however often it was used: destroyed, and treated as absent
        debug('session %s past absoluteTimeout', req.sessionID)
        store.destroy(req.sessionID, function (err) {
          if (err) next(err)
          else onload(null, null)
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
}

/**
 * `String(value)`, or `value` itself when it has no string form.
 *
 * @private
 */
function stringOr (value) {
  try {
    return String(value)
  } catch (err) {
    return value
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
 * Set cookie on response; returns the signed value.
 *
 * @private
 */
function setcookie (res, serializer, val, signer, sessionCookie) {
  var signed = 's:' + signer.sign(val)
  var data = serializer.serialize(signed, sessionCookie)

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
  var prev = res.getHeader('Set-Cookie')
  var header = !prev ? [data] : Array.isArray(prev) ? prev.concat(data) : [prev, data]

  res.setHeader('Set-Cookie', header)
}
