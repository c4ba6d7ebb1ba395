// The demo's HTML page. Every value from the session (the name above all) is
// HTML-escaped; the stylesheet is public/style.css (no inline style: the app's
// Content-Security-Policy would block it).

'use strict'

module.exports = page
module.exports.short = short

/**
 * The page for a session.
 *
 * @param {Object} view
 * @param {string} view.sid the session ID
 * @param {Object|null} view.stored the session as the store held it for this
 *   request (null: a new session, not saved yet)
 * @param {string} [view.user] the logged-in name
 * @param {number} view.views the visit counter
 * @param {string[]} view.cart the cart
 * @param {string[]} view.items what is for sale
 * @param {Object} [view.notice] the one-time notice (`login`: from, to, views,
 *   cart; `ended`: how many sessions were ended)
 * @param {Object[]|null} view.devices the user's sessions (ref, current,
 *   created, seen, agent), null when not logged in or the store keeps no owners
 * @param {Store} view.store the session store
 * @param {Object} view.server the answering process (pid, started, worker, workers)
 * @return {string}
 * @public
 */
function page (view) {
  var now = Date.now()
  var stored = view.stored
  var server = view.server
  var who = view.user
    ? '<p id="who">Logged in as <b>' + escape(view.user) + '</b></p>' +
      '<form method="post" action="/logout"><button id="logout" class="secondary">Log out</button></form>'
    : '<p id="who">Not logged in</p>' +
      '<form method="post" action="/login" class="row"><input id="name" name="name" placeholder="Your name" autofocus> ' +
      '<button id="login">Log in</button></form>'
  var items = view.cart.map(function (item, i) {
    return '<li>' + escape(item) + ' <form method="post" action="/cart/remove" class="inline">' +
      '<input type="hidden" name="index" value="' + i + '"><button class="remove">remove</button></form></li>'
  }).join('')
  var options = view.items.map(function (item) { return '<option>' + escape(item) + '</option>' }).join('')
  var worker = ''
  if (server.worker) {
    worker = ' <span class="tag">' + (server.workers === 1 ? 'the one worker' : 'one of ' + server.workers + ' workers') + '</span>'
  }
  var saved = stored
    ? time('saved', stored.savedAt, now) + ' by pid <b id="saved-by">' + escape(stored.savedBy) + '</b> ' +
      (stored.savedBy === server.pid ? '<span class="tag">this process</span>' : '<span class="tag hot">another process</span>')
    : '<span id="saved">not yet: this response saves it</span>'
  var storeName = view.store.constructor.name
  var file = view.store.path ? ' <code id="file">' + escape(view.store.path) + '</code>' : ''

  return '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>express-session-rs demo</title>' +
    '<link rel="stylesheet" href="/style.css"><link rel="icon" href="/favicon.svg"></head><body>' +
    '<header><h1>express-session-rs <span>demo</span></h1>' +
    '<p class="server">Answered by pid <b id="pid">' + server.pid + '</b>' + worker +
    ', started ' + time('started', server.started.toISOString(), now) + '</p></header>' +
    notice(view.notice) +
    '<main><section class="card"><h2>Shop</h2>' + who +
    '<p id="views">Visits: ' + view.views + '</p>' +
    '<h3>Cart (<span id="count">' + view.cart.length + '</span>)</h3><ul id="cart">' + items + '</ul>' +
    '<form method="post" action="/cart/add" class="row"><select id="item" name="item">' + options + '</select> ' +
    '<button id="add">Add to cart</button></form>' +
    '<p class="hint">Stop the server (even <code>kill -9</code>), start it again and reload: ' +
    'the same session ID, a new pid.</p></section>' +
    '<section class="card"><h2>Session</h2><dl>' +
    '<dt>ID</dt><dd><code id="sid" title="the full ID is only in the HttpOnly cookie">' + escape(short(view.sid)) + '</code></dd>' +
    '<dt>Store</dt><dd id="store"><b>' + escape(storeName) + '</b>' + file + '</dd>' +
    '<dt>Created</dt><dd>' + (stored ? time('created', stored.createdAt, now) : '<span id="created">now</span>') + '</dd>' +
    '<dt>Last saved</dt><dd>' + saved + '</dd></dl>' + restart(stored, server) +
    '<h3>In the store <small>as read for this request, before this visit</small></h3>' +
    '<pre id="json">' + (stored ? escape(JSON.stringify(stored, null, 2)) : '(nothing yet: a new session)') + '</pre>' +
    '</section>' + devices(view.devices, now) + '</main></body></html>'
}

