package runplane

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// The platform's report of a background call, posted to the workload's callback URL: the
// answer of the call, signed with the trigger's callback secret.
const (
	signatureHeader = "X-Blaxel-Signature" // "sha256=" + hex HMAC-SHA256 of the body
	timestampHeader = "X-Blaxel-Timestamp" // Unix seconds
)

// callbackTimeout bounds one delivery of a callback; it is not retried.
const callbackTimeout = 30 * time.Second

// answerRecorder keeps what a background call answers, its body up to maxBody.
type answerRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (a *answerRecorder) Header() http.Header {
	if a.header == nil {
		a.header = http.Header{}
	}
	return a.header
}

func (a *answerRecorder) WriteHeader(code int) {
	if a.status == 0 {
		a.status = code
	}
}

func (a *answerRecorder) Write(b []byte) (int, error) {
	a.WriteHeader(http.StatusOK)
	if room := maxBody - a.body.Len(); room > 0 {
		a.body.Write(b[:min(len(b), room)])
	}
	return len(b), nil
}

func (a *answerRecorder) Flush() {}

// callback is the body of the report, as the platform's sidecar writes it.
type callback struct {
	StatusCode     int    `json:"status_code"`
	ResponseBody   string `json:"response_body"`
	ResponseLength int    `json:"response_length"`
	Timestamp      int64  `json:"timestamp"`
}

// report posts the answer of a background call to url, signed with secret. Delivery is
// attempted once; a failure is dropped, as nobody waits for it.
func (s *Plane) report(ctx context.Context, url string, answer *answerRecorder) {
	now := s.cfg.Now()
	status := answer.status
	if status == 0 {
		status = http.StatusOK
	}
	body, err := json.Marshal(callback{
		StatusCode: status, ResponseBody: answer.body.String(), ResponseLength: answer.body.Len(), Timestamp: now.Unix(),
	})
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, callbackTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return
	}
	mac := hmac.New(sha256.New, []byte(s.cfg.CallbackSecret))
	mac.Write(body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(signatureHeader, "sha256="+hex.EncodeToString(mac.Sum(nil)))
	req.Header.Set(timestampHeader, strconv.FormatInt(now.Unix(), 10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	resp.Body.Close()
}
