// Package sandboxtools serves one Blaxel sandbox as MCP tools, from an in-process MCP server
// (github.com/modelcontextprotocol/go-sdk/mcp), so that any agent that speaks MCP works in a
// sandbox with one line:
//
//	transport, err := sandboxtools.NewTransport(sb) // sb from sandbox.Open
//	session, err := mcp.NewClient(impl, nil).Connect(ctx, transport, nil)
//
// or NewServer for a server to serve as the caller likes, or AddTools to add the tools to a
// server of the caller's. The tools are:
//
//   - run_command runs a shell command to its end and answers its exit code and output;
//   - read_file reads a file, or a part of it from an offset;
//   - write_file writes a file, creating its parent directories;
//   - list_directory lists a directory's entries;
//   - search_text finds the lines of files that hold a text;
//   - find_files finds files and directories by glob patterns of their names.
//
// Every tool acts through the sandbox's handle (package sandbox), with its guarantees: a
// command is never started twice, even when a request fails halfway (the handle names each
// process and looks the name up rather than sending the command again); every read is
// bounded, and so is what a tool answers (see WithMaxRead, WithMaxOutput, WithMaxEntries); a
// path is cleaned, and must lie under the root (see WithRoot) before anything is sent.
// WithReadOnly leaves out the tools that change the sandbox.
//
// A tool's failure (a missing file, a path outside the root, a refusal of the sandbox) is
// answered as a tool error, whose text the model reads: it never holds a credential. A
// command that exits with a failure is not one: its exit code is in the answer.
package sandboxtools
