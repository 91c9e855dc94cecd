package callback_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/callback"
)

// A program that receives the callbacks of an agent's http-async trigger guards its handler
// with a Verifier made from the trigger's callback secret.
func ExampleVerifier_Middleware() {
	verifier, err := callback.NewVerifier("the-trigger-callback-secret")
	if err != nil {
		log.Fatal(err)
	}
	handler := verifier.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var cb blaxel.AsyncCallback
		if err := json.NewDecoder(r.Body).Decode(&cb); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Printf("the agent answered %d: %s\n", cb.StatusCode, cb.ResponseBody)
	}))

	// What Blaxel posts, as a test would forge it.
	body := `{"status_code":200,"response_body":"hello","response_length":5,"timestamp":1}`
	for _, key := range []string{"the-trigger-callback-secret", "a-guess"} {
		r := httptest.NewRequest("POST", "/callbacks", strings.NewReader(body))
		r.Header.Set(callback.SignatureHeader, callback.Sign(key, []byte(body)))
		r.Header.Set(callback.TimestampHeader, strconv.FormatInt(time.Now().Unix(), 10))
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		fmt.Println(w.Code)
	}
	// Output:
	// the agent answered 200: hello
	// 200
	// 401
}
