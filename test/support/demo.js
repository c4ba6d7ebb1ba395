// Starting a server that prints its URL, and driving `npm start`'s demo app
// (examples/app.js) in chromium: for test/browser.test.js,
// scripts/screenshot-demo.js and test/readme.test.js.

'use strict'

var childProcess = require('child_process')
var path = require('path')

exports.CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

/**
 * Runs `node <file>` in `cwd` with `env` added to this process's; resolves
 * { proc, url, output() } once it prints `... on http://127.0.0.1:<port>/`.
 */
exports.spawnServer = function spawnServer (file, cwd, env) {
  var proc = childProcess.spawn(process.execPath, [file], {
    cwd: cwd,
    env: Object.assign({}, process.env, env),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  var out = ''
  return new Promise(function (resolve, reject) {
    proc.stderr.on('data', function (d) { out += d })
    proc.stdout.on('data', function (d) {
      out += d
      var m = /on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)
      if (m) resolve({ proc: proc, url: m[1], output: function () { return out } })
    })
    proc.on('exit', function (code) { reject(new Error(file + ' exited (' + code + ') before listening:\n' + out)) })
  })
}

/**
 * Starts examples/app.js on a free port with the session file `db`; resolves
 * { proc, url }.
 */
exports.start = function start (db) {
  return exports.spawnServer(path.join(__dirname, '..', '..', 'examples', 'app.js'), undefined, { PORT: '0', SESSIONS_DB: db })
}

/** kill -9 of the app by its PID; resolves once it has exited. */
exports.stop = function stop (app) {
  return new Promise(function (resolve) {
    if (app.proc.exitCode !== null || app.proc.signalCode !== null) return resolve()
    app.proc.on('exit', resolve)
    app.proc.kill('SIGKILL')
  })
}

/**
 * Debian's chromium, headless, with a new profile in `profileDir` and no
 * background connections (the machine's network is closed).
 */
exports.launch = function launch (profileDir) {
  return require('puppeteer-core').launch({
    executablePath: exports.CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--user-data-dir=' + profileDir]
  })
}

/** Clicks `selector` and waits for the page it leads to. */
exports.submit = async function submit (page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)])
}
