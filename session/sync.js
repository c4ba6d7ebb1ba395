/*!
 * express-session-rs: synchronous completion token
 */

'use strict'

/**
 * Passed by the middleware as an extra last argument to its own end-of-request
 * `set`/`touch`/`destroy` calls. The native MemoryStore, whose work is synchronous,
 * then calls back at once instead of on the next turn, so the response is finished
 * in one write, as express-session does with any synchronous store. Other stores
 * ignore the extra argument; callers other than the middleware never pass it, so
 * they keep MemoryStore's deferred callbacks.
 *
 * @private
 */
module.exports = typeof Symbol === 'function' ? Symbol('express-session-rs sync') : {}
