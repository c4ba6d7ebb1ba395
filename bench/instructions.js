// Instructions per request, counted by valgrind's callgrind: the in-process
// requests of bench/request.js (the HTTP benchmark's app, real req/res objects,
// no socket). Counts move far less than times, but V8 schedules its GC and JIT
// by time: run it on an idle machine, and compare versions in one run.
// Each scenario runs twice, with W and with W + N requests after the app is
// made; the difference divided by N is one request's cost once warm, split
// into:
//   mutator  the request's own work: JS, V8's runtime and builtins, Node, the
//            addon, libc (within 1-3% from run to run on an idle machine);
//   gc       the garbage collector (V8 schedules it by time too, so it moves by
//            several percent between runs; and this loop of requests keeps
//            much more alive through scavenges than a server does, with or
//            without sessions: this column is not a server's GC cost);
//   compile  the JIT (near zero once warm: the middleware's per-request
//            closures are optimized only after some 10,000 requests, hence
//            the default warm-up);
// The process runs with --single-threaded (no helper threads: the GC and the
// JIT work where they are counted), fixed hash and random seeds, and no address
// randomization. Under valgrind the CPU has no SHA extensions, so the HMAC of
// signing counts ~7,000 instructions that a real CPU does in about 0.1 us.
//
// usage: node bench/instructions.js [--workloads=new,read,write] [--warm=12000]
//          [--requests=4000] [--framework=express4|express5] [--base=DIR]
//          [--by=function] [--top=40] [scenario...]
//   (scenarios as in bench/request.js, none-dictionary first; --by=function
//   adds a table of the functions whose instructions per request differ most
//   from none-dictionary's, JS functions named through --perf-basic-prof)
// needs valgrind (Debian: apt-get install valgrind) and setarch (util-linux)

'use strict'

var childProcess = require('child_process')
var fs = require('fs')
var os = require('os')
var path = require('path')

function option (name, fallback) {
  var a = process.argv.find(function (x) { return x.indexOf('--' + name + '=') === 0 })
  return a ? a.slice(name.length + 3) : fallback
}

var GC = /Scaveng|Marking|MarkCompact|Evacuat|Sweep|Heap::|IteratePointers|BodyDescriptor|LiveObject|Pretenuring|RecordMigrated|RememberedSet|SlotSet|MemoryAllocator|MinorM|PagedSpace|LargeObject|SemiSpace|MarkingBarrier|ConcurrentMarking|GCTracer|heap::base/
var COMPILE = /compiler::|maglev|Maglev|baseline::|Baseline[A-Z]|interpreter::|Bytecode|Scanner|Parser|ParseInfo|Zone|LinuxPerfJitLogger|CodeEventLogger|Compiler::|Compile/

/** Runs the requests of one scenario in this process (the child, under valgrind). */
async function child () {
  var r = require('./request')
  var scenario = option('scenario')
  var workload = option('workload')
  var count = Number(option('count'))
  var app = r.makeApp(scenario, workload, option('framework', 'express4'))
  var cookie = await r.clientCookie(app, scenario, workload)
  for (var i = 0; i < count; i++) await r.request(app, '/', cookie)
}

/**
 * One run under callgrind; resolves with a Map: function name -> instructions
 * (JS functions named from the process's perf map).
 */
function run (scenario, workload, count, dir) {
  var tag = scenario + '-' + workload + '-' + count
  var out = path.join(dir, tag + '.%p.cg')
  var argv = ['-R', 'valgrind', '--tool=callgrind', '--callgrind-out-file=' + out,
    process.execPath, '--single-threaded', '--hash-seed=1', '--random-seed=1', '--perf-basic-prof',
    __filename, '--child', '--scenario=' + scenario, '--workload=' + workload, '--count=' + count,
    '--framework=' + option('framework', 'express4'), '--base=' + option('base', '')]
  return new Promise(function (resolve, reject) {
    var p = childProcess.spawn('setarch', [os.arch() === 'x64' ? 'x86_64' : os.arch()].concat(argv), { stdio: ['ignore', 'ignore', 'pipe'] })
    var err = ''
    p.stderr.on('data', function (d) { err += d })
    p.on('close', function (code) {
      var m = /==(\d+)== Collected : \d+/.exec(err)
      if (code !== 0 || !m) return reject(new Error('callgrind run ' + tag + ' failed (' + code + '):\n' + err.slice(-2000)))
      var file = out.replace('%p', m[1])
      var map = path.join(os.tmpdir(), 'perf-' + m[1] + '.map')
      try {
        resolve(functions(file, map))
      } finally {
        fs.rmSync(file, { force: true })
        fs.rmSync(map, { force: true })
      }
    })
  })
}

/** Exclusive instructions per function of a callgrind file. */
function functions (file, mapFile) {
  var text = childProcess.execFileSync('callgrind_annotate', ['--threshold=100', '--inclusive=no', file], { encoding: 'utf8', maxBuffer: 1 << 28 })
  var map = perfMap(mapFile)
  var result = new Map()
  text.split('\n').forEach(function (line) {
    var m = /^\s*([\d,]+) \([^)]*\)\s+(.*)$/.exec(line)
    if (!m || line.indexOf('PROGRAM TOTALS') !== -1) return
    var name = m[2]
    var jit = /^\?\?\?:0x([0-9a-f]+)/.exec(name)
    name = jit ? 'JS ' + lookup(map, parseInt(jit[1], 16)) : name.replace(/\(.*/, '').replace(/^\?\?\?:/, '')
    result.set(name, (result.get(name) || 0) + Number(m[1].replace(/,/g, '')))
  })
  return result
}

