// Package bench measures what pkg/blaxel costs on top of a hand-written call: net/http plus
// encoding/json decoding into the same gen types, against the same in-process server. It holds
// only benchmarks and the tests that keep their claims honest; run them with `make bench`, which
// ends with a table of client/baseline ratios (see internal/cmd/benchratio).
package bench
