// The demo app in a real browser (Debian's chromium through puppeteer-core): log
// in through the form (a new session ID, the cart kept, said in a one-time
// notice), fill the cart, kill and restart the server, reload (still logged in,
// the same session ID, a new pid, the JSON read back from the file), log out;
// the session cookie is HttpOnly; and one user in two browsers ("your sessions":
// end one from the other, log out everywhere else).

'use strict'

var assert = require('assert')
var fs = require('fs')
var os = require('os')
var path = require('path')
var test = require('node:test')

var demo = require('./support/demo')

var CHROMIUM = demo.CHROMIUM
var startApp = demo.start
var stop = demo.stop
var submit = demo.submit

async function text (page, selector) {
  return page.$eval(selector, function (el) { return el.textContent })
}

async function attr (page, selector, name) {
  return page.$eval(selector, function (el, name) { return el.getAttribute(name) }, name)
}

// the session as the page shows it read from the store
async function stored (page) {
  return JSON.parse(await text(page, '#json'))
}

test('the demo in chromium: login, cart, server restart, logout', { skip: !fs.existsSync(CHROMIUM) && 'chromium is not installed (.ci/run installs it)' }, async function () {
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-browser-'))
  var db = path.join(dir, 'sessions.db')
  var app = await startApp(db)
  var browser = await demo.launch(path.join(dir, 'profile'))
  try {
    var page = await browser.newPage()
    await page.goto(app.url)
    assert.strictEqual(await text(page, '#who'), 'Not logged in')
    // a new session: nothing in the store yet
    assert.strictEqual(await text(page, '#json'), '(nothing yet: a new session)')
    assert.strictEqual(await text(page, '#saved'), 'not yet: this response saves it')
    var before = await text(page, '#sid')
    assert.match(before, /^[A-Za-z0-9_-]{8}…$/)
    // the stylesheet loads (under the app's Content-Security-Policy)
    assert.strictEqual(await page.$eval('.card', function (el) { return el.ownerDocument.defaultView.getComputedStyle(el).borderRadius }), '10px')

    await page.select('#item', 'plum')
    await submit(page, '#add')
    assert.strictEqual(await text(page, '#sid'), before)
    assert.deepStrictEqual((await stored(page)).cart, ['plum'])
    assert.strictEqual(await text(page, '#saved-by'), String(app.proc.pid))
    assert.strictEqual(await text(page, '#views'), 'Visits: 2')

    // login: a new session ID, the cart kept, the visit counter reset; said once
    await page.type('#name', 'alice')
    await submit(page, '#login')
    assert.strictEqual(await text(page, '#who'), 'Logged in as alice')
    var sid = await text(page, '#sid')
    assert.match(sid, /^[A-Za-z0-9_-]{8}…$/)
    assert.notStrictEqual(sid, before)
    assert.strictEqual(await attr(page, '#notice', 'data-from'), before)
    assert.strictEqual(await attr(page, '#notice', 'data-to'), sid)
    var notice = await text(page, '#notice')
    assert.ok(notice.includes(before + ' → ' + sid), notice)
    assert.ok(notice.includes('Kept: the cart (1 item)'), notice)
    assert.ok(notice.includes('Reset: the visit counter (was 2)'), notice)
    assert.strictEqual(await text(page, '#views'), 'Visits: 1')
    assert.strictEqual(await text(page, '#count'), '1')

    await page.select('#item', 'fig')
    await submit(page, '#add')
    assert.strictEqual(await page.$('#notice'), null, 'the notice is shown once')
    assert.strictEqual(await text(page, '#count'), '2')
    var views = await text(page, '#views')
    var pid = await text(page, '#pid')
    assert.strictEqual(pid, String(app.proc.pid))
    var started = new Date(await attr(page, '#started', 'datetime'))
    var created = await attr(page, '#created', 'datetime')
    assert.strictEqual(await page.$('#restart'), null)

    // the session cookie is HttpOnly: not readable by the page's scripts
    assert.strictEqual(await page.evaluate(function () { return document.cookie }), '')
    var cookies = await browser.cookies()
    var cookie = cookies.find(function (c) { return c.name === 'connect.sid' })
    assert.ok(cookie && cookie.httpOnly, 'an HttpOnly connect.sid cookie')
    assert.ok(decodeURIComponent(cookie.value).startsWith('s:' + sid.slice(0, 8)))

    // kill -9 and restart the server on the same file: nothing is lost
    await stop(app)
    app = await startApp(db)
    await page.goto(app.url)
    assert.strictEqual(await text(page, '#who'), 'Logged in as alice')
    assert.strictEqual(await text(page, '#count'), '2')
    assert.deepStrictEqual(await page.$$eval('#cart li', function (lis) { return lis.map(function (li) { return li.firstChild.textContent.trim() }) }), ['plum', 'fig'])
    assert.strictEqual(await text(page, '#views'), 'Visits: ' + (Number(views.split(' ')[1]) + 1))
    // the same session, answered by a new process, read back from the file
    assert.strictEqual(await text(page, '#sid'), sid)
    assert.strictEqual(await text(page, '#pid'), String(app.proc.pid))
    assert.notStrictEqual(await text(page, '#pid'), pid)
    assert.ok(new Date(await attr(page, '#started', 'datetime')) > started, 'a later start time')
    assert.strictEqual(await attr(page, '#created', 'datetime'), created)
    assert.strictEqual(await text(page, '#saved-by'), pid, 'last saved by the killed process')
    assert.match(await text(page, '#restart'), new RegExp('pid ' + pid + ' → ' + app.proc.pid))
    assert.strictEqual(await text(page, '#store'), 'SqliteStore ' + db)
    assert.strictEqual(await text(page, '#file'), db)
    var json = await stored(page)
    assert.deepStrictEqual(json.cart, ['plum', 'fig'])
    assert.strictEqual(json.user, 'alice')
    assert.strictEqual(json.savedBy, Number(pid))

    await submit(page, '.remove')
    assert.strictEqual(await text(page, '#count'), '1')
    await submit(page, '#logout')
    assert.strictEqual(await text(page, '#who'), 'Not logged in')
    assert.strictEqual(await text(page, '#count'), '0')
    assert.notStrictEqual(await text(page, '#sid'), sid)
  } finally {
    await browser.close()
    await stop(app)
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('the demo in chromium: one user in two browsers sees both sessions, ends the other one, then logs out everywhere else', { skip: !fs.existsSync(CHROMIUM) && 'chromium is not installed (.ci/run installs it)' }, async function () {
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-browser-'))
  var app = await startApp(path.join(dir, 'sessions.db'))
  var browser = await demo.launch(path.join(dir, 'profile'))
  try {
    // two browsers: contexts share no cookies
    var laptop = await (await browser.createBrowserContext()).newPage()
    var phone = await (await browser.createBrowserContext()).newPage()
    await phone.setUserAgent('Phone browser (demo test)')
    async function login (page) {
      await page.goto(app.url)
      await page.type('#name', 'carol')
      await submit(page, '#login')
      assert.strictEqual(await text(page, '#who'), 'Logged in as carol')
    }
    async function devices (page) {
      return page.$$eval('#devices tr.device', function (rows) {
        return rows.map(function (r) { return { ref: r.querySelector('code').textContent, current: r.classList.contains('current'), agent: r.querySelector('.agent').textContent } })
      })
    }
    await login(laptop)
    assert.deepStrictEqual((await devices(laptop)).map(function (d) { return d.current }), [true], 'one session, this one')
    assert.strictEqual(await laptop.$('#end-others'), null)
    await login(phone)
    await laptop.reload()
    var listed = await devices(laptop)
    assert.strictEqual(listed.length, 2)
    assert.strictEqual(listed[0].ref, await text(laptop, '#sid'))
    assert.strictEqual(listed[1].ref, await text(phone, '#sid'))
    assert.strictEqual(listed[1].agent, 'Phone browser (demo test)')

    // end the phone's session from the laptop: the phone is logged out
    await submit(laptop, '#devices .end')
    assert.strictEqual(await text(laptop, '#ended'), 'Ended 1 other session: their next request has no user.')
    assert.strictEqual((await devices(laptop)).length, 1)
    await phone.reload()
    assert.strictEqual(await text(phone, '#who'), 'Not logged in')
    assert.strictEqual(await laptop.$('#devices .end'), null)

    // again, then "log out everywhere else" from the laptop
    await login(phone)
    await laptop.reload()
    assert.strictEqual((await devices(laptop)).length, 2)
    await submit(laptop, '#end-others')
    assert.strictEqual(await text(laptop, '#ended'), 'Ended 1 other session: their next request has no user.')
    await phone.reload()
    assert.strictEqual(await text(phone, '#who'), 'Not logged in')
    await laptop.reload()
    assert.strictEqual(await text(laptop, '#who'), 'Logged in as carol')
    assert.strictEqual((await devices(laptop)).length, 1)
  } finally {
    await browser.close()
    await stop(app)
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
