package app

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/pgpkey"
)

// The team's OpenPGP key lives in the database (settings "team.key"), so every replica
// on one PostgreSQL decrypts with the same key and a backup carries it.

const teamKeySetting = "team.key"

// ErrNoTeamKey means no key has been generated or imported yet.
var ErrNoTeamKey = errors.New("the team has no OpenPGP key yet: run 'sirt keys generate' or 'sirt keys import FILE'")

type keyCache struct {
	mu    sync.Mutex
	armor string
	key   *pgpkey.Key
}

// TeamKey returns the team's key.
func (a *App) TeamKey(ctx context.Context) (*pgpkey.Key, error) {
	armor, err := a.Settings.Get(ctx, teamKeySetting, "")
	if err != nil {
		return nil, err
	}
	if armor == "" {
		return nil, ErrNoTeamKey
	}
	a.keys.mu.Lock()
	defer a.keys.mu.Unlock()
	if a.keys.armor == armor && a.keys.key != nil {
		return a.keys.key, nil
	}
	k, err := pgpkey.Parse([]byte(armor))
	if err != nil {
		return nil, fmt.Errorf("the stored team key cannot be read: %w", err)
	}
	a.keys.armor, a.keys.key = armor, k
	return k, nil
}

// EnsureTeamKey generates the team key on first start.
func (a *App) EnsureTeamKey(ctx context.Context) (*pgpkey.Key, bool, error) {
	k, err := a.TeamKey(ctx)
	if err == nil {
		return k, false, nil
	}
	if !errors.Is(err, ErrNoTeamKey) {
		return nil, false, err
	}
	k, err = a.GenerateTeamKey(ctx, authz.System("startup"))
	return k, err == nil, err
}

// GenerateTeamKey makes a new team key and stores it, replacing any old one.
func (a *App) GenerateTeamKey(ctx context.Context, actor authz.Actor) (*pgpkey.Key, error) {
	k, err := pgpkey.Generate(a.Cfg.Team, a.Cfg.IntakeAddress, a.Clock.Now())
	if err != nil {
		return nil, err
	}
	return k, a.storeTeamKey(ctx, actor, k)
}

// ImportTeamKey stores an existing secret key (armored) as the team key.
func (a *App) ImportTeamKey(ctx context.Context, actor authz.Actor, armored []byte) (*pgpkey.Key, error) {
	k, err := pgpkey.Parse(armored)
	if err != nil {
		return nil, err
	}
	return k, a.storeTeamKey(ctx, actor, k)
}

func (a *App) storeTeamKey(ctx context.Context, actor authz.Actor, k *pgpkey.Key) error {
	if actor.IsSystem() {
		actor = authz.System("keys")
	}
	if err := a.Settings.Set(ctx, actor, teamKeySetting, string(k.PrivateArmored())); err != nil {
		return err
	}
	return a.Settings.Set(ctx, actor, "team.key.fingerprint", k.Fingerprint())
}
