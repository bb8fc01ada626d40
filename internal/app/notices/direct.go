package notices

import (
	"context"
	"encoding/json"

	"github.com/citygrid/citygrid/internal/access"
)

// AnnounceTo writes a case message to the outbox in the caller's transaction for named staff,
// each reading message: for notices whose readers the step itself does not decide, such as an
// assessment's notice (抄告单) to a failed site's responsible unit. payload must name the case
// (case_id, ticket) like every case message.
func (a *Service) AnnounceTo(ctx context.Context, topic string, payload []byte, to []access.User, message string) error {
	rs := make([]recipient, 0, len(to))
	for _, u := range to {
		rs = append(rs, recipient{Username: u.Username, Audience: AudienceStaff, Message: message})
	}
	b, _ := json.Marshal(rs)
	return a.DB.EnqueueFor(ctx, topic, string(payload), string(b), a.Now())
}
