// Package callback checks the callbacks Blaxel posts when a background call of a workload
// ends (an agent called with blaxel.Client.RunAgentAsync, a trigger of type http-async): that
// Blaxel sent them, and recently.
//
// Blaxel signs each callback with the callback secret of the workload's trigger (the
// callbackSecret of its configuration): the header X-Blaxel-Signature holds "sha256=" and the
// hexadecimal HMAC-SHA256 of the request body under that secret, and X-Blaxel-Timestamp the
// time it was sent, in Unix seconds. A [Verifier] recomputes the signature over the body it
// reads (up to a limit), compares it in constant time, and refuses a timestamp further than
// its maximum age (5 minutes unless told) from its clock, in either direction.
//
// The signature covers the body alone, as Blaxel computes it, not the timestamp header: the
// age check bounds the replay of a request as it was captured, and a handler that must never
// act twice on one callback should also remember what it has seen (the body's timestamp and
// answer, for instance).
//
// The body is JSON, a blaxel.AsyncCallback: the status the workload answered, its answer and
// its length, and when it ended.
//
// The package imports nothing of the client, so that a program receiving callbacks links only
// what it uses.
package callback
