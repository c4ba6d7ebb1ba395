// The native addon, built into the package folder (`napi build --release`): the
// raw bindings of src/node/mod.rs, typed by native.d.ts (napi-rs generates neither).

'use strict'

module.exports = require('./express-session-rs.node')
