// Package gobench compares this module's sandbox handle with Blaxel's official Go SDK,
// github.com/blaxel-ai/sdk-go (pinned in go.mod), on the same in-process fake: the same
// operations, each pair back to back in one run ("client" is this module's side, "baseline"
// sdk-go's). It is a module of its own so that neither the main module nor the compat tour
// depends on the SDK's version of anything. make bench-sdk runs it in rounds that alternate
// which side goes first and prints the median blaxel-go / sdk-go ratios.
package gobench
