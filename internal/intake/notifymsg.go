package intake

import "github.com/oss-sirt/sirt/internal/notify"

func notifyMessage(r *Report, subject, body, purpose string) notify.Message {
	return notify.Message{To: r.Reporter.Email, Subject: subject, Body: body, ReportID: r.ID, Purpose: "report." + purpose,
		ThreadTok: r.replyToken, InReplyTo: r.messageID}
}
