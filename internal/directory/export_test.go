package directory

import "context"

// QueueBatch exposes one fan-out batch to the crash test (the job's work up to a kill).
func (s *Service) QueueBatch(ctx context.Context, id int64, limit int) (int, error) {
	return s.queueBatch(ctx, id, limit)
}
