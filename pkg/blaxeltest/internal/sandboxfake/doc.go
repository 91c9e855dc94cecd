// Package sandboxfake emulates the API every sandbox serves (openapi-sandbox.yaml): one
// Host holds the data plane of every sandbox of the control plane, made the first time the
// sandbox is called: its files (in memory or in a directory the host owns), its scripted
// processes and their logs, uploads, watches, ports, and the edge in front of it. Nothing
// runs on the host machine: a process is a CommandFunc.
package sandboxfake
