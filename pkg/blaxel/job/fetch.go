package job

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// fetch reads the execution data, retrying what may pass on a second try. The error never
// holds the address, which may carry a signature.
func fetch(ctx context.Context, s *settings, dataURL string) ([]byte, error) {
	wait := s.backoff
	for attempt := 0; ; attempt++ {
		body, retry, err := fetchOnce(ctx, s, dataURL)
		if err == nil {
			return body, nil
		}
		if !retry || attempt >= s.retries {
			return nil, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("job: reading the execution data: %w (after %v)", ctx.Err(), err)
		case <-t.C:
		}
		wait *= 2
	}
}

func fetchOnce(ctx context.Context, s *settings, dataURL string) (body []byte, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, dataURL, nil)
	if err != nil {
		return nil, false, fmt.Errorf("job: reading the execution data: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, fmt.Errorf("job: reading the execution data: %w", ctx.Err())
		}
		return nil, true, fmt.Errorf("job: reading the execution data: %w", withoutURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		retry := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		return nil, retry, fmt.Errorf("job: reading the execution data: status %d", resp.StatusCode)
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, s.maxData+1))
	if err != nil {
		return nil, true, fmt.Errorf("job: reading the execution data: %w", withoutURL(err))
	}
	if int64(len(body)) > s.maxData {
		return nil, false, fmt.Errorf("job: the execution data is larger than %d bytes", s.maxData)
	}
	return body, false, nil
}

// withoutURL drops the address from a transport error, keeping what went wrong.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
