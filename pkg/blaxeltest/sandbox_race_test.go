//go:build race

package blaxeltest_test

// raceEnabled says the tests run under the race detector, which makes moving big files slow.
const raceEnabled = true
