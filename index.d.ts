// Types for express-session-rs: the shapes of @types/express-session (1.19), plus
// this package's additions (promises, MemoryStore options and extras, opt-in fixes).
//
// Augment `SessionData` to type your session:
//
//   declare module 'express-session-rs' {
//     interface SessionData { views: number }
//   }
//
// (Installed under the name express-session, `"express-session":
// "npm:express-session-rs@..."`, these are the module 'express-session''s types:
// augment `declare module 'express-session'` then. Code and stores typed against
// @types/express-session, such as connect-redis and @types/connect-pg-simple,
// compile against them; test/types/ checks it.)
//
// These types declare `req.session`, as @types/express-session does, so a program
// should include one of the two: see the README's TypeScript section.

import { CipherKey } from 'crypto'
import { EventEmitter } from 'events'
import { IncomingMessage, ServerResponse } from 'http'

declare global {
  namespace Express {
    type SessionStore = session.Store & { generate: (req: Request) => void }

    interface Request {
      session: session.Session & Partial<session.SessionData>
      sessionID: string
      sessionStore: SessionStore
    }
  }
}

export = session

/**
 * The session middleware: `app.use(session({ secret, resave, saveUninitialized }))`.
 */
declare function session(options?: session.SessionOptions): session.Middleware

declare namespace session {
  /** A connect/express middleware; works with plain `http` too. */
  type Middleware = (req: any, res: ServerResponse, next: (err?: any) => void) => void

  interface SessionOptions {
    /** Secret(s) signing the session ID cookie: sign with the first, verify with all. */
    secret?: CipherKey | CipherKey[] | undefined
    /** Returns a new session ID (default: 32 base64url characters from 24 random bytes). */
    genid?(req: IncomingMessage & { [key: string]: any }): string
    /** Cookie name (default `connect.sid`). */
    name?: string | undefined
    /** Legacy alias of `name`. */
    key?: string | undefined
    /** Session store (default: a new native MemoryStore). */
    store?: Store | undefined
    /**
     * Cookie settings, or a function of the request returning them. (The function's
     * type is checked as a method's, so `(req: express.Request) => ...` is accepted.)
     */
    cookie?: CookieOptions | { cookie(req: IncomingMessage & { [key: string]: any }): CookieOptions }['cookie'] | undefined
    /** Re-send the cookie (with a reset expiry) on every response. */
    rolling?: boolean | undefined
    /** Save unmodified sessions back to the store (default true, deprecated default). */
    resave?: boolean | undefined
    /** Trust `X-Forwarded-Proto` (true), never (false), or `req.secure` (undefined). */
    proxy?: boolean | undefined
    /** Save new, unmodified sessions (default true, deprecated default). */
    saveUninitialized?: boolean | undefined
    /** What `delete req.session` / `req.session = null` does (default 'keep'). */
    unset?: 'destroy' | 'keep' | undefined
    /** Fix (opt-in): resolve 'auto' in options returned by a cookie function. */
    fixAutoCookieFunction?: boolean | undefined
    /** Fix (opt-in): save() inside regenerate()'s callback does not save twice. */
    fixRegenerateSave?: boolean | undefined
    /** Switch Express's req/res to V8's dictionary mode (default true; false: leave them). */
    dictionaryMode?: boolean | undefined
    /** Fix (opt-in): RFC 6265 path matching for `cookie.path` (`/admin` does not cover `/administrator`). */
    fixCookiePathMatch?: boolean | undefined
    /** Fix (opt-in): try every cookie of the session's name until one verifies. */
    fixDuplicateCookies?: boolean | undefined
    /** Fix (opt-in): with unset: 'destroy', a failed store.get does not destroy the session. */
    fixLoadErrorDestroy?: boolean | undefined
    /**
     * Also read the signed session value from this request header when no valid
     * cookie came, and send it in this response header with every Set-Cookie
     * (clients without cookies; URL-encoded as the cookie when the value holds
     * `%` or characters a header cannot carry). Off by default. A name that
     * carries cookies, frames or routes the message is a TypeError.
     */
    header?: string | undefined
    /**
     * Sessions created longer ago than this (ms, an integer from 1 to 2^53-1)
     * are destroyed and treated as absent on load; null or false: off.
     */
    absoluteTimeout?: number | null | false | undefined
    /** After req.session.destroy(), send an expired cookie (and an empty `header`). */
    clearCookieOnDestroy?: boolean | undefined
    /** Send a cookie that verified only with an older secret back signed with the first. */
    resignOldSecrets?: boolean | undefined
    /**
     * With this package's MemoryStore or SqliteStore: a save writes only the
     * top-level fields the request changed or deleted (concurrent requests keep
     * each other's changes).
     */
    saveChangedFields?: boolean | undefined
    /**
     * Who a session belongs to, for `store.sessionsOf(owner)` and
     * `store.destroyOwner(owner)`: the name of a top-level session field
     * (`'userId'`), or a function of the session returning the owner (a
     * non-empty string or a number; anything else: no owner). Needs a store
     * with those methods (this package's MemoryStore or SqliteStore).
     */
    owner?: string | ((session: Session & Partial<SessionData>) => string | number | bigint | null | undefined) | null | undefined
    /** Throw a TypeError (instead of warning once) when cookie options break a __Host-/__Secure- name prefix. */
    strictCookiePrefix?: boolean | undefined
  }

