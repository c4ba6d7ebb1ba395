// `npm run bench [-- suite...] [--quick] [--express4|--express5]
// [--workloads=i,ii] [--scenarios=express-session,express-session-rs]`: runs the
// named suites (micro, store, sqlite, redis, http, large; default: all) and prints Markdown tables;
// JSON results go to bench/results/latest.json. The last two options narrow the
// HTTP suite.

'use strict'

var fs = require('fs')
var os = require('os')
var path = require('path')

var SUITES = {
  micro: require('./micro'),
  store: require('./store'),
  sqlite: require('./sqlite'),
  redis: require('./redis'),
  http: require('./http'),
  large: require('./large')
}

async function main () {
  var args = process.argv.slice(2)
  var quick = args.indexOf('--quick') !== -1
  var names = args.filter(function (a) { return a[0] !== '-' })
  if (names.length === 0) names = Object.keys(SUITES)

  var machine = os.cpus()[0].model + ', ' + os.cpus().length + ' cores, node ' + process.version
  console.log('# express-session-rs benchmarks\n\nmachine: ' + machine + '\n')

  var out = { machine: machine, date: new Date().toISOString(), suites: {} }
  var frameworks = args.filter(function (a) { return /^--express[45]$/.test(a) }).map(function (a) { return a.slice(2) })
  for (var name of names) {
    var suite = SUITES[name]
    if (!suite) throw new Error('unknown suite ' + name + ' (have: ' + Object.keys(SUITES).join(', ') + ')')
    var options = quick ? { rounds: 1, ms: 50, quick: true } : {}
    if (frameworks.length) options.frameworks = frameworks
    args.forEach(function (a) {
      var m = /^--(workloads|scenarios)=(.+)$/.exec(a)
      if (m) options[m[1]] = m[2].split(',')
    })
    var results = await suite(options)
    out.suites[name] = results
    console.log('## ' + name + '\n\n' + suite.table(results) + '\n')
  }

  var dir = path.join(__dirname, 'results')
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(out, null, 2) + '\n')
}

main().catch(function (err) {
  console.error(err)
  process.exit(1)
})
