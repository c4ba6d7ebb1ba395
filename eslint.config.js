// ESLint flat config: neostandard (the maintained `standard` style), with `var` and
// long-hand properties allowed, as in express-session's own ES5-era code; and the
// direction of requires between folders (see docs/internals.md): lib/ is the
// bottom layer, native/ loads the addon, session/ builds on both, index.js on all.

'use strict'

var path = require('path')

// a path of the package (a resolved path or a glob of them)
function here (rel) {
  return path.join(__dirname, rel)
}

// requires a folder's modules may not make (resolved paths, globs)
function forbid (patterns, message) {
  return {
    'n/no-restricted-require': ['error', patterns.map(function (name) {
      return { name: name, message: message }
    })]
  }
}

module.exports = [
  ...require('neostandard')({
    ignores: ['target/**', 'npm/**', 'bench/results/**', 'index.d.ts', 'native/index.d.ts', 'test/types/**']
  }),
  {
    rules: {
      'no-var': 'off',
      'object-shorthand': 'off'
    }
  },
  {
    files: ['lib/**/*.js'],
    rules: forbid([
      require.resolve('./index.js'),
      here('session/*'),
      here('native'),
      here('native/*')
    ], 'lib/ is the bottom layer: it requires nothing from session/, native/ or the package entry')
  },
  {
    files: ['native/**/*.js'],
    rules: forbid([
      require.resolve('./index.js'),
      here('session/*'),
      here('lib/*'),
      here('lib/**')
    ], 'native/ loads the addon and wraps it: it requires nothing from lib/, session/ or the package entry')
  },
  {
    files: ['session/**/*.js'],
    rules: forbid([require.resolve('./index.js')], 'session/ does not require the package entry')
  }
]
