package users

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/identity"
	"github.com/gojoser/gojoser/ent/user"
	"github.com/gojoser/gojoser/internal/links"
	"github.com/gojoser/gojoser/internal/mail"
	"github.com/gojoser/gojoser/internal/outbox"
	"github.com/gojoser/gojoser/internal/password"
	"github.com/gojoser/gojoser/internal/store"
)

// MailSettings shape the mails: sender, frontend link templates and the site they name.
type MailSettings struct {
	From string
	// Frontend URL templates with {uid} and {token}, relative to protocol://domain/.
	ActivationURL, PasswordResetConfirmURL, UsernameResetConfirmURL, EmailChangeConfirmURL string
	// Overrides of what the request said; "" keeps the request's host and scheme, as Djoser does.
	Domain, Protocol, SiteName string
}

// Mailer renders queued mails at delivery time and sends them. Links are minted here, from the
// user's state at that moment, so the outbox never holds a credential.
type Mailer struct {
	db       *ent.Client
	links    *links.Generator
	now      func() time.Time
	renderer *mail.Renderer
	sender   mail.Sender
	settings MailSettings
}

// NewMailer returns a Mailer whose Deliver feeds an outbox.Worker. It needs no Service, so the worker
// can exist before the Service that wakes it. now may be nil (time.Now).
func NewMailer(db *ent.Client, l *links.Generator, now func() time.Time, r *mail.Renderer, sender mail.Sender, ms MailSettings) *Mailer {
	if now == nil {
		now = time.Now
	}
	return &Mailer{db: db, links: l, now: now, renderer: r, sender: sender, settings: ms}
}

var linkPurpose = map[mail.Kind]links.Purpose{
	mail.Activation:         links.Activation,
	mail.PasswordReset:      links.PasswordReset,
	mail.UsernameReset:      links.UsernameReset,
	mail.EmailChangeConfirm: links.EmailChange,
}

// Deliver implements outbox.Deliver.
func (m *Mailer) Deliver(ctx context.Context, msg *ent.OutboxMessage) (outbox.Result, error) {
	kind := mail.Kind(msg.Kind)
	if msg.UserID == nil {
		id, ok, err := m.resolveRecipient(ctx, msg)
		if err != nil || !ok {
			return outbox.Skipped, err
		}
		msg.UserID = &id
	}
	u, err := m.db.User.Get(ctx, *msg.UserID)
	if ent.IsNotFound(err) {
		return outbox.Skipped, nil
	}
	if err != nil {
		return 0, fmt.Errorf("get user %d: %w", *msg.UserID, err)
	}
	to := u.Email
	switch kind {
	case mail.EmailChangeConfirm:
		if u.PendingEmail != msg.Recipient {
			return outbox.Skipped, nil // superseded or cancelled
		}
		to = msg.Recipient
	case mail.EmailChangeNotice:
		to = msg.Recipient
	case mail.Activation:
		if u.IsActive || u.DeactivatedAt != nil {
			return outbox.Skipped, nil // activated meanwhile, or deactivated by an admin
		}
	case mail.PasswordReset, mail.UsernameReset:
		if ok, err := m.resettable(ctx, u); err != nil || !ok {
			return outbox.Skipped, err
		}
	}
	if to == "" {
		return outbox.Skipped, nil
	}
	d := m.data(msg, u)
	if p, ok := linkPurpose[kind]; ok {
		d.UID = links.EncodeUID(u.ID)
		d.Token = m.links.Make(p, stateOf(u))
		tmpl, err := m.template(kind)
		if err != nil {
			return 0, outbox.Permanent(err)
		}
		path := strings.NewReplacer("{uid}", d.UID, "{token}", d.Token).Replace(tmpl)
		d.URL = d.Protocol + "://" + d.Domain + "/" + strings.TrimPrefix(path, "/")
	}
	rendered, err := m.renderer.Render(kind, m.settings.From, to, d)
	if err != nil {
		return 0, outbox.Permanent(fmt.Errorf("render %s: %w", kind, err))
	}
	if err := m.sender.Send(ctx, rendered); err != nil {
		if mail.IsPermanent(err) {
			return 0, outbox.Permanent(err)
		}
		return 0, err
	}
	return outbox.Sent, nil
}

// resettable: reset mails go to active users with a usable password, and to those who log in through a
// social provider without one (the mail is how they set one); the rule eligible applies to addresses.
func (m *Mailer) resettable(ctx context.Context, u *ent.User) (bool, error) {
	if !u.IsActive {
		return false, nil
	}
	if password.IsUsable(u.Password) {
		return true, nil
	}
	ok, err := m.db.Identity.Query().Where(identity.UserID(u.ID)).Exist(ctx)
	if err != nil {
		return false, fmt.Errorf("look up identities of user %d: %w", u.ID, err)
	}
	return ok, nil
}

func (m *Mailer) template(kind mail.Kind) (string, error) {
	t := map[mail.Kind]string{
		mail.Activation:         m.settings.ActivationURL,
		mail.PasswordReset:      m.settings.PasswordResetConfirmURL,
		mail.UsernameReset:      m.settings.UsernameResetConfirmURL,
		mail.EmailChangeConfirm: m.settings.EmailChangeConfirmURL,
	}[kind]
	if t == "" {
		return "", errors.New("no URL template configured for " + string(kind))
	}
	return t, nil
}

func (m *Mailer) data(msg *ent.OutboxMessage, u *ent.User) mail.Data {
	d := mail.Data{Domain: msg.Domain, Protocol: msg.Protocol, SiteName: msg.SiteName, Username: usernameOf(u), Email: u.Email, NewEmail: u.PendingEmail}
	if m.settings.Domain != "" {
		d.Domain = m.settings.Domain
	}
	if d.Domain == "" {
		d.Domain = "localhost"
	}
	if m.settings.Protocol != "" {
		d.Protocol = m.settings.Protocol
	}
	if d.Protocol == "" {
		d.Protocol = "http"
	}
	if m.settings.SiteName != "" {
		d.SiteName = m.settings.SiteName
	}
	if d.SiteName == "" {
		d.SiteName = d.Domain // Djoser without django.contrib.sites names the site by its host
	}
	if mail.Kind(msg.Kind) == mail.EmailChangeNotice {
		d.NewEmail = ""
	}
	return d
}

// resolveRecipient turns a request by address into a mail about one user. When several eligible
// users share the address (Djoser answers that with a 500), each gets their own queued mail.
func (m *Mailer) resolveRecipient(ctx context.Context, msg *ent.OutboxMessage) (int, bool, error) {
	ids, err := m.db.User.Query().Where(eligible(mail.Kind(msg.Kind), msg.Recipient)...).
		Order(user.ByID()).IDs(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("resolve mail recipient: %w", err)
	}
	if len(ids) == 0 {
		return 0, false, nil
	}
	err = store.WithTx(ctx, m.db, func(tx *ent.Tx) error {
		if err := tx.OutboxMessage.UpdateOneID(msg.ID).SetUserID(ids[0]).SetRecipient("").Exec(ctx); err != nil {
			return err
		}
		site := Site{Domain: msg.Domain, Protocol: msg.Protocol, SiteName: msg.SiteName}
		extra := make([]outbox.Message, 0, len(ids)-1)
		for _, id := range ids[1:] {
			extra = append(extra, userMail(mail.Kind(msg.Kind), id, site))
		}
		return outbox.Enqueue(ctx, tx.Client(), m.now(), extra...)
	})
	if err != nil {
		return 0, false, fmt.Errorf("split mail request: %w", err)
	}
	return ids[0], true, nil
}
