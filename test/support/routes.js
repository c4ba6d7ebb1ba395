// Routes shared by the differential scenarios. Each route is a plain
// (req, res, next) handler, so the same table serves express and plain http.

'use strict'

var handlers = {
  '/': function (req, res) {
    res.end('ok')
  },
  '/inc': function (req, res) {
    req.session.views = (req.session.views || 0) + 1
    res.end(String(req.session.views))
  },
  '/read': function (req, res) {
    res.end(req.session ? String(req.session.views) : 'no session')
  },
  '/json': function (req, res) {
    res.end(JSON.stringify({ session: req.session, id: req.sessionID, keys: req.session && Object.keys(req.session) }))
  },
  '/save': function (req, res, next) {
    req.session.views = (req.session.views || 0) + 1
    req.session.save(function (err) {
      if (err) return next(err)
      res.end('saved')
    })
  },
  '/save-then-modify': function (req, res, next) {
    req.session.a = 1
    req.session.save(function (err) {
      if (err) return next(err)
      req.session.b = 2
      res.end('saved')
    })
  },
  '/regen': function (req, res, next) {
    req.session.regenerate(function (err) {
      if (err) return next(err)
      res.end('regenerated')
    })
  },
  '/regen-save': function (req, res, next) {
    req.session.regenerate(function (err) {
      if (err) return next(err)
      req.session.user = 'bob'
      req.session.save(function (err) {
        if (err) return next(err)
        res.end('regenerated and saved')
      })
    })
  },
  '/destroy': function (req, res, next) {
    req.session.destroy(function (err) {
      if (err) return next(err)
      res.end('destroyed')
    })
  },
  '/null': function (req, res) {
    req.session = null
    res.end('nulled')
  },
  '/delete': function (req, res) {
    delete req.session
    res.end('deleted')
  },
  '/bogus': function (req, res) {
    req.sessionID = 42
    req.session.x = 1
    res.end('bogus')
  },
  '/reload': function (req, res, next) {
    req.session.views = 1000
    req.session.reload(function (err) {
      if (err) return next(err)
      res.end(String(req.session.views))
    })
  },
  '/cookie-change': function (req, res) {
    req.session.cookie.maxAge = 7000 // (not 5000: the harness rounds Expires - Date to 10 s)
    res.end('cookie changed')
  },
  '/expires-false': function (req, res) {
    req.session.cookie.expires = false
    req.session.n = 1
    res.end('browser session')
  },
  '/nested-cookie': function (req, res) {
    req.session.data = { cookie: (req.session.data ? req.session.data.cookie : 0) + 1 }
    res.end('nested')
  },
  '/write': function (req, res) {
    req.session.views = (req.session.views || 0) + 1
    res.setHeader('Content-Type', 'text/plain')
    res.write('hello, ')
    res.end('world')
  },
  '/content-length': function (req, res) {
    req.session.views = (req.session.views || 0) + 1
    var body = 'views: ' + req.session.views
    res.setHeader('Content-Length', Buffer.byteLength(body))
    res.end(body)
  },
  '/end-twice': function (req, res) {
    req.session.n = 1
    var first = res.end('first')
    var second = res.end('second')
    if (second !== false || first === false) throw new Error('unexpected end() results')
  },
  '/end-null': function (req, res) {
    req.session.n = 1
    res.end(null)
  },
  '/end-empty': function (req, res) {
    req.session.n = 1
    res.end()
  },
  '/set-cookie-first': function (req, res) {
    req.session.n = 1
    res.setHeader('Set-Cookie', 'other=1; Path=/')
    res.end('ok')
  },
  '/set-cookie-array': function (req, res) {
    req.session.n = 1
    res.setHeader('Set-Cookie', ['a=1', 'b=2'])
    res.end('ok')
  },
  '/writehead-cookie': function (req, res) {
    req.session.n = 1
    res.writeHead(200, { 'Set-Cookie': 'wh=1' })
    res.end('ok')
  },
  '/redirect': function (req, res) {
    req.session.n = 1
    res.statusCode = 302
    res.setHeader('Location', '/')
    res.end()
  },
  '/touch': function (req, res) {
    req.session.touch()
    res.end(String(req.session.cookie.maxAge > 0))
  },
  '/reserved': function (req, res) {
    res.end(JSON.stringify({ id: typeof req.session.id, save: typeof req.session.save, keys: Object.keys(req.session) }))
  },
  '/secret': function (req, res) {
    res.end(String(req.sessionID && req.sessionID.length))
  }
}

/**
 * Mounts every shared route on an express app (GET and POST).
 */
exports.express = function (app) {
  Object.keys(handlers).forEach(function (path) {
    app.all(path, handlers[path])
  })
}

/**
 * A plain http handler dispatching on the path.
 */
exports.http = function (req, res) {
  var path = req.url.split('?')[0]
  var handler = handlers[path]
  if (!handler) {
    res.statusCode = 404
    res.end('not found')
    return
  }
  handler(req, res, function (err) {
    res.statusCode = 500
    res.end(String(err && err.message))
  })
}

exports.handlers = handlers
