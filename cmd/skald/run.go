package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"
)

// actor is one long-running part of the process: run blocks until ctx is cancelled (then it
// cleans up and returns) or until it fails.
type actor struct {
	name string
	run  func(ctx context.Context) error
}

// runActors starts the actors in order and stops them in reverse order once any of them fails
// or ctx is cancelled, so that (for example) the HTTP server stops taking pushes before the
// ingester flushes, and the ingester has flushed before the NATS server stops. The first error
// is returned.
func runActors(ctx context.Context, logger *slog.Logger, actors []actor) error {
	type handle struct {
		cancel context.CancelFunc
		done   chan error
	}
	var (
		once     sync.Once
		first    error
		stopAll  = make(chan struct{})
		handles  = make([]handle, len(actors))
		stopOnce = func(err error) {
			once.Do(func() {
				first = err
				close(stopAll)
			})
		}
	)
	for i, a := range actors {
		actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		h := handle{cancel: cancel, done: make(chan error, 1)}
		handles[i] = h
		go func(a actor) {
			err := a.run(actx)
			switch {
			case err != nil && !errors.Is(err, context.Canceled):
				logger.Error("target failed", "target", a.name, "err", err)
				stopOnce(err)
			case actx.Err() == nil:
				// Finished its work early (e.g. nothing to reload): the others go on.
				logger.Debug("target done", "target", a.name)
			}
			h.done <- err
		}(a)
	}
	select {
	case <-ctx.Done():
	case <-stopAll:
	}
	for i := len(actors) - 1; i >= 0; i-- {
		handles[i].cancel()
		if err := <-handles[i].done; err != nil && !errors.Is(err, context.Canceled) && first == nil {
			first = err
		}
		logger.Debug("stopped", "target", actors[i].name)
	}
	return first
}
