// Types of the native addon (src/lib.rs). Internal: use the package's exports.

/** A new session ID: 32 base64url characters from 24 CSPRNG bytes. */
export declare function generateId(): string

export interface NativeSigner {
  /** The 43-character base64 HMAC-SHA256 of `value` under the first secret. */
  sign(value: string): string
  /** True when `input` is `value + '.' + signature` under any of the secrets. */
  verify(input: string): boolean
}

/** Prepares HMAC keys once; secrets as raw bytes. */
export declare function createSigner(secrets: Buffer[]): NativeSigner

export interface SweepResult {
  removed: number
  shards: number
  passComplete: boolean
}

export interface StoreStats {
  count: number
  bytes: number
  hits: number
  misses: number
  expired: number
  evicted: number
}

/** Session JSON by sid; times are ms since the epoch; NaN expiry: never. */
export interface NativeStore {
  get(sid: string, now: number): string | undefined
  /** Raw read: expired or not, no statistics. */
  peek(sid: string): string | undefined
  /** Every stored sid, expired or not, in insertion order. */
  keys(): string[]
  set(sid: string, json: string, expires: number, now: number): void
  destroy(sid: string): boolean
  touch(sid: string, cookieJson: string | undefined, expires: number, now: number): boolean
  /** `[sid, json, sid, json, ...]` in insertion order. */
  all(now: number): string[]
  ids(now: number): string[]
  length(now: number): number
  clear(): void
  removeExpired(now: number): number
  sweep(now: number, budgetMs: number): SweepResult
  stats(): StoreStats
}

/** Limits of 0 mean unlimited; stores of the same name share their data. */
export declare function createStore(maxEntries: number, maxBytes: number, name?: string): NativeStore
