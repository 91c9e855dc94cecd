package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Port is one port of a sandbox, as the platform's edge forwards it: a request to
// {sandbox}/port/{number}/{path} reaches {path} on that port inside the sandbox. Get one with
// [Sandbox.Port]. It is cheap and safe for concurrent use.
type Port struct {
	sb     *Sandbox
	number int
	base   *url.URL // {sandbox}/port/{number}, without a final slash
}

// Port returns the sandbox's port number (1 to 65535). Nothing is sent: whatever listens on
// the port answers the requests made through it.
func (s *Sandbox) Port(number int) (*Port, error) {
	if number < 1 || number > 65535 {
		return nil, fmt.Errorf("blaxel: sandbox.Port: %d is not a port number (1 to 65535)", number)
	}
	base := *s.base
	base.Path += "/port/" + strconv.Itoa(number)
	if base.RawPath != "" {
		base.RawPath += "/port/" + strconv.Itoa(number)
	}
	return &Port{sb: s, number: number, base: &base}, nil
}

// Number is the port's number.
func (p *Port) Number() int { return p.number }

// URL is the port's address, {sandbox}/port/{number}, without a final slash: append the path
// of a request to it, e.g. p.URL()+"/healthz".
func (p *Port) URL() string { return p.base.String() }

// HTTPClient returns an *http.Client for the port's address, on the pipeline of the client
// that opened the sandbox: its requests carry the sandbox's credential (in the handle's own
// header) to the sandbox's origin and to no other, not even after a redirect, with the
// client's headers, logging, redaction and retry rules (a read may be sent again after a
// connection error or a retryable status, see blaxel.RetryPolicy; a write is sent once). Unlike the handle's
// methods, it returns every answer as it came, whatever its status: it is for the program
// listening on the port to speak its own protocol. The credential headers of a request
// (Authorization, X-Blaxel-Authorization) are replaced by the handle's.
func (p *Port) HTTPClient() *http.Client { return p.sb.p.Client(p.sb.dest) }
