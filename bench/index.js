'use strict'

// `npm run bench [-- suite...] [--quick]`: runs the named suites (default: all
// available) and prints Markdown tables; JSON results go to bench/results/.

var fs = require('fs')
var os = require('os')
var path = require('path')

var SUITES = {
  micro: require('./micro'),
  store: require('./store')
}

function main () {
  var args = process.argv.slice(2)
  var quick = args.indexOf('--quick') !== -1
  var names = args.filter(function (a) { return a[0] !== '-' })
  if (names.length === 0) names = Object.keys(SUITES)

  var machine = os.cpus()[0].model + ', ' + os.cpus().length + ' cores, node ' + process.version
  console.log('# express-session-rs benchmarks\n\nmachine: ' + machine + '\n')

  var out = { machine: machine, date: new Date().toISOString(), suites: {} }
  names.forEach(function (name) {
    var suite = SUITES[name]
    if (!suite) throw new Error('unknown suite ' + name + ' (have: ' + Object.keys(SUITES).join(', ') + ')')
    var results = suite(quick ? { rounds: 1, ms: 50, quick: true } : {})
    out.suites[name] = results
    console.log('## ' + name + '\n\n' + suite.table(results) + '\n')
  })

  var dir = path.join(__dirname, 'results')
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(out, null, 2) + '\n')
}

main()
