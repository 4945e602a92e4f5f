// Package store is the parent of Sleuth's storage backends; it holds no code.
//
//   - store/sqlite: the default backend, one SQLite file (pure Go, no cgo).
//   - store/storetest: the behavioural suite every backend must pass.
//
// The interfaces they implement, with their contracts and errors, are
// sleuth.Store and its parts, and sleuth.AccountStore, in the root package.
package store
