// This package's shapes and @types/express-session's, both in one program
// ('types-express-session' is a path to @types/express-session's index.d.ts), are
// assignable to each other: values typed by either pass where the other is
// expected. (skipLibCheck is on: both declare req.session, which clashes when
// library files are checked; the assignments below are checked all the same.)
import ours = require('express-session-rs')
import theirs = require('types-express-session')

declare const theirData: theirs.SessionData
declare const ourData: ours.SessionData
declare const theirCookie: theirs.Cookie
declare const ourCookie: ours.Cookie
declare const theirCookieOptions: theirs.CookieOptions
declare const theirSession: theirs.Session & theirs.SessionData
declare const ourSession: ours.Session & ours.SessionData
declare const theirOptions: theirs.SessionOptions
declare const theirStore: theirs.Store

// SessionData and Cookie: both ways
const data1: ours.SessionData = theirData
const data2: theirs.SessionData = ourData
const cookie1: ours.Cookie = theirCookie
const cookie2: theirs.Cookie = ourCookie
const cookie3: theirs.Cookie = new ours.Cookie({ maxAge: 1000 })
const cookie4: ours.Cookie = new theirs.Cookie()
const literal1: ours.SessionData = { cookie: { originalMaxAge: null } }
const literal2: theirs.SessionData = literal1

// Stores: either's instances are the other's Store
const store1: ours.Store = theirStore
const store2: ours.Store = new theirs.MemoryStore()
const store3: theirs.Store = new ours.MemoryStore({ max: 10 })
const store4: theirs.MemoryStore = new ours.MemoryStore()
const store5: theirs.Store = new ours.SqliteStore({ path: 'sessions.db' })
ours({ secret: 's', store: new theirs.MemoryStore() })
theirs({ secret: 's', store: new ours.MemoryStore() })
// stores written against either set of types
class TheirStore extends theirs.Store {
  get (sid: string, cb: (err: any, s?: theirs.SessionData | null) => void): void { cb(null, null) }
  set (sid: string, s: theirs.SessionData, cb?: (err?: any) => void): void { cb?.() }
  destroy (sid: string, cb?: (err?: any) => void): void { cb?.() }
}
class OurStore extends ours.Store {
  get (sid: string, cb: (err: any, s?: ours.SessionData | null) => void): void { cb(null, null) }
  set (sid: string, s: ours.SessionData, cb?: (err?: any) => void): void { cb?.() }
  destroy (sid: string, cb?: (err?: any) => void): void { cb?.() }
}
ours({ secret: 's', store: new TheirStore() })
theirs({ secret: 's', store: new OurStore() })

// Options: theirs pass as ours; ours (with the fields both declare) as theirs
const options1: ours.SessionOptions = theirOptions
const cookieOptions1: ours.CookieOptions = theirCookieOptions
const ourOptions = { secret: 's', resave: false, saveUninitialized: false, store: new ours.MemoryStore(), cookie: { maxAge: 1000, sameSite: 'lax' as const } } satisfies ours.SessionOptions
const options2: theirs.SessionOptions = ourOptions
const cookieOptions2: theirs.CookieOptions = ourOptions.cookie

// Sessions: ours is one of theirs (theirs lacks the promise forms)
const session1: theirs.Session = ourSession
const session2: theirs.Session & theirs.SessionData = ourSession
// @ts-expect-error theirs has no promise forms: `await req.session.save()` is ours only
const session3: ours.Session = theirSession

// One way only, on purpose: ours accepts what express-session accepts at run time
declare const ourOptionsType: ours.SessionOptions
// @ts-expect-error secret is optional (express-session falls back to req.secret)
const options3: theirs.SessionOptions = ourOptionsType
// @ts-expect-error sameSite: 'auto' (express-session 1.19) is missing from @types/express-session
const cookieOptions3: theirs.CookieOptions = { sameSite: 'auto' } satisfies ours.CookieOptions

export {
  data1, data2, cookie1, cookie2, cookie3, cookie4, literal2, store1, store2, store3, store4, store5,
  options1, options2, cookieOptions1, cookieOptions2, session1, session2, session3, options3, cookieOptions3
}