/**
 * The one-time notice, if any.
 *
 * @private
 */
function notice (note) {
  if (note && note.ended !== undefined) {
    return '<div id="notice" class="notice"><p id="ended">Ended ' + plural(note.ended, 'other session') +
      ': their next request has no user.</p></div>'
  }
  var login = note && note.login
  if (!login) return ''
  return '<div id="notice" class="notice" data-from="' + escape(login.from) + '" data-to="' + escape(login.to) + '">' +
    '<p><b>New session ID at login:</b> <code>' + escape(login.from) + '</code> → <code>' + escape(login.to) + '</code>. ' +
    '<code>regenerate()</code> deleted the old session from the store, so an ID known before the login ' +
    '(session fixation) is worthless.</p>' +
    '<p>Kept: the cart (' + plural(login.cart, 'item') + '). ' +
    'Reset: the visit counter (was ' + Number(login.views) + ') and the creation time: this is a new session.</p></div>'
}

/**
 * "Your sessions": each of the user's sessions, from `store.sessionsOf(user)`
 * (session()'s owner option), with a button to end it; and one to end all but
 * this one.
 *
 * @private
 */
function devices (list, now) {
  if (!list) return ''
  var rows = list.map(function (d) {
    var end = d.current
      ? '<span class="tag">this browser</span>'
      : '<form method="post" action="/sessions/end" class="inline"><input type="hidden" name="ref" value="' + escape(d.ref) + '">' +
        '<button class="end secondary">End</button></form>'
    return '<tr class="device' + (d.current ? ' current' : '') + '"><td><code>' + escape(d.ref) + '</code></td>' +
      '<td>' + (d.created ? time('', d.created, now) : '?') + '</td><td>' + (d.seen ? time('', d.seen, now) : '?') + '</td>' +
      '<td class="agent">' + escape(d.agent) + '</td><td>' + end + '</td></tr>'
  }).join('')
  var others = list.length > 1
    ? '<form method="post" action="/sessions/end-others"><button id="end-others">Log out everywhere else</button></form>'
    : ''
  return '<section class="card wide" id="devices"><h2>Your sessions <small>(' + list.length + ')</small></h2>' +
    '<p class="hint">Every session of this user, from <code>store.sessionsOf(user)</code> (the <code>owner</code> option): ' +
    'log in from another browser to see it here, and end it from this one.</p>' +
    '<table><thead><tr><th>Session</th><th>Created</th><th>Last seen</th><th>Browser</th><th></th></tr></thead>' +
    '<tbody>' + rows + '</tbody></table>' + others + '</section>'
}

/**
 * A line when the session was last saved before this process started: it came
 * back from the store's file.
 *
 * @private
 */
function restart (stored, server) {
  if (!stored || stored.savedBy === server.pid || !(new Date(stored.savedAt) < server.started)) return ''
  return '<p id="restart" class="restart">Saved before this process started: pid ' + escape(stored.savedBy) +
    ' → ' + server.pid + ', read back from the file.</p>'
}

/**
 * A `<time>` element: the local time of day, and how long ago.
 *
 * @private
 */
function time (id, iso, now) {
  var date = new Date(iso)
  var attr = id ? ' id="' + id + '"' : ''
  if (isNaN(date)) return '<span' + attr + '>?</span>'
  return '<time' + attr + ' datetime="' + date.toISOString() + '" title="' + escape(date.toString()) + '">' +
    date.toTimeString().slice(0, 8) + '</time> <small>(' + ago(now - date.getTime()) + ')</small>'
}

/**
 * "5 s ago", "3 min ago", ...
 *
 * @private
 */
function ago (ms) {
  var s = Math.round(ms / 1000)
  if (s < 1) return 'just now'
  if (s < 60) return s + ' s ago'
  if (s < 3600) return Math.floor(s / 60) + ' min ago'
  if (s < 86400) return Math.floor(s / 3600) + ' h ago'
  return Math.floor(s / 86400) + ' d ago'
}

/**
 * "1 item", "2 items".
 *
 * @private
 */
function plural (n, word) {
  return Number(n) + ' ' + word + (Number(n) === 1 ? '' : 's')
}

/**
 * A session ID shortened for display: its first 8 characters.
 *
 * @public
 */
function short (sid) {
  return String(sid).slice(0, 8) + '…'
}

/**
 * HTML-escapes text.
 *
 * @private
 */
function escape (text) {
  return String(text).replace(/[&<>"']/g, function (c) {
    return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]
  })
}