/** The entries of a perf map file: [start, size, name], in the order written. */
function perfMap (file) {
  if (!fs.existsSync(file)) return []
  return fs.readFileSync(file, 'utf8').split('\n').map(function (line) {
    var p = line.split(' ')
    return [parseInt(p[0], 16), parseInt(p[1], 16), p.slice(2).join(' ')]
  }).filter(function (e) { return e[2] })
}

function lookup (map, address) {
  // (code space is reused: the last entry written that covers the address)
  for (var i = map.length - 1; i >= 0; i--) {
    if (map[i][0] <= address && address < map[i][0] + map[i][1]) return map[i][2].replace(/^(JS|LazyCompile|Function):/, '')
  }
  return '(unnamed JIT code)'
}

function category (name) {
  return GC.test(name) ? 'gc' : COMPILE.test(name) ? 'compile' : 'mutator'
}

/** The names in either Map. */
function names (a, b) {
  return Array.from(new Set(Array.from(a.keys()).concat(Array.from(b.keys()))))
}

/** Per request: { mutator, gc, compile, functions: Map } from runs of warm and warm + n. */
function perRequest (a, b, n) {
  var result = { mutator: 0, gc: 0, compile: 0, functions: new Map() }
  names(a, b).forEach(function (name) {
    var v = ((b.get(name) || 0) - (a.get(name) || 0)) / n
    result[category(name)] += v
    result.functions.set(name, v)
  })
  return result
}

/** Runs the jobs (functions returning promises), two at a time (a core each). */
async function pool (jobs, width) {
  var results = new Array(jobs.length)
  var next = 0
  async function worker () {
    while (next < jobs.length) {
      var i = next++
      results[i] = await jobs[i]()
    }
  }
  var workers = []
  for (var w = 0; w < width; w++) workers.push(worker())
  await Promise.all(workers)
  return results
}

function k (x) {
  return (x / 1000).toFixed(1) + 'k'
}

async function main () {
  var workloads = option('workloads', 'new,read,write').split(',')
  var warm = Number(option('warm', 12000))
  var n = Number(option('requests', 4000))
  var top = Number(option('top', 40))
  var scenarios = process.argv.slice(2).filter(function (a) { return a.indexOf('--') !== 0 })
  if (scenarios.length === 0) scenarios = ['none-dictionary', 'express-session-rs']
  if (scenarios[0] !== 'none-dictionary') scenarios.unshift('none-dictionary')
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-instructions-'))

  console.log('node ' + process.version + ', ' + option('framework', 'express4') + ', in process under callgrind; ' +
    'instructions per request over requests ' + warm + ' to ' + (warm + n) + '\n')
  console.log('| workload | scenario | mutator | minus none-dictionary | gc | compile |')
  console.log('|---|---|---:|---:|---:|---:|')
  var details = []
  try {
    for (var w of workloads) {
      var jobs = []
      scenarios.forEach(function (s) {
        jobs.push(function () { return run(s, w, warm, dir) })
        jobs.push(function () { return run(s, w, warm + n, dir) })
      })
      var runs = await pool(jobs, Math.max(1, Math.min(2, os.cpus().length)))
      var per = scenarios.map(function (s, i) { return perRequest(runs[2 * i], runs[2 * i + 1], n) })
      scenarios.forEach(function (s, i) {
        console.log('| ' + w + ' | ' + s + ' | ' + k(per[i].mutator) + ' | ' + (i ? k(per[i].mutator - per[0].mutator) : '') +
          ' | ' + k(per[i].gc) + ' | ' + k(per[i].compile) + ' |')
      })
      if (option('by') === 'function') details.push([w, per])
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }

  details.forEach(function (d) {
    var per = d[1]
    scenarios.slice(1).forEach(function (s, i) {
      var mine = per[i + 1].functions
      var rows = names(mine, per[0].functions).map(function (name) {
        var a = mine.get(name) || 0
        var b = per[0].functions.get(name) || 0
        return [name, a, b, a - b]
      }).filter(function (r) { return category(r[0]) === 'mutator' })
      rows.sort(function (x, y) { return y[3] - x[3] })
      console.log('\n' + d[0] + ', ' + s + ' against none-dictionary: mutator instructions per request, by function (exclusive)\n')
      console.log('| function | ' + s + ' | none-dictionary | difference |')
      console.log('|---|---:|---:|---:|')
      rows.slice(0, top).forEach(function (r) {
        console.log('| `' + r[0].slice(0, 110).replace(/\|/g, '\\|') + '` | ' + Math.round(r[1]) + ' | ' + Math.round(r[2]) + ' | ' + Math.round(r[3]) + ' |')
      })
    })
  })
}

if (process.argv.indexOf('--child') !== -1) {
  child().catch(function (err) {
    console.error(err)
    process.exit(1)
  })
} else {
  main().catch(function (err) {
    console.error(err)
    process.exit(1)
  })
}
