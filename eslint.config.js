// ESLint flat config: neostandard (the maintained `standard` style), with `var` and
// long-hand properties allowed, as in express-session's own ES5-era code.

'use strict'

module.exports = [
  ...require('neostandard')({
    ignores: ['target/**', 'npm/**', 'bench/results/**', 'index.d.ts', 'native.d.ts', 'test/types/**']
  }),
  {
    rules: {
      'no-var': 'off',
      'object-shorthand': 'off'
    }
  }
]
