package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/wayout"
)

// Ways is what the service takes the ways out with: *wayout.Ways satisfies
// it, and so does resetpwtest.Mock.
type Ways interface {
	InviteAgain(ctx context.Context, req resetpw.Request) (*resetpw.Result, error)
	SetTemporaryPassword(ctx context.Context, req resetpw.Request) (*resetpw.Result, error)
}

// wayOutRequest is the body of POST /users/{username}/way-out: the way the
// refusal named, and the agent's explicit confirmation.
type wayOutRequest struct {
	Way     resetpw.WayOut `json:"way"`
	Confirm bool           `json:"confirm"`
}

// maxWayOutBody bounds the request body: it holds two short fields.
const maxWayOutBody = 1 << 10

// wayOut takes the way out a reset's refusal names for the user, once the
// agent confirms it: it checks the reset again (a dry run), takes the way
// only when the refusal still names it, and writes one audit line with the
// action taken. A temporary password is in the answer, once, and nowhere
// else: not in a log line, not in the audit line.
//
// The body must be JSON (Content-Type application/json), one object and
// nothing after it: a browser sends no such request cross-site without
// asking first (CORS), so a page an agent visits can't take a way out
// with the agent's client certificate or cookies.
func (s *Service) wayOut(w http.ResponseWriter, r *http.Request) {
	agent, _ := r.Context().Value(agentKey{}).(string)
	username := r.PathValue("username")
	if refuseBrowser(w, r) {
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]any{"error": "unsupported_media_type"})
		return
	}
	var in wayOutRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, maxWayOutBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(&in)
	if err == nil && dec.Decode(new(json.RawMessage)) != io.EOF {
		err = errors.New("data after the object")
	}
	if err != nil || (in.Way != wayout.InviteAgain && in.Way != wayout.TemporaryPassword) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "bad_request", "ways": []resetpw.WayOut{wayout.InviteAgain, wayout.TemporaryPassword}})
		return
	}
	if !in.Confirm {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "not_confirmed"})
		return
	}
	action := string(in.Way)
	if s.Ways == nil {
		writeJSON(w, http.StatusNotImplemented, map[string]any{"error": "no_way_out"})
		return
	}
	if !s.allow(agent) {
		s.refusals.log(r.Context(), s.logger(), "helpdesk reset", slog.String("agent", agent), slog.String("action", action),
			slog.String("input", alias.Mask(username)), slog.String("kind", "agent_rate_limit"), slog.String("fate", "not_sent"),
			slog.Int("status", http.StatusTooManyRequests))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "agent_rate_limit"})
		return
	}
	// A way out counts against the customer's window as a reset does: one
	// action per customer per window, whichever it is.
	ctx, cancel, h := s.begin(r)
	defer cancel()
	if !h.reserve(ctx, w, agent, username, "", inputKey(username)) {
		return
	}
	req := resetpw.Request{UserPoolID: s.PoolID, Username: username, ClientMetadata: map[string]string{"source": "helpdesk", "agent": agent}}
	// The way must be the one a refusal names now: a user a reset reaches
	// gets a reset, not a password an agent reads out.
	_, err = s.Resetter.Check(ctx, req)
	var e *resetpw.Error
	// The refusal names the user it read (Error.User): that user is the
	// customer, however the agent named it, and the way is taken for that
	// user alone. Without it (a Resetter whose preflight is not full) no
	// way is taken.
	if err == nil || !errors.As(err, &e) || e.WayOut != in.Way || e.User == "" {
		body := map[string]any{"error": "way_not_offered"}
		if e != nil && e.WayOut != "" {
			body["way_out"] = e.WayOut
		}
		h.release()
		s.auditRefusedWay(ctx, agent, action, username)
		writeJSON(w, http.StatusConflict, body)
		return
	}
	// One way out per customer per window, however named: the user is
	// reserved before anything is sent, as a reset reserves it.
	user := e.User
	if !h.reserve(ctx, w, agent, username, user, userKey(user)) {
		return
	}
	req.Username = user
	var res *resetpw.Result
	if in.Way == wayout.InviteAgain {
		res, err = s.Ways.InviteAgain(ctx, req)
	} else {
		res, err = s.Ways.SetTemporaryPassword(ctx, req)
	}
	if err != nil {
		switch {
		case !resetpw.MaybeSent(err) && fateOf(err) == string(resetpw.FateNotSent):
			h.release() // nothing went out: the customer may be tried again
		case in.Way == wayout.TemporaryPassword && errors.As(err, &e) && e.WayOut == wayout.TemporaryPassword:
			// A password may have been set that nobody holds: setting
			// another is the only way to hand the customer one.
			h.release()
		}
		s.fail(ctx, w, agent, action, username, user, err)
		return
	}
	if in.Way == wayout.InviteAgain {
		s.audit(ctx, agent, action, username, res.Username, http.StatusNoContent, nil, res.RequestID)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.audit(ctx, agent, action, username, res.Username, http.StatusOK, nil, res.RequestID)
	// Shown once, to this agent: no cache may keep it.
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"user":               alias.Mask(res.Username), // whose password it is, for the agent to check
		"temporary_password": res.TemporaryPassword.Reveal(),
		"expires":            res.PasswordExpires.UTC().Format(time.RFC3339),
		"signed_out":         res.SignedOut,
	})
}

// refuseBrowser answers 403 cross_origin to a request a browser page sent
// (it carries Origin or Sec-Fetch-Site, which browsers set and agents'
// tools don't), and reports whether it did. The service serves no page, so
// such a request comes from a page of another site, one that a browser
// holding the agent's client certificate (mTLS) or cookies would otherwise
// send with them: a cross-site form's POST needs no CORS preflight.
func refuseBrowser(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Origin") == "" && r.Header.Get("Sec-Fetch-Site") == "" {
		return false
	}
	writeJSON(w, http.StatusForbidden, map[string]any{"error": "cross_origin"})
	return true
}

// auditRefusedWay writes the audit line of a way out the service did not
// take: the refusal names another way, or none.
func (s *Service) auditRefusedWay(ctx context.Context, agent, action, username string) {
	attrs := []slog.Attr{slog.String("agent", agent), slog.String("input", alias.Mask(username)),
		slog.String("kind", "way_not_offered"), slog.String("fate", "not_sent"), slog.Int("status", http.StatusConflict), slog.String("action", action)}
	s.logger().LogAttrs(ctx, slog.LevelWarn, "helpdesk reset", append(attrs, RequestIDAttrs(ctx)...)...)
}
