package directory

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/pgpkey"
	"github.com/oss-sirt/sirt/internal/validate"
)

// SIREN (Security Incident Response Early Notification) lists: distros, foundations,
// hosting providers and ecosystem teams apply to a list, staff vet them, and a case's
// early notification goes to the vetted subscribers (a notification whose target is
// the list). A list's archive shows everyone the messages of public cases; staff see
// all of them.

// SirenList is a subscription list.
type SirenList struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Vetted      int       `json:"vetted" doc:"Vetted subscribers (staff only; 0 for others)."`
	CreatedAt   time.Time `json:"created_at"`
}

// SirenListInput creates a list.
type SirenListInput struct {
	Name        string `json:"name" maxLength:"100"`
	Description string `json:"description,omitempty" maxLength:"2000"`
}

// SirenApplication is a request to subscribe.
type SirenApplication struct {
	Name         string `json:"name,omitempty" maxLength:"200"`
	Organisation string `json:"organisation" maxLength:"200"`
	Reason       string `json:"reason,omitempty" maxLength:"2000" doc:"Why the organisation needs early notice (the team vets this)."`
	OpenPGPKey   string `json:"openpgp_key,omitempty" maxLength:"100000"`
}

// SirenSubscriber is one subscriber (or applicant) of a list.
type SirenSubscriber struct {
	ID           int64      `json:"id"`
	ListID       int64      `json:"list_id"`
	Email        string     `json:"email"`
	Name         string     `json:"name,omitempty"`
	Organisation string     `json:"organisation"`
	Reason       string     `json:"reason,omitempty"`
	HasKey       bool       `json:"has_openpgp_key"`
	State        string     `json:"state" enum:"applied,vetted,rejected"`
	DecidedBy    string     `json:"decided_by,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
}

// SirenMessage is one message in a list's archive.
type SirenMessage struct {
	ID        int64     `json:"id"`
	CaseID    string    `json:"case_id"`
	Subject   string    `json:"subject"`
	Body      string    `json:"body"`
	TLP       string    `json:"tlp"`
	Public    bool      `json:"public" doc:"The case is public; embargoed messages are shown to staff only."`
	CreatedAt time.Time `json:"created_at"`
}

// CreateSirenList adds a list (staff).
func (s *Service) CreateSirenList(ctx context.Context, actor authz.Actor, in SirenListInput) (*SirenList, error) {
	if err := authz.Can(actor, authz.EditDirectory, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	in.Name = e.Text("name", in.Name, true, 100)
	in.Description = e.Text("description", in.Description, false, 2000)
	if err := e.Err(); err != nil {
		return nil, err
	}
	l := &SirenList{Name: in.Name, Description: in.Description, CreatedAt: s.Clock.Now().UTC()}
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		var n int
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM siren_lists WHERE name = ?", in.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return validate.Field("name", "there is already a list named %q", in.Name)
		}
		if err := q.QueryRow(ctx, "INSERT INTO siren_lists (name, description, created_at) VALUES (?, ?, ?) RETURNING id", in.Name, in.Description, l.CreatedAt).Scan(&l.ID); err != nil {
			return err
		}
		_, err := s.Events.Append(ctx, q, actor, events.Entry{Action: EvSirenListCreated, Subject: sirenRef(l.ID), After: SirenListEvent{Name: in.Name}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

func sirenRef(id int64) events.Ref { return events.Ref{Type: "siren_list", ID: itoa(id)} }

// SirenLists lists the lists (everyone: people must find a list to apply to).
func (s *Service) SirenLists(ctx context.Context, actor authz.Actor) ([]SirenList, error) {
	staff := authz.Can(actor, authz.ViewDirectory, nil) == nil
	rows, err := s.DB.Read().Query(ctx, `SELECT l.id, l.name, l.description, l.created_at,
		(SELECT COUNT(*) FROM siren_subscribers s WHERE s.list_id = l.id AND s.state = 'vetted') FROM siren_lists l ORDER BY l.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []SirenList{}
	for rows.Next() {
		var l SirenList
		if err := rows.Scan(&l.ID, &l.Name, &l.Description, &l.CreatedAt, &l.Vetted); err != nil {
			return nil, err
		}
		l.CreatedAt = l.CreatedAt.UTC()
		if !staff {
			l.Vetted = 0
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func (s *Service) sirenList(ctx context.Context, q db.Querier, id int64) (*SirenList, error) {
	var l SirenList
	err := q.QueryRow(ctx, "SELECT id, name, description, created_at FROM siren_lists WHERE id = ?", id).Scan(&l.ID, &l.Name, &l.Description, &l.CreatedAt)
	if isNoRows(err) {
		return nil, db.ErrNotFound
	}
	return &l, err
}

// ApplySiren asks to subscribe the signed-in user's address to a list. Applying again
// while an application is open or vetted changes nothing; a rejected applicant may
// apply again.
func (s *Service) ApplySiren(ctx context.Context, actor authz.Actor, listID int64, in SirenApplication) (*SirenSubscriber, error) {
	if err := authz.Can(actor, authz.ApplySiren, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	in.Name = e.Text("name", in.Name, false, 200)
	in.Organisation = e.Text("organisation", in.Organisation, true, 200)
	in.Reason = e.Text("reason", in.Reason, false, 2000)
	if k := strings.TrimSpace(in.OpenPGPKey); k != "" {
		if _, err := pgpkey.ReadPublicKey([]byte(k)); err != nil {
			e.Add("openpgp_key", "is not a usable OpenPGP public key: %v", strings.TrimPrefix(err.Error(), "pgpkey: "))
		}
		in.OpenPGPKey = k + "\n"
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	email := strings.ToLower(actor.Email)
	var sub *SirenSubscriber
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		if _, err := s.sirenList(ctx, q, listID); err != nil {
			return err
		}
		now := s.Clock.Now()
		existing, err := scanSubscriber(q.QueryRow(ctx, "SELECT "+subColumns+" FROM siren_subscribers WHERE list_id = ? AND email = ?", listID, email))
		switch {
		case err == nil && existing.State != "rejected":
			sub = existing
			return nil
		case err == nil:
			if _, err := q.Exec(ctx, `UPDATE siren_subscribers SET name = ?, organisation = ?, reason = ?, openpgp_key = ?, state = 'applied', decided_by = '',
				decided_at = NULL, created_at = ? WHERE id = ?`, in.Name, in.Organisation, in.Reason, in.OpenPGPKey, now, existing.ID); err != nil {
				return err
			}
		case isNoRows(err):
			if _, err := q.Exec(ctx, `INSERT INTO siren_subscribers (list_id, email, name, organisation, openpgp_key, reason, state, created_at)
				VALUES (?, ?, ?, ?, ?, ?, 'applied', ?)`, listID, email, in.Name, in.Organisation, in.OpenPGPKey, in.Reason, now); err != nil {
				return err
			}
		default:
			return err
		}
		sub, err = scanSubscriber(q.QueryRow(ctx, "SELECT "+subColumns+" FROM siren_subscribers WHERE list_id = ? AND email = ?", listID, email))
		if err != nil {
			return err
		}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvSirenApplied, Subject: sirenRef(listID), After: SirenSubscriberEvent{ListID: listID, Email: email, State: "applied"}})
		return err
	})
	return sub, err
}

const subColumns = "id, list_id, email, name, organisation, reason, openpgp_key, state, decided_by, created_at, decided_at"

func scanSubscriber(sc db.Scanner) (*SirenSubscriber, error) {
	var x SirenSubscriber
	var key string
	if err := sc.Scan(&x.ID, &x.ListID, &x.Email, &x.Name, &x.Organisation, &x.Reason, &key, &x.State, &x.DecidedBy, &x.CreatedAt, &x.DecidedAt); err != nil {
		if isNoRows(err) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	x.HasKey = key != ""
	x.CreatedAt = x.CreatedAt.UTC()
	if x.DecidedAt != nil {
		t := x.DecidedAt.UTC()
		x.DecidedAt = &t
	}
	return &x, nil
}

// SirenSubscribers lists a list's subscribers and applicants (staff).
func (s *Service) SirenSubscribers(ctx context.Context, actor authz.Actor, listID int64) ([]*SirenSubscriber, error) {
	if err := authz.Can(actor, authz.ViewDirectory, nil); err != nil {
		return nil, err
	}
	if _, err := s.sirenList(ctx, s.DB.Read(), listID); err != nil {
		return nil, err
	}
	out, err := db.All(ctx, s.DB.Read(), scanSubscriber, "SELECT "+subColumns+" FROM siren_subscribers WHERE list_id = ? ORDER BY id", listID)
	if out == nil {
		out = []*SirenSubscriber{}
	}
	return out, err
}

// DecideSiren vets or rejects a subscriber (staff).
func (s *Service) DecideSiren(ctx context.Context, actor authz.Actor, listID, subID int64, decision string) (*SirenSubscriber, error) {
	if err := authz.Can(actor, authz.EditDirectory, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	e.OneOf("decision", decision, "vetted", "rejected")
	if err := e.Err(); err != nil {
		return nil, err
	}
	var sub *SirenSubscriber
	err := s.DB.InTx(ctx, func(q db.Querier) error {
		res, err := q.Exec(ctx, "UPDATE siren_subscribers SET state = ?, decided_by = ?, decided_at = ? WHERE id = ? AND list_id = ?",
			decision, actor.Label(), s.Clock.Now(), subID, listID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return db.ErrNotFound
		}
		sub, err = scanSubscriber(q.QueryRow(ctx, "SELECT "+subColumns+" FROM siren_subscribers WHERE id = ?", subID))
		if err != nil {
			return err
		}
		_, err = s.Events.Append(ctx, q, actor, events.Entry{Action: EvSirenDecided, Subject: sirenRef(listID),
			After: SirenSubscriberEvent{ListID: listID, Email: sub.Email, State: decision}})
		return err
	})
	return sub, err
}

// SirenArchive lists a list's messages, newest first: staff see every one, everyone
// else only those whose case is public (embargoed messages do not exist for them).
func (s *Service) SirenArchive(ctx context.Context, actor authz.Actor, listID int64) (*SirenList, []SirenMessage, error) {
	q := s.DB.Read()
	l, err := s.sirenList(ctx, q, listID)
	if err != nil {
		return nil, nil, err
	}
	staff := authz.Can(actor, authz.ViewDirectory, nil) == nil
	rows, err := q.Query(ctx, "SELECT id, case_id, subject, body, tlp, created_at FROM dir_notifications WHERE list_id = ? ORDER BY id DESC LIMIT 500", listID)
	if err != nil {
		return nil, nil, err
	}
	type row struct {
		m      SirenMessage
		caseID int64
	}
	var rs []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.m.ID, &r.caseID, &r.m.Subject, &r.m.Body, &r.m.TLP, &r.m.CreatedAt); err != nil {
			rows.Close()
			return nil, nil, err
		}
		r.m.CreatedAt = r.m.CreatedAt.UTC()
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	out := []SirenMessage{}
	for _, r := range rs {
		ce, err := s.Cases.CaseEmbargo(ctx, q, r.caseID)
		if err != nil {
			return nil, nil, err
		}
		r.m.CaseID, r.m.Public = ce.CaseID, ce.Public
		if r.m.Public || staff {
			out = append(out, r.m)
		}
	}
	return l, out, nil
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
