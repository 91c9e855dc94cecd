// Package redact removes credentials from text: the secrets a client knows (configured or
// learned as it obtains them), in every form a server may echo them in, and whatever the
// patterns recognise as a credential (bearer tokens, JWTs, secret JSON fields and query
// parameters). Every error and log record the client makes passes through a Redactor.
package redact
