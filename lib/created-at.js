/*!
 * express-session-rs: where a Cookie keeps its session's creation time under the
 * absoluteTimeout option (a symbol: set only by the middleware, so that a
 * createdAt merely found in stored data is dropped as express-session drops it).
 */

'use strict'

module.exports = Symbol('express-session-rs createdAt')
