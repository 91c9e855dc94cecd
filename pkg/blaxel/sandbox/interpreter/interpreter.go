package interpreter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/internal/pipeline"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// What a code interpreter's sandbox is made of, as Blaxel's SDKs make it.
const (
	Image          = "blaxel/jupyter-server" // the image serving Jupyter
	Port           = 8888                    // where Jupyter listens, named PortName, over HTTP
	PortName       = "jupyter"
	DefaultIdleTTL = 30 * time.Minute // how long an unused interpreter lives before it is deleted
)

// Interpreter runs code in the Jupyter server of a sandbox. It is cheap and safe for
// concurrent use; its requests go through the sandbox handle's pipeline.
type Interpreter struct {
	sb   *sandbox.Sandbox
	base string // {sandbox}/port/8888
	http *http.Client
	p    *pipeline.Pipeline
}

// New returns the interpreter served by the sandbox sb (one made from Image, with Port
// open). Nothing is sent.
func New(sb *sandbox.Sandbox) (*Interpreter, error) {
	if sb == nil {
		return nil, errors.New("blaxel: interpreter.New: the sandbox is nil")
	}
	port, err := sb.Port(Port)
	if err != nil {
		return nil, err
	}
	p, _ := sb.Pipeline()
	return &Interpreter{sb: sb, base: port.URL(), http: port.HTTPClient(), p: p}, nil
}

// Create creates the sandbox spec describes, with WithDefaults filling in what it leaves
// empty, waits until it is deployed (opts tune the wait, as for CreateSandboxAndWait), and
// returns its interpreter. The sandbox is sent once: a failure after it may have been made
// leaves it to be looked up by its name.
func Create(ctx context.Context, c *blaxel.Client, spec gen.Sandbox, opts ...blaxel.WaitOption) (*Interpreter, error) {
	if c == nil {
		return nil, errors.New("blaxel: interpreter.Create: the client is nil")
	}
	if _, err := c.CreateSandboxAndWait(ctx, WithDefaults(spec), opts...); err != nil {
		return nil, err
	}
	sb, err := sandbox.Open(ctx, c, spec.Metadata.Name)
	if err != nil {
		return nil, err
	}
	return New(sb)
}

// WithDefaults returns spec with what a code interpreter needs where spec says nothing: the
// runtime's image (Image) and ports (Port, named PortName, HTTP), and a lifecycle that deletes
// the sandbox after DefaultIdleTTL without use. What spec sets is kept as it is.
func WithDefaults(spec gen.Sandbox) gen.Sandbox {
	runtime := gen.SandboxRuntime{}
	if spec.Spec.Runtime != nil {
		runtime = *spec.Spec.Runtime
	}
	if runtime.Image == nil {
		image := Image
		runtime.Image = &image
	}
	if runtime.Ports == nil {
		name, protocol := PortName, gen.PortProtocolHTTP
		runtime.Ports = &gen.Ports{{Name: &name, Protocol: &protocol, Target: Port}}
	}
	spec.Spec.Runtime = &runtime
	if spec.Spec.Lifecycle == nil {
		typ, action := gen.ExpirationPolicyTypeTTLIdle, gen.ExpirationPolicyActionDelete
		value := strconv.Itoa(int(DefaultIdleTTL/time.Minute)) + "m"
		spec.Spec.Lifecycle = &gen.SandboxLifecycle{ExpirationPolicies: []gen.ExpirationPolicy{{Type: &typ, Value: &value, Action: &action}}}
	}
	return spec
}

// Sandbox is the handle of the interpreter's sandbox: its files and processes.
func (i *Interpreter) Sandbox() *sandbox.Sandbox { return i.sb }

// URL is the address of the interpreter's Jupyter server, {sandbox}/port/8888.
func (i *Interpreter) URL() string { return i.base }

// errorf prefixes an error of the interpreter.
func errorf(format string, args ...any) error {
	return fmt.Errorf("blaxel: interpreter: "+format, args...)
}
