#!/usr/bin/env node
// Makes docs/demo.png, the README's picture of the demo app: log in, fill the
// cart, kill -9 the server, start it again on the same session file, reload,
// screenshot. Needs chromium (CHROMIUM_PATH, default /usr/bin/chromium) and
// puppeteer-core (a dev dependency). Not run by the tests.
//
//   node scripts/screenshot-demo.js [out.png]

'use strict'

var fs = require('fs')
var os = require('os')
var path = require('path')
var demo = require('../test/support/demo')

var start = demo.start
var stop = demo.stop
var submit = demo.submit
var OUT = path.resolve(process.argv[2] || path.join(__dirname, '..', 'docs', 'demo.png'))

main().catch(function (err) {
  console.error(err)
  process.exitCode = 1
})

async function main () {
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-screenshot-'))
  var db = path.join(dir, 'sessions.db')
  var app = await start(db)
  var browser = await demo.launch(path.join(dir, 'profile'))
  try {
    var page = await browser.newPage()
    await page.setViewport({ width: 900, height: 700, deviceScaleFactor: 1 })
    await page.goto(app.url)
    await page.select('#item', 'plum')
    await submit(page, '#add')
    await page.type('#name', 'alice')
    await submit(page, '#login')
    await page.select('#item', 'fig')
    await submit(page, '#add')
    // a moment, so that the times before and after the restart differ visibly
    await new Promise(function (resolve) { setTimeout(resolve, 2000) })
    await stop(app)
    app = await start(db)
    await page.goto(app.url)
    fs.mkdirSync(path.dirname(OUT), { recursive: true })
    await page.screenshot({ path: OUT })
    console.log('wrote ' + OUT + ' (' + fs.statSync(OUT).size + ' bytes)')
  } finally {
    await browser.close()
    await stop(app)
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
