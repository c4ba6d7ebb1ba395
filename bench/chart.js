// Draws the HTTP suite's req/s per scenario and workload as an SVG bar chart.
// usage: node bench/chart.js [results.json] [out.svg]
// (defaults: bench/results/latest.json -> bench/results/http.svg)

'use strict'

var fs = require('fs')
var path = require('path')
var WORKLOADS = require('./http').WORKLOADS

var COLORS = {
  none: '#9e9e9e',
  'none-dictionary': '#cfcfcf',
  'express-session': '#e4572e',
  'express-session-rs': '#2e86ab',
  'express-session-rs-redis': '#76b041'
}
var LABELS = {
  none: 'no session (ceiling)',
  'none-dictionary': 'no session, req/res in dictionary mode',
  'express-session': 'express-session 1.19.0 + MemoryStore',
  'express-session-rs': 'express-session-rs + native MemoryStore',
  'express-session-rs-redis': 'express-session-rs + connect-redis'
}

function escape (s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;')
}

function draw (rows, framework) {
  rows = rows.filter(function (r) { return r.framework === framework })
  var groups = WORKLOADS.filter(function (w) { return rows.some(function (r) { return r.workload === w.id }) })
  var scenarios = Object.keys(COLORS).filter(function (s) { return rows.some(function (r) { return r.scenario === s }) })
  var max = Math.max.apply(null, rows.map(function (r) { return r.rps.max }))
  var barH = 16
  var groupH = scenarios.length * (barH + 4) + 26
  var left = 250
  var width = 820
  var plotW = width - left - 90
  var height = 40 + groups.length * groupH + scenarios.length * 20 + 10
  var out = []
  out.push('<svg xmlns="http://www.w3.org/2000/svg" width="' + width + '" height="' + height + '" font-family="sans-serif" font-size="12">')
  out.push('<rect width="100%" height="100%" fill="#fff"/>')
  out.push('<text x="10" y="20" font-size="14" font-weight="bold">Requests per second, ' + escape(framework) + ' (median of runs; line: min-max)</text>')
  var y = 40
  groups.forEach(function (w) {
    out.push('<text x="10" y="' + (y + 12) + '" font-weight="bold">(' + w.id + ') ' + escape(w.name) + '</text>')
    y += 18
    scenarios.forEach(function (s) {
      var r = rows.find(function (x) { return x.workload === w.id && x.scenario === s })
      if (r) {
        var len = (r.rps.median / max) * plotW
        out.push('<text x="' + (left - 6) + '" y="' + (y + barH - 4) + '" text-anchor="end">' + escape(LABELS[s]) + '</text>')
        out.push('<rect x="' + left + '" y="' + y + '" width="' + len.toFixed(1) + '" height="' + barH + '" fill="' + COLORS[s] + '"/>')
        var x0 = left + (r.rps.min / max) * plotW
        var x1 = left + (r.rps.max / max) * plotW
        out.push('<line x1="' + x0.toFixed(1) + '" x2="' + x1.toFixed(1) + '" y1="' + (y + barH / 2) + '" y2="' + (y + barH / 2) + '" stroke="#000"/>')
        var note = Math.round(r.rps.median) + (r.vsCeiling != null && s !== 'none' ? ' (' + r.vsCeiling.toFixed(2) + 'x)' : '')
        out.push('<text x="' + (left + Math.max(len, x1 - left) + 6).toFixed(1) + '" y="' + (y + barH - 4) + '">' + note + '</text>')
      }
      y += barH + 4
    })
    y += 8
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}

function main () {
  var input = process.argv[2] || path.join(__dirname, 'results', 'latest.json')
  var data = JSON.parse(fs.readFileSync(input, 'utf8'))
  var rows = data.suites ? data.suites.http : data
  if (!rows) throw new Error('no http results in ' + input)
  var frameworks = Array.from(new Set(rows.map(function (r) { return r.framework })))
  frameworks.forEach(function (f) {
    var out = process.argv[3] && frameworks.length === 1
      ? process.argv[3]
      : path.join(__dirname, 'results', 'http-' + f + '.svg')
    fs.writeFileSync(out, draw(rows, f))
    console.log('wrote ' + out)
  })
}

if (require.main === module) main()

module.exports = draw