  /** Options of `store.destroyOwner(owner, options)`. */
  interface DestroyOwnerOptions {
    /** A session ID, or several, to keep (the current one, for "log out my other devices"). */
    except?: string | string[] | undefined
  }

  /** Options of `req.session.regenerate(options, callback)`. */
  interface RegenerateOptions {
    /** Carry every field (true) or the listed fields over to the new session. */
    keep?: boolean | string[] | undefined
  }

  class Session {
    private constructor(request: any, data?: object)

    readonly id: string
    cookie: Cookie

    /** Replaces the session with a new one under a new ID. */
    regenerate(callback: (err: any) => void): this
    regenerate(options: RegenerateOptions, callback: (err: any) => void): this
    regenerate(options?: RegenerateOptions): Promise<void>
    /** Removes the session from the store and the request. */
    destroy(callback: (err: any) => void): this
    destroy(): Promise<void>
    /** Re-reads the session from the store. */
    reload(callback: (err: any) => void): this
    reload(): Promise<void>
    /** Saves the session to the store. */
    save(callback: (err: any) => void): this
    save(): Promise<void>
    save(callback?: ((err: any) => void) | undefined): this | Promise<void>
    /** Resets `cookie.maxAge` to `cookie.originalMaxAge`. */
    resetMaxAge(): this
    /** Same as resetMaxAge(). */
    touch(): this
  }

  /**
   * A `Session` seen through its callback forms only, the shape @types/express-session
   * gives `Session`: what `Store.createSession` is typed to return, so that a store
   * typed by @types/express-session (connect-redis, connect-pg-simple, ...) is a
   * `Store` here too. The value returned is a full `Session`.
   */
  interface CallbackSession {
    readonly id: string
    cookie: Cookie
    regenerate(callback: (err: any) => void): this
    destroy(callback: (err: any) => void): this
    reload(callback: (err: any) => void): this
    save(callback: (err: any) => void): this
    resetMaxAge(): this
    touch(): this
  }

  /** Your session data: augment this interface. */
  interface SessionData {
    cookie: Cookie
  }

  interface CookieOptions {
    maxAge?: number | undefined
    partitioned?: boolean | undefined
    priority?: 'low' | 'medium' | 'high' | undefined
    /** Declared by @types/express-session; express-session (and this package) ignore it. */
    signed?: boolean | undefined
    expires?: Date | null | undefined
    httpOnly?: boolean | undefined
    path?: string | undefined
    domain?: string | undefined
    secure?: boolean | 'auto' | undefined
    /** Declared by @types/express-session; express-session (and this package) ignore it. */
    encode?: ((val: string) => string) | undefined
    sameSite?: boolean | 'lax' | 'strict' | 'none' | 'auto' | undefined
  }

