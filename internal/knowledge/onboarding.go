package knowledge

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Onboarding checklists: a document of kind "onboarding" names the roles it is for; its
// task-list items ("- [ ] Read the CVD policy") are each member's checklist for that
// role. Ticks are kept per item text, so a new version of the document keeps the ticks of
// the items it still has and shows new items unticked.

// OnboardingList is one onboarding document's checklist with a member's progress.
type OnboardingList struct {
	DocID   int64            `json:"doc_id"`
	Version int              `json:"version"`
	Title   string           `json:"title"`
	Items   []OnboardingItem `json:"items"`
	Open    int              `json:"open" doc:"Items not done yet."`
}

// OnboardingItem is one checklist item and when the member ticked it.
type OnboardingItem struct {
	Text   string `json:"text"`
	DoneOn string `json:"done_on,omitempty" doc:"YYYY-MM-DD; empty while open."`
}

// Onboarding returns userID's onboarding checklists for role (yourself, or anyone for
// the programme manager and admins).
func (s *Service) Onboarding(ctx context.Context, actor authz.Actor, userID int64, role string) ([]OnboardingList, error) {
	if userID == 0 {
		userID = actor.UserID
	}
	if err := s.canTraining(actor, userID); err != nil {
		return nil, err
	}
	if !slices.Contains(TrainingRoles, role) {
		return nil, validate.Field("role", "must be one of %s", strings.Join(TrainingRoles, ", "))
	}
	return s.onboarding(ctx, s.db.Read(), userID, role)
}

func (s *Service) canTraining(actor authz.Actor, userID int64) error {
	if userID != actor.UserID || actor.UserID == 0 {
		return authz.Can(actor, authz.ManageTraining, nil)
	}
	return authz.Can(actor, authz.ViewTraining, nil)
}

func (s *Service) onboarding(ctx context.Context, q db.Querier, userID int64, role string) ([]OnboardingList, error) {
	ids, err := db.Int64s(ctx, q, "SELECT id FROM docs WHERE kind = 'onboarding' ORDER BY id")
	if err != nil {
		return nil, err
	}
	out := []OnboardingList{}
	for _, id := range ids {
		d, err := s.load(ctx, q, id, 0)
		if err != nil {
			return nil, err
		}
		if len(d.Roles) > 0 && !slices.Contains(d.Roles, role) {
			continue
		}
		items := Checklist(d.Body)
		if len(items) == 0 {
			continue
		}
		done := map[string]string{}
		rows, err := q.Query(ctx, "SELECT item, done_on FROM onboarding_ticks WHERE user_id = ? AND doc_id = ?", userID, id)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var item, on string
			if err := rows.Scan(&item, &on); err != nil {
				rows.Close()
				return nil, err
			}
			done[item] = on
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		l := OnboardingList{DocID: d.ID, Version: d.Version, Title: d.Title}
		for _, it := range items {
			l.Items = append(l.Items, OnboardingItem{Text: it, DoneOn: done[it]})
			if done[it] == "" {
				l.Open++
			}
		}
		out = append(out, l)
	}
	return out, nil
}

// Tick marks item of onboarding document docID done (or open again) for userID
// (yourself, or anyone for the programme manager and admins). The item must be one of
// the document's current checklist items.
func (s *Service) Tick(ctx context.Context, actor authz.Actor, userID, docID int64, item string, done bool) error {
	if userID == 0 {
		userID = actor.UserID
	}
	if err := s.canTraining(actor, userID); err != nil {
		return err
	}
	item = strings.TrimSpace(item)
	return s.db.InTx(ctx, func(q db.Querier) error {
		d, err := s.load(ctx, q, docID, 0)
		if err != nil {
			return err
		}
		if d.Kind != "onboarding" {
			return db.ErrNotFound
		}
		if !slices.Contains(Checklist(d.Body), item) {
			return validate.Field("item", "%q is not an item of %q (version %d)", item, d.Title, d.Version)
		}
		now := s.clock.Now()
		if done {
			if _, err := q.Exec(ctx, `INSERT INTO onboarding_ticks (user_id, doc_id, item, done_on, recorded_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (user_id, doc_id, item) DO NOTHING`, userID, docID, item, now.UTC().Format(time.DateOnly), now); err != nil {
				return err
			}
		} else if _, err := q.Exec(ctx, "DELETE FROM onboarding_ticks WHERE user_id = ? AND doc_id = ? AND item = ?", userID, docID, item); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, q, actor, events.Entry{Action: ActionOnboardingTick, Subject: events.Ref{Type: "doc", ID: fmt.Sprint(docID)},
			After: OnboardingEvent{DocID: docID, UserID: userID, Item: item, Done: done}})
		return err
	})
}
