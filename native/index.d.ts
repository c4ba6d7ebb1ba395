// Types of the native addon (src/node/mod.rs), loaded by native/index.js: the raw
// surface under the package's exports. Prefer those; this one validates its
// arguments (TypeError for a wrong type, RangeError for a number out of range)
// and keeps strings exactly (lone surrogates included).

import session = require('../index')

/** A new session ID: 32 base64url characters from 24 CSPRNG bytes. */
export declare function generateId(): string

export interface NativeSigner {
  /** The 43-character base64 HMAC-SHA256 of `value` (as UTF-8) under the first secret. */
  sign(value: string): string
  /** True when `input` is `value + '.' + signature` under any of the secrets. */
  verify(input: string): boolean
}

/** Prepares HMAC keys once; secrets as raw bytes (at least one). */
export declare function createSigner(secrets: Buffer[]): NativeSigner

export interface SweepResult {
  removed: number
  shards: number
  passComplete: boolean
}

/** The shape of `MemoryStore#stats()`. */
export type StoreStats = session.MemoryStoreStats

/**
 * Session JSON by sid. `now` is a finite number of ms since the epoch; an
 * `expires` of NaN or ±Infinity never expires.
 */
export interface NativeStore {
  get(sid: string, now: number): string | undefined
  /** Raw read: expired or not, no statistics. */
  peek(sid: string): string | undefined
  /** Every stored sid, expired or not, in insertion order. */
  keys(): string[]
  set(sid: string, json: string, expires: number, now: number): void
  /**
   * Writes only the members `sets` (`[key, valueJson, ...]`) and `deletes`
   * (`[key, ...]`) into the live session's JSON, or stores `fullJson` when there is
   * none. Keys as JSON.stringify writes them between the quotes (a TypeError
   * otherwise); they are compared with the stored keys as JSON.parse reads both.
   */
  merge(sid: string, fullJson: string, sets: string[], deletes: string[], expires: number, now: number): void
  destroy(sid: string): boolean
  touch(sid: string, cookieJson: string | undefined | null, expires: number, now: number): boolean
  /** `[sid, json, sid, json, ...]` in insertion order. */
  all(now: number): string[]
  ids(now: number): string[]
  length(now: number): number
  clear(): void
  removeExpired(now: number): number
  /** One sweep step of at most `budgetMs` (finite, >= 0; at most 60 s is used). */
  sweep(now: number, budgetMs: number): SweepResult
  stats(): StoreStats
}

/**
 * Limits are numbers >= 0; 0 and Infinity mean unlimited. Stores of the same name
 * share their data across the process's threads.
 */
export declare function createStore(maxEntries: number, maxBytes: number, name?: string | null): NativeStore

/** The shape of `SqliteStore#stats()`. */
export type SqliteStoreStats = session.SqliteStoreStats

/**
 * `[id, err | null, id, err | null, ...]`: the writes of one committed batch, each
 * with its request id and its error (an `Error` with `err.code`) or null.
 */
export type SqliteCompletions = Array<number | (Error & { code: string }) | null>

/**
 * One SQLite file (WAL). Reads are synchronous; writes are staged with a
 * caller-chosen request `id`, sent to the writer thread by `flush()`, and
 * complete through the `onDone` given to `createSqliteStore`, one call per batch.
 */
export interface NativeSqliteStore {
  get(sid: string, now: number): string | undefined
  set(id: number, sid: string, json: string, expires: number): void
  /** `NativeStore#merge`, queued. */
  merge(id: number, sid: string, fullJson: string, sets: string[], deletes: string[], expires: number, now: number): void
  touch(id: number, sid: string, cookieJson: string | null, expires: number, now: number): void
  destroy(id: number, sidOrSids: string | string[]): void
  clear(id: number): void
  /** Removes at most `limit` sessions expired at `now` (0 or Infinity: no limit). */
  sweep(id: number, now: number, limit: number): void
  /** Sends the staged writes to the writer thread (one wake-up, one transaction). */
  flush(): void
  /** `[sid, json, sid, json, ...]` in insertion order. */
  all(now: number): string[]
  ids(now: number): string[]
  length(now: number): number
  stats(): SqliteStoreStats
  /** Keep the event loop alive while writes are pending (or stop). */
  ref(): void
  unref(): void
  /** Writes what is staged and queued, then stops the writer thread (blocks until then). */
  close(): void
}

/**
 * Opens (or creates) the file; throws an Error with `err.code` (`SQLITE_NOTADB`,
 * `SQLITE_CORRUPT`, `SQLITE_CANTOPEN`, ...) when it cannot be used, leaving it as it was.
 * `fsync` 1: `synchronous=FULL`; `busyTimeoutMs` from 0 to 2^31-1 (else a RangeError);
 * `maxPageCount` 0: SQLite's default.
 */
export declare function createSqliteStore(
  path: string,
  fsync: number,
  busyTimeoutMs: number,
  maxPageCount: number,
  onDone: (completions: SqliteCompletions) => void
): NativeSqliteStore
