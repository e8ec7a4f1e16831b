package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// OutboxMessage is a mail or a webhook delivery waiting to be made. It is written in the same
// transaction as the change that causes it, and holds no secret: a mail, with its link, is rendered
// only at delivery time, and a webhook's payload is an event, which never carries a credential.
type OutboxMessage struct {
	ent.Schema
}

func (OutboxMessage) Fields() []ent.Field {
	return []ent.Field{
		field.String("kind").MaxLen(64),
		// The user the mail is about. Nil for a request by address (reset, resend) that the worker
		// resolves later, so the request itself costs the same whether or not the address is known.
		field.Int("user_id").Optional().Nillable(),
		// The recipient: the lookup address for requests by address, or the fixed address of an email
		// change mail. "" means the user's current address at delivery time.
		field.String("recipient").MaxLen(254).Default(""),
		// Where the request came from, for the link and the mail's wording.
		field.String("domain").Default(""),
		field.String("protocol").Default(""),
		field.String("site_name").Default(""),
		field.Enum("status").Values("pending", "sent", "failed", "skipped").Default("pending"),
		field.Int("attempts").Default(0),
		// When the message may next be tried. A worker that claims it pushes this forward by a lease,
		// so a message is never sent by two workers at once and comes back if its worker dies.
		field.Time("next_attempt_at").Default(time.Now),
		// Why the last attempt failed, without the message or any link.
		field.String("last_error").Default(""),
		field.Time("created_at").Default(time.Now).Immutable(),
		field.Time("sent_at").Optional().Nillable(),
		// Webhook deliveries (kind "webhook", internal/webhook) only. endpoint names the configured
		// URL by its SHA-256, never the URL itself: webhook URLs often carry a token in their path or
		// query, and one removed from the configuration must not be posted to any more.
		field.String("endpoint").MaxLen(64).Default(""),
		// event_id is the webhook-id header, the same on every retry so receivers can drop duplicates.
		field.String("event_id").MaxLen(128).Default(""),
		// payload is the exact body that is signed and sent.
		field.Text("payload").Default(""),
	}
}

func (OutboxMessage) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("status", "next_attempt_at"),
	}
}
