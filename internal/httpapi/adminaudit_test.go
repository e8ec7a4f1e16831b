package httpapi_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	encjson "encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/apitest"
)

// TestAdminActionsAreAudited: every admin account control leaves its event, with the admin as actor
// and the user as subject, in the same transaction as the action; the operator's CLI leaves one with
// no actor and {"via":"cli"}.
func TestAdminActionsAreAudited(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, nil)
		f := e.NewFixture(t)
		root, bob := mustAtoi(t, f["root.id"]), mustAtoi(t, f["bob.id"])
		asRoot := func(method, path, body string, status int) {
			t.Helper()
			if got, b := e.Call(t, method, path, body, f["root.token"]); got != status {
				t.Fatalf("%s %s: %d %s, want %d", method, path, got, b, status)
			}
		}
		asRoot("PATCH", "/auth/users/"+f["bob.id"]+"/", `{"is_active":false}`, 200)
		asRoot("PATCH", "/auth/users/"+f["bob.id"]+"/", `{"is_active":true}`, 200)
		e.Login(t, "bob", apitest.Password)
		asRoot("DELETE", "/auth/users/"+f["bob.id"]+"/tokens/", "", 204)
		asRoot("POST", "/auth/users/"+f["bob.id"]+"/reset_password/", "", 204)
		status, body := e.Call(t, "POST", "/auth/users/", `{"username":"carl","email":"carl@example.com","is_active":true}`, f["root.token"])
		if status != 201 {
			t.Fatalf("admin create: %d %s", status, body)
		}
		var carl struct{ ID int }
		_ = encjson.Unmarshal([]byte(body), &carl)
		if _, err := e.Server.App.Users.DeactivateUser(context.Background(), bob); err != nil {
			t.Fatal(err)
		}

		events := allEvents(t, e.Server, "/auth/audit/", f["root.token"], 200)
		for _, w := range []want{
			{typ: "user.deactivated", actor: ptr(root), subject: ptr(bob), ip: "127.0.0.1", detail: map[string]any{"tokens_revoked": 1}},
			{typ: "user.reactivated", actor: ptr(root), subject: ptr(bob), ip: "127.0.0.1"},
			{typ: "admin.sessions_revoked", actor: ptr(root), subject: ptr(bob), ip: "127.0.0.1", detail: map[string]any{"tokens_revoked": 1}},
			{typ: "admin.reset_requested", actor: ptr(root), subject: ptr(bob), ip: "127.0.0.1"},
			{typ: "user.created_by_admin", actor: ptr(root), subject: ptr(carl.ID), ip: "127.0.0.1", detail: map[string]any{"is_active": true}},
			{typ: "user.deactivated", actor: nil, subject: ptr(bob), ip: "", detail: map[string]any{"via": "cli"}},
		} {
			if _, ok := find(events, w); !ok {
				t.Errorf("no %s event by %v on %v (detail %v) in %+v", w.typ, deref(w.actor), deref(w.subject), w.detail, events)
			}
		}
	})
}

// TestAuditEventsReachWebhooks: with GOJOSER_WEBHOOK_URLS set, the events a request records reach a
// real receiver, signed as Standard Webhooks says (checked here with crypto/hmac), carrying the audit
// row, with the row's id as webhook-id.
func TestAuditEventsReachWebhooks(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		key := []byte("0123456789abcdef0123456789abcdef")
		var mu sync.Mutex
		var got []*http.Request
		var bodies [][]byte
		fails := 1 // the first delivery is refused: it must come again
		rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			got, bodies = append(got, r), append(bodies, b)
			if fails > 0 {
				fails--
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		}))
		t.Cleanup(rc.Close)
		e := apitest.NewEnv(t, db, map[string]string{
			"WEBHOOK_URLS": rc.URL + "/hooks", "WEBHOOK_SECRET": "whsec_" + base64.StdEncoding.EncodeToString(key),
			"WEBHOOK_EVENTS": "user.registered", "WEBHOOK_BACKOFF": "10ms", "WEBHOOK_BACKOFF_MAX": "40ms",
		})
		id := e.Register(t, "dana", "dana@example.com", apitest.Password)

		deadline := time.Now().Add(20 * time.Second)
		for {
			mu.Lock()
			n := len(got)
			mu.Unlock()
			if n >= 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d deliveries, want the refused one and its retry", n)
			}
			time.Sleep(10 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		for i, r := range got[:2] {
			whID, ts := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp")
			mac := hmac.New(sha256.New, key)
			mac.Write([]byte(whID + "." + ts + "." + string(bodies[i])))
			if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); r.Header.Get("webhook-signature") != want {
				t.Errorf("delivery %d: signature %q, computed %q", i, r.Header.Get("webhook-signature"), want)
			}
			var msg struct {
				Type string `json:"type"`
				Data struct {
					ID      int  `json:"id"`
					Subject *int `json:"subject"`
				} `json:"data"`
			}
			if err := encjson.Unmarshal(bodies[i], &msg); err != nil {
				t.Fatalf("delivery %d: %v: %s", i, err, bodies[i])
			}
			if msg.Type != "user.registered" || msg.Data.Subject == nil || *msg.Data.Subject != id || msg.Data.ID == 0 {
				t.Errorf("delivery %d: %s", i, bodies[i])
			}
			if whID != "evt_"+strconv.Itoa(msg.Data.ID) {
				t.Errorf("delivery %d: webhook-id %q for audit row %d", i, whID, msg.Data.ID)
			}
		}
		if got[0].Header.Get("webhook-id") != got[1].Header.Get("webhook-id") {
			t.Error("the retry changed the webhook-id: receivers could not dedupe")
		}
	})
}
