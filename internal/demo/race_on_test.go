//go:build race

package demo_test

// raceDetector tells whether the tests run under the race detector, which slows seeding the
// whole city's 2,600 accounts to minutes.
const raceDetector = true
