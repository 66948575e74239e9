// Package settings keeps the team's editable settings (public page texts, templates,
// keys' metadata, server secrets) as key/value rows, changed with an audit event.
package settings

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync/atomic"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
)

// Service reads and writes settings.
type Service struct {
	db     *db.DB
	clock  clock.Clock
	events *events.Log
	sealer atomic.Pointer[sealer] // set by UseKey: secrets are encrypted at rest
}

// New returns a Service.
func New(d *db.DB, c clock.Clock, ev *events.Log) *Service {
	return &Service{db: d, clock: c, events: ev}
}

// Get returns a setting's value, or def when unset.
func (s *Service) Get(ctx context.Context, key, def string) (string, error) {
	return s.GetTx(ctx, s.db.Read(), key, def)
}

// GetTx is Get inside the caller's transaction q. Code running in a transaction must
// use it: on PostgreSQL a second pool connection taken while the transaction holds one
// can exhaust the pool under load and deadlock.
func (s *Service) GetTx(ctx context.Context, q db.Querier, key, def string) (string, error) {
	var v string
	err := q.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if db.NotFound(err) {
		return def, nil
	}
	if err != nil {
		return "", fmt.Errorf("settings: get %s: %w", key, err)
	}
	return s.unseal(key, v)
}

// Set changes a setting (admins), recording the change.
func (s *Service) Set(ctx context.Context, actor authz.Actor, key, value string) error {
	if err := authz.Can(actor, authz.ManageSettings, nil); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q db.Querier) error {
		return s.set(ctx, q, actor, key, value, true)
	})
}

func (s *Service) set(ctx context.Context, q db.Querier, actor authz.Actor, key, value string, audit bool) error {
	if _, err := q.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, s.sealFor(key, value), s.clock.Now()); err != nil {
		return fmt.Errorf("settings: set %s: %w", key, err)
	}
	if !audit {
		return nil
	}
	_, err := s.events.Append(ctx, q, actor, events.Entry{Action: "settings.changed", Subject: events.Ref{Type: "setting", ID: key}})
	return err
}

// Secret returns a random server secret stored under key, creating it on first use.
// Secrets are never shown or logged; their creation is not an audit event with content.
func (s *Service) Secret(ctx context.Context, key string) ([]byte, error) {
	RegisterSecret(key)
	v, err := s.Get(ctx, key, "")
	if err != nil {
		return nil, err
	}
	if v == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		err = s.db.InTx(ctx, func(q db.Querier) error {
			// Another process may have created it first: keep the first.
			_, err := q.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
				key, s.sealFor(key, base64.RawStdEncoding.EncodeToString(b)), s.clock.Now())
			return err
		})
		if err != nil {
			return nil, err
		}
		if v, err = s.Get(ctx, key, ""); err != nil {
			return nil, err
		}
	}
	return base64.RawStdEncoding.DecodeString(v)
}
