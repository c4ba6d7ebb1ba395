// The demo app in a real browser (Debian's chromium through puppeteer-core): log
// in through the form, fill the cart, kill and restart the server, reload (still
// logged in, cart kept), log out; the session cookie is HttpOnly.

'use strict'

var assert = require('assert')
var childProcess = require('child_process')
var fs = require('fs')
var os = require('os')
var path = require('path')
var test = require('node:test')

var CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

// Starts examples/app.js on a free port with `db`; resolves { proc, url }.
function startApp (db) {
  var proc = childProcess.spawn(process.execPath, [path.join(__dirname, '..', 'examples', 'app.js')], {
    env: Object.assign({}, process.env, { PORT: '0', SESSIONS_DB: db }),
    stdio: ['ignore', 'pipe', 'inherit']
  })
  return new Promise(function (resolve, reject) {
    var out = ''
    proc.stdout.on('data', function (d) {
      out += d
      var m = /on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)
      if (m) resolve({ proc: proc, url: m[1] })
    })
    proc.on('exit', function (code) { reject(new Error('the demo app exited with ' + code)) })
  })
}

function stop (app) {
  return new Promise(function (resolve) {
    if (app.proc.exitCode !== null || app.proc.signalCode !== null) return resolve()
    app.proc.on('exit', resolve)
    app.proc.kill('SIGKILL')
  })
}

async function text (page, selector) {
  return page.$eval(selector, function (el) { return el.textContent })
}

async function submit (page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)])
}

test('the demo in chromium: login, cart, server restart, logout', { skip: !fs.existsSync(CHROMIUM) && 'chromium is not installed (.ci/run installs it)' }, async function () {
  var puppeteer = require('puppeteer-core')
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-browser-'))
  var db = path.join(dir, 'sessions.db')
  var app = await startApp(db)
  var browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--user-data-dir=' + path.join(dir, 'profile')]
  })
  try {
    var page = await browser.newPage()
    await page.goto(app.url)
    assert.strictEqual(await text(page, '#who'), 'Not logged in')

    await page.type('#name', 'alice')
    await submit(page, '#login')
    assert.strictEqual(await text(page, '#who'), 'Logged in as alice')
    await page.select('#item', 'plum')
    await submit(page, '#add')
    await page.select('#item', 'fig')
    await submit(page, '#add')
    assert.strictEqual(await text(page, '#count'), '2')
    var views = await text(page, '#views')

    // the session cookie is HttpOnly: not readable by the page's scripts
    assert.strictEqual(await page.evaluate(function () { return document.cookie }), '')
    var cookies = await browser.cookies()
    var sid = cookies.find(function (c) { return c.name === 'connect.sid' })
    assert.ok(sid && sid.httpOnly, 'an HttpOnly connect.sid cookie')

    // kill -9 and restart the server on the same file: nothing is lost
    await stop(app)
    app = await startApp(db)
    await page.goto(app.url)
    assert.strictEqual(await text(page, '#who'), 'Logged in as alice')
    assert.strictEqual(await text(page, '#count'), '2')
    assert.deepStrictEqual(await page.$$eval('#cart li', function (lis) { return lis.map(function (li) { return li.firstChild.textContent.trim() }) }), ['plum', 'fig'])
    assert.strictEqual(await text(page, '#views'), 'Visits: ' + (Number(views.split(' ')[1]) + 1))

    await submit(page, '.remove')
    assert.strictEqual(await text(page, '#count'), '1')
    await submit(page, '#logout')
    assert.strictEqual(await text(page, '#who'), 'Not logged in')
    assert.strictEqual(await text(page, '#count'), '0')
  } finally {
    await browser.close()
    await stop(app)
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
