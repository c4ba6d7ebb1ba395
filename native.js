'use strict'

// The native addon, built into the package folder by `npm install`
// (`napi build --release`). The bindings are raw Node-API functions (src/lib.rs),
// so napi-rs has no loader or types to generate: this file and native.d.ts are them.
module.exports = require('./express-session-rs.node')
