// Package interpreter runs code in a Blaxel code interpreter: a sandbox made from the image
// blaxel/jupyter-server, whose Jupyter server listens on port 8888 and keeps the state of each
// context (variables, imports) from one run to the next.
//
// [Create] makes such a sandbox ([WithDefaults] fills in the image, the port and an idle TTL
// that deletes it once unused) and [New] wraps one already open. [Interpreter.Run] yields the
// outputs of a piece of code as the kernel produces them (stdout, stderr, results, an error,
// the execution count), and [Interpreter.Exec] gathers them into an [Execution].
// [Interpreter.CreateContext] starts a kernel of its own, for a language or a working
// directory, and [Interpreter.DeleteContext] shuts it down.
//
// Every request goes through the port of the sandbox handle ({sandbox}/port/8888), on the
// pipeline of the client that opened it: the same credential, logging and redaction. Running
// code is a write: it is sent once, never again after a failure. Code that raises is not an
// error of Exec: its Execution.Error says what was raised, as a failing command's exit code
// is not an error of sandbox.Run.
package interpreter