  /**
   * A session's cookie. The middleware's sessions hold instances; a session read
   * back from a store's JSON (or written by hand: `{ cookie: { originalMaxAge: null } }`)
   * holds a plain object with the same fields, hence the optional `data`,
   * `serialize` and `toJSON` (present on instances).
   */
  class Cookie implements CookieOptions {
    constructor(options?: CookieOptions)
    /** The `maxAge` the cookie was given, in ms (null: a browser-session cookie). */
    originalMaxAge: number | null
    maxAge?: number | undefined
    partitioned?: boolean | undefined
    priority?: 'low' | 'medium' | 'high' | undefined
    signed?: boolean | undefined
    expires?: Date | null | undefined
    httpOnly?: boolean | undefined
    path?: string | undefined
    domain?: string | undefined
    /** 'auto' is resolved when the middleware creates the cookie. */
    secure?: boolean | 'auto' | undefined
    /** (the middleware resolves the option's 'auto' before the cookie holds it) */
    sameSite?: boolean | 'lax' | 'strict' | 'none' | undefined
    /** The fields serialized into Set-Cookie and stored (instances only). */
    readonly data?: CookieOptions & { originalMaxAge: number | null }
    /** The Set-Cookie header value for `name=value` (instances only). */
    serialize?(name: string, value: string): string
    /** The stored form: `data` (instances only). */
    toJSON?(): CookieOptions & { originalMaxAge: number | null }
  }

  abstract class Store extends EventEmitter {
    constructor()
    regenerate(req: any, callback: (err?: any) => any): void
    load(sid: string, callback: (err: any, session?: SessionData) => any): void
    /** Makes `req.session` from stored data and returns it (typed by its callback forms). */
    createSession(req: any, session: SessionData): CallbackSession & SessionData

    abstract get(sid: string, callback: (err: any, session?: SessionData | null) => void): void
    abstract set(sid: string, session: SessionData, callback?: (err?: any) => void): void
    abstract destroy(sid: string, callback?: (err?: any) => void): void

    all?(callback: (err: any, obj?: SessionData[] | { [sid: string]: SessionData } | null) => void): void
    length?(callback: (err: any, length?: number) => void): void
    clear?(callback?: (err?: any) => void): void
    touch?(sid: string, session: SessionData, callback?: (err?: any) => void): void
  }

  interface MemoryStoreOptions {
    /**
     * Lifetime in ms (an integer >= 1) of sessions whose cookie has no expiry (default
     * one day), from the last set/touch; Infinity: never; or a function of the session.
     */
    ttl?: number | ((session: SessionData) => number) | undefined
    /** Most sessions kept, an integer >= 0 (default 0: no limit); least recently used evicted first. */
    max?: number | undefined
    /** Most bytes of session ID + JSON kept, an integer >= 0 (default 0: no limit). */
    maxBytes?: number | undefined
    /** ms between background expiry steps, 0 to 2^31-1 (default 1000; 0: none). */
    sweepInterval?: number | undefined
    /** ms one expiry step may take, 0 to 2^31-1 (default 2; at most 60 s is used). */
    sweepBudget?: number | undefined
    /** Stores of the same name share their sessions across worker_threads. */
    name?: string | undefined
  }

  interface MemoryStoreStats {
    /** Sessions stored now (expired ones not yet removed included). */
    count: number
    /** Bytes of session ID + JSON stored now. */
    bytes: number
    /** `get` calls that found a live session, since the store was created. */
    hits: number
    /** `get` calls that found none. */
    misses: number
    /** Sessions removed because they expired. */
    expired: number
    /** Sessions evicted by `max` / `maxBytes`. */
    evicted: number
  }

