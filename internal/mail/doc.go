// Package mail is sirt's email boundary: the SMTP listener that takes reports
// and replies in, the parser that turns a raw message (plain or OpenPGP) into
// a Message, the threading tokens that tie a reply to its report or case,
// and the composer and Sender that put notifications on the wire.
//
// Inbound, the picture is:
//
//	SMTP client ──▶ Server ──deliver(ctx, from, rcpts, raw)──▶ caller stores raw, then "250 OK"
//	                                                           later: Parse(raw, teamKey) → *Message
//
// The Server acknowledges a message only after deliver returned nil, so the
// caller's durable store, not this package, decides what is accepted: an
// error from deliver becomes a 451 and the sending MTA retries. Parsing is a
// separate step so a message that fails to parse (a key problem, a limit) is
// still kept raw and can be looked at by a person.
//
// Parse understands MIME, PGP/MIME (RFC 3156) encrypted and signed mail,
// inline ASCII-armored PGP blocks and clear-signed text, and applies Limits
// so a hostile message costs bounded memory.
//
// Replies find their thread through a token that sirt puts into the
// addresses and Message-IDs it sends: security+r-<token>@host in Reply-To,
// and <r-<token>.<unique>@host> as Message-ID, which comes back in
// In-Reply-To and References. NewToken, ReplyAddress and NewMessageID make
// them; FindToken finds the token in an inbound Message.
//
// Outbound, an Outgoing describes one message; Compose renders it to RFC 5322
// bytes (PGP/MIME encrypted when EncryptTo is set, signed when SignWith is),
// and SMTPSender sends it with STARTTLS. The Message-ID given is kept, so a
// notification outbox can retry a send without the recipient seeing a new
// message. Templates are text/template with missing keys as errors.
package mail
