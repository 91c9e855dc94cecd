package sandbox

import (
	"context"
	"time"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// Health describes the sandbox's server (GetHealth): its version and build, its uptime, how
// many times it was upgraded and how the last upgrade went.
func (s *Sandbox) Health(ctx context.Context) (*sandboxapi.HealthResponse, error) {
	resp, err := s.api.GetHealthWithResponse(ctx)
	if err != nil {
		return nil, err
	}
	return json200(s.p.Redact, resp.JSON200, resp.HTTPResponse, resp.Body)
}

// StartUpgrade asks the sandbox's server to upgrade itself (Upgrade) to req.Version
// ("latest" when req or the version is absent) and returns at once: the server answers, then
// replaces its binary and restarts, dropping every open stream (Logs, Watch, a streamed Run)
// while processes and files stay. Upgrade waits for the end as well.
func (s *Sandbox) StartUpgrade(ctx context.Context, req *sandboxapi.UpgradeRequest) (*sandboxapi.UpgradeInitiated, error) {
	body := sandboxapi.UpgradeRequest{}
	if req != nil {
		body = *req
	}
	resp, err := s.api.UpgradeWithResponse(ctx, body)
	if err != nil {
		return nil, err
	}
	return json200(s.p.Redact, resp.JSON200, resp.HTTPResponse, resp.Body)
}

// Upgrade upgrades the sandbox's server as StartUpgrade does, then polls Health until the
// upgrade has completed (its upgrade count went up) and returns the health read then. An
// upgrade the server reports failed is a *blaxel.StatusError (errors.Is blaxel.ErrStatusFailed)
// with the server's reason. opts pace the polls as for blaxel.Wait (a second, then longer);
// ctx bounds the whole.
func (s *Sandbox) Upgrade(ctx context.Context, req *sandboxapi.UpgradeRequest, opts ...blaxel.WaitOption) (*sandboxapi.HealthResponse, error) {
	before, err := s.Health(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.StartUpgrade(ctx, req); err != nil {
		return nil, err
	}
	state := func(h *sandboxapi.HealthResponse) (string, string) {
		switch {
		case h.UpgradeCount > before.UpgradeCount:
			return string(sandboxapi.ProcessUpgradeStateCompleted), ""
		case h.LastUpgrade.Status == sandboxapi.ProcessUpgradeStateFailed && !sameAttempt(h.LastUpgrade.LastAttempt, before.LastUpgrade.LastAttempt):
			return string(sandboxapi.ProcessUpgradeStateFailed), deref(h.LastUpgrade.Error)
		}
		return "upgrading", ""
	}
	all := append([]blaxel.WaitOption{
		blaxel.WithResource("sandbox server", s.name),
		blaxel.WithTargetStatuses(string(sandboxapi.ProcessUpgradeStateCompleted)),
		blaxel.WithFailureStatuses(string(sandboxapi.ProcessUpgradeStateFailed)),
	}, opts...)
	return blaxel.Wait(ctx, s.Health, state, all...)
}

// sameAttempt reports whether two upgrade attempts are the same, by their time.
func sameAttempt(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