  /**
   * The default store: sessions as JSON in a Rust map, off the V8 heap.
   * Every method returns a Promise when called without a callback (an optional
   * callback, as @types/express-session's MemoryStore takes, is typed too).
   */
  class MemoryStore extends Store {
    constructor(options?: MemoryStoreOptions)
    /** sid -> stored JSON: a live view, as express-session's `store.sessions`. */
    sessions: { [sid: string]: string }
    get(sid: string, callback: (err: any, session?: SessionData | null) => void): void
    get(sid: string): Promise<SessionData | undefined>
    set(sid: string, session: SessionData, callback: (err?: any) => void): void
    set(sid: string, session: SessionData): Promise<void>
    set(sid: string, session: SessionData, callback?: ((err?: any) => void) | undefined): void | Promise<void>
    destroy(sid: string | string[], callback: (err?: any) => void): void
    destroy(sid: string | string[]): Promise<void>
    destroy(sid: string | string[], callback?: ((err?: any) => void) | undefined): void | Promise<void>
    all(callback: (err: any, obj?: { [sid: string]: SessionData } | null) => void): void
    all(): Promise<{ [sid: string]: SessionData }>
    length(callback: (err: any, length?: number) => void): void
    length(): Promise<number>
    clear(callback: (err?: any) => void): void
    clear(): Promise<void>
    clear(callback?: ((err?: any) => void) | undefined): void | Promise<void>
    touch(sid: string, session: SessionData, callback: (err?: any) => void): void
    touch(sid: string, session: SessionData): Promise<void>
    touch(sid: string, session: SessionData, callback?: ((err?: any) => void) | undefined): void | Promise<void>
    ids(callback: (err: any, ids?: string[]) => void): void
    ids(): Promise<string[]>
    /** The live sessions of one owner (session()'s `owner` option). */
    sessionsOf(owner: string | number, callback: (err: any, obj?: { [sid: string]: SessionData } | null) => void): void
    sessionsOf(owner: string | number): Promise<{ [sid: string]: SessionData }>
    /** Ends the live sessions of one owner but `except`; gives how many. */
    destroyOwner(owner: string | number, options: DestroyOwnerOptions | undefined, callback: (err: any, count?: number) => void): void
    destroyOwner(owner: string | number, callback: (err: any, count?: number) => void): void
    destroyOwner(owner: string | number, options?: DestroyOwnerOptions): Promise<number>
    /** Counters and sizes, read without a scan. */
    stats(): MemoryStoreStats
    /** Removes every expired session now; returns how many. */
    prune(): number
    /** Starts the background expiry (the constructor does, unless sweepInterval is 0). */
    startInterval(): void
    /** Stops the background expiry. */
    stopInterval(): void
  }

  interface SqliteStoreOptions {
    /** The database file (created when missing; a file that is not one is refused). */
    path: string
    /** Also survive power loss: fsync each commit, shared by concurrent writes (default false). */
    fsync?: boolean | undefined
    /**
     * Lifetime in ms (an integer >= 1) of sessions whose cookie has no expiry (default
     * one day); Infinity: never; or a function.
     */
    ttl?: number | ((session: SessionData) => number) | undefined
    /** ms a write, or the opening, waits for another process's lock before failing, 0 to 2^31-1 (default 5000). */
    busyTimeout?: number | undefined
    /** ms between background removals of expired sessions, 0 to 2^31-1 (default 60000; 0: none). */
    sweepInterval?: number | undefined
    /** Expired sessions removed per step, an integer >= 1 (default 1000). */
    sweepBatch?: number | undefined
    /** SQLite's max_page_count, 0 to 4294967294: a size limit past which writes fail (default 0: none). */
    maxPages?: number | undefined
  }

  interface SqliteStoreStats {
    /** Rows in the file now (every process's), expired ones not yet removed included. */
    count: number
    /** Bytes of session ID + JSON in the file now. */
    bytes: number
    /** This process's `get` calls that found a live session. */
    hits: number
    misses: number
    /** Sessions this process found expired or removed. */
    expired: number
  }

