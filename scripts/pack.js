#!/usr/bin/env node
// `npm run pack`: this checkout as the registry would serve it, in dist/:
//   express-session-rs-<version>.tgz             the package (JavaScript, sources, no binary)
//   express-session-rs-<platform>-<version>.tgz  this platform's prebuilt binary
// then prints the command that installs both into an app.
//
// The binary is built (or brought up to date) from source first: scripts/build.js.

'use strict'

var childProcess = require('child_process')
var fs = require('fs')
var path = require('path')
var platform = require('../native/platform')

var root = path.join(__dirname, '..')
var dist = path.join(root, 'dist')
var name = platform.name()

/**
 * `npm pack` of `dir` into dist/, without lifecycle scripts; returns the tarball's path.
 *
 * @private
 */
function pack (dir) {
  var out = childProcess.execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dist, dir],
    { cwd: dir, encoding: 'utf8', shell: process.platform === 'win32' })
  return path.join(dist, out.trim().split('\n').pop())
}

function main () {
  var template = path.join(root, 'npm', name)
  if (!fs.existsSync(template)) {
    console.error('express-session-rs: no package folder npm/' + name + ' (no prebuilt binary is published for ' + name + ').')
    process.exit(1)
  }
  var build = childProcess.spawnSync(process.execPath, [path.join(__dirname, 'build.js')], { stdio: 'inherit' })
  if (build.status !== 0) process.exit(build.status || 1)

  fs.mkdirSync(dist, { recursive: true })
  var main = pack(root)
  var staging = fs.mkdtempSync(path.join(dist, '.' + name + '-'))
  try {
    fs.cpSync(template, staging, { recursive: true })
    var binary = path.basename(platform.localBinary(name))
    fs.copyFileSync(platform.localBinary(name), path.join(staging, binary))
    var binaryPackage = pack(staging)
  } finally {
    fs.rmSync(staging, { recursive: true, force: true })
  }

  console.log([
    '',
    'Packed:',
    '  ' + path.relative(process.cwd(), main),
    '  ' + path.relative(process.cwd(), binaryPackage),
    '',
    'In your app\'s folder, install them with:',
    '  npm install ' + main + ' ' + binaryPackage,
    'or, to install the package under the name express-session:',
    '  npm install express-session@file:' + main + ' ' + binaryPackage,
    '(pnpm add, yarn add and bun add take the same arguments)'
  ].join('\n'))
}

main()
