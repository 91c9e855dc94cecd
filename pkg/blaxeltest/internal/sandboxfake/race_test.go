//go:build race

package sandboxfake_test

// raceEnabled says the tests run under the race detector, which makes moving big files slow.
const raceEnabled = true