  /**
   * The durable store: sessions in one SQLite file, kept across restarts and
   * shared by the processes of one machine. Errors carry `err.code`
   * (`SQLITE_NOTADB`, `SQLITE_CORRUPT` (a damaged file or row),
   * `SQLITE_CANTOPEN`, `SQLITE_FULL`, `SQLITE_BUSY`, `SQLITE_IOERR`,
   * `ERR_STORE_CLOSED`, `ERR_STORE_FILE_REPLACED` (the file at `path` was deleted
   * or replaced while open: open a new store), `SQLITE_ERROR`).
   */
  class SqliteStore extends Store {
    constructor(options: SqliteStoreOptions)
    readonly path: string
    get(sid: string, callback: (err: any, session?: SessionData | null) => void): void
    get(sid: string): Promise<SessionData | undefined>
    set(sid: string, session: SessionData, callback: (err?: any) => void): void
    set(sid: string, session: SessionData): Promise<void>
    set(sid: string, session: SessionData, callback?: ((err?: any) => void) | undefined): void | Promise<void>
    destroy(sid: string | string[], callback: (err?: any) => void): void
    destroy(sid: string | string[]): Promise<void>
    destroy(sid: string | string[], callback?: ((err?: any) => void) | undefined): void | Promise<void>
    all(callback: (err: any, obj?: { [sid: string]: SessionData } | null) => void): void
    all(): Promise<{ [sid: string]: SessionData }>
    length(callback: (err: any, length?: number) => void): void
    length(): Promise<number>
    clear(callback: (err?: any) => void): void
    clear(): Promise<void>
    clear(callback?: ((err?: any) => void) | undefined): void | Promise<void>
    touch(sid: string, session: SessionData, callback: (err?: any) => void): void
    touch(sid: string, session: SessionData): Promise<void>
    touch(sid: string, session: SessionData, callback?: ((err?: any) => void) | undefined): void | Promise<void>
    ids(callback: (err: any, ids?: string[]) => void): void
    ids(): Promise<string[]>
    /** The live sessions of one owner (session()'s `owner` option), of every process. */
    sessionsOf(owner: string | number, callback: (err: any, obj?: { [sid: string]: SessionData } | null) => void): void
    sessionsOf(owner: string | number): Promise<{ [sid: string]: SessionData }>
    /** Ends the live sessions of one owner but `except`, in one transaction; gives how many. */
    destroyOwner(owner: string | number, options: DestroyOwnerOptions | undefined, callback: (err: any, count?: number) => void): void
    destroyOwner(owner: string | number, callback: (err: any, count?: number) => void): void
    destroyOwner(owner: string | number, options?: DestroyOwnerOptions): Promise<number>
    /** Removes every expired session now. */
    prune(callback: (err?: any) => void): void
    prune(): Promise<void>
    stats(): SqliteStoreStats
    startInterval(): void
    stopInterval(): void
    /**
     * Writes what is queued (blocking until it is written), then closes the file:
     * later calls fail with `ERR_STORE_CLOSED`.
     */
    close(): void
  }

  interface RedisStoreOptions {
    /** The server: `redis://[[user]:password@]host[:port][/database]`, or `rediss://...` for TLS (default `redis://127.0.0.1:6379`). */
    url?: string | undefined
    /** Certificates for `rediss://` (PEM): `ca` (the CAs that the server's certificate must chain to; else the system's), `cert` and `key` (the client's, for mutual TLS). */
    tls?: { ca?: string | Uint8Array | undefined, cert?: string | Uint8Array | undefined, key?: string | Uint8Array | undefined } | undefined
    /** A Redis Cluster, found through `nodes` (instead of `url`). */
    cluster?: boolean | undefined
    /** Some or all nodes of the cluster: redis:// URLs or `{ host, port, username?, password? }`. */
    nodes?: Array<string | { host: string, port: number, username?: string | undefined, password?: string | undefined }> | undefined
    /** The keys' prefix (default `'sess:'`). */
    prefix?: string | undefined
    /**
     * Lifetime in seconds (an integer from 1 to 9e15; 0, null and NaN: the default)
     * of sessions whose cookie has no expiry (default 86400), or a function giving
     * every session's, as connect-redis's.
     */
    ttl?: number | ((session: SessionData) => number) | undefined
    /** `touch` does nothing (default false). */
    disableTouch?: boolean | undefined
    /** Sessions never expire in Redis, and `touch` does nothing (default false). */
    disableTTL?: boolean | undefined
    /** Keys per SCAN step of `all`, `ids`, `length` and `clear`, an integer >= 1 (default 100). */
    scanCount?: number | undefined
    /** ms one connection attempt may take, 1 to 2^31-1 (default 5000). */
    connectTimeout?: number | undefined
    /** ms a command may take, 1 to 2^31-1 (default 5000). */
    commandTimeout?: number | undefined
    /** ms before the first reconnection attempt, 1 to 2^31-1 (default 50). */
    reconnectDelay?: number | undefined
    /** ms, the longest wait between reconnection attempts, 1 to 2^31-1 (default 2000). */
    reconnectMaxDelay?: number | undefined
  }

  interface RedisStoreStats {
    /** Commands this store sent. */
    commands: number
  }

  /**
   * Sessions on a Redis server, in connect-redis's layout (key `prefix + id`, the
   * session's JSON, its lifetime as the key's TTL). Errors carry `err.code`:
   * `ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`, `ERR_STORE_CLOSED`,
   * `ERR_STORE_DAMAGED`, or the server's error prefix (`WRONGPASS`, `NOAUTH`,
   * `WRONGTYPE`, `ERR`, ...).
   */
  class RedisStore extends Store {
    constructor(options?: RedisStoreOptions)
    readonly prefix: string
    readonly disableTouch: boolean
    readonly disableTTL: boolean
    get(sid: string, callback: (err: any, session?: SessionData | null) => void): void
    get(sid: string): Promise<SessionData | undefined>
    set(sid: string, session: SessionData, callback: (err?: any) => void): void
    set(sid: string, session: SessionData): Promise<void>
    set(sid: string, session: SessionData, callback?: ((err?: any) => void) | undefined): void | Promise<void>
    destroy(sid: string | string[], callback: (err?: any) => void): void
    destroy(sid: string | string[]): Promise<void>
    destroy(sid: string | string[], callback?: ((err?: any) => void) | undefined): void | Promise<void>
    all(callback: (err: any, obj?: { [sid: string]: SessionData } | null) => void): void
    all(): Promise<{ [sid: string]: SessionData }>
    length(callback: (err: any, length?: number) => void): void
    length(): Promise<number>
    clear(callback: (err?: any) => void): void
    clear(): Promise<void>
    clear(callback?: ((err?: any) => void) | undefined): void | Promise<void>
    touch(sid: string, session: SessionData, callback: (err?: any) => void): void
    touch(sid: string, session: SessionData): Promise<void>
    touch(sid: string, session: SessionData, callback?: ((err?: any) => void) | undefined): void | Promise<void>
    ids(callback: (err: any, ids?: string[]) => void): void
    ids(): Promise<string[]>
    /**
     * The live sessions of one owner (session()'s `owner` option, which this
     * store needs: it checks each session's owner with it).
     */
    sessionsOf(owner: string | number, callback: (err: any, obj?: { [sid: string]: SessionData } | null) => void): void
    sessionsOf(owner: string | number): Promise<{ [sid: string]: SessionData }>
    /** Ends the live sessions of one owner but `except`; gives how many. */
    destroyOwner(owner: string | number, options: DestroyOwnerOptions | undefined, callback: (err: any, count?: number) => void): void
    destroyOwner(owner: string | number, callback: (err: any, count?: number) => void): void
    destroyOwner(owner: string | number, options?: DestroyOwnerOptions): Promise<number>
    stats(): RedisStoreStats
    /** Sends what is queued, then refuses further commands; waits for the ones in flight. */
    close(): void
  }

  /** cookie-signature's sign: `value + '.' + base64(HMAC-SHA256)` without padding. */
  function sign(value: string, secret: CipherKey): string
  /** cookie-signature's unsign, also taking an array of secrets. */
  function unsign(signed: string, secret: CipherKey | CipherKey[]): string | false
  /** A new session ID: 32 base64url characters from 24 CSPRNG bytes. */
  function generateId(): string
}
