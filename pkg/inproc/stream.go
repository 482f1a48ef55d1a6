package inproc

import (
	"context"
	"errors"
	"io"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// call is the state shared by the two ends of one in-process server-streaming call. Messages
// cross an unbuffered channel, so once the handler has returned no message is left in flight and
// Recv can report the end of the stream without losing anything.
type call[T any] struct {
	clientCtx context.Context
	serverCtx context.Context
	cancel    context.CancelFunc

	msgs chan *T
	done chan struct{} // closed after the handler returned; err is then final
	err  error

	mu          sync.Mutex
	header      metadata.MD
	trailer     metadata.MD
	headerReady chan struct{} // closed once headers are sent or the handler returned
	headerSent  bool

	// recvErr is the terminal error the client saw; Recv keeps returning it. Only the client's
	// goroutine touches it (grpc-go forbids concurrent Recv calls on one stream).
	recvErr error
}

// startStream runs handler on its own goroutine and returns the client's end of the stream.
func startStream[T any](ctx context.Context, handler func(grpc.ServerStreamingServer[T]) error) grpc.ServerStreamingClient[T] {
	c := &call[T]{
		clientCtx:   ctx,
		msgs:        make(chan *T),
		done:        make(chan struct{}),
		headerReady: make(chan struct{}),
	}
	c.serverCtx, c.cancel = context.WithCancel(serverContext(ctx))
	go func() {
		defer close(c.done)
		defer c.markHeaderSent()
		c.err = handler(serverEnd[T]{c})
	}()
	return clientEnd[T]{c}
}

func (c *call[T]) markHeaderSent() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.headerSent {
		c.headerSent = true
		close(c.headerReady)
	}
}

// clientEnd implements grpc.ServerStreamingClient.
type clientEnd[T any] struct{ c *call[T] }

func (e clientEnd[T]) Recv() (*T, error) {
	c := e.c
	if c.recvErr != nil {
		return nil, c.recvErr
	}
	var err error
	select {
	case m := <-c.msgs:
		return m, nil
	case <-c.done:
		err = io.EOF
		if c.err != nil {
			err = toStatus(c.err)
		}
	case <-c.clientCtx.Done():
		err = contextStatus(c.clientCtx.Err())
	}
	c.recvErr = err
	// The call is over for the client: release the handler if it is still sending.
	c.cancel()
	return nil, err
}

func (e clientEnd[T]) Header() (metadata.MD, error) {
	c := e.c
	select {
	case <-c.headerReady:
	case <-c.clientCtx.Done():
		return nil, contextStatus(c.clientCtx.Err())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.header.Copy(), nil
}

// Trailer is complete only after Recv returned an error, as in grpc-go.
func (e clientEnd[T]) Trailer() metadata.MD {
	e.c.mu.Lock()
	defer e.c.mu.Unlock()
	return e.c.trailer.Copy()
}

// CloseSend is a no-op: a server-streaming call has already sent its only request.
func (e clientEnd[T]) CloseSend() error { return nil }

func (e clientEnd[T]) Context() context.Context { return e.c.clientCtx }

func (e clientEnd[T]) SendMsg(any) error {
	return status.Error(codes.Internal, "SendMsg called after CloseSend")
}

// RecvMsg receives into m, which must be a *T; the message is copied because grpc-go's callers
// own m.
func (e clientEnd[T]) RecvMsg(m any) error {
	got, err := e.Recv()
	if err != nil {
		return err
	}
	dst, ok := m.(proto.Message)
	src, ok2 := any(got).(proto.Message)
	if !ok || !ok2 || dst.ProtoReflect().Descriptor() != src.ProtoReflect().Descriptor() {
		return status.Errorf(codes.Internal, "RecvMsg into %T, want %T", m, got)
	}
	proto.Reset(dst)
	proto.Merge(dst, src)
	return nil
}

// serverEnd implements grpc.ServerStreamingServer.
type serverEnd[T any] struct{ c *call[T] }

func (e serverEnd[T]) Send(m *T) error {
	c := e.c
	c.markHeaderSent()
	select {
	case c.msgs <- m:
		return nil
	case <-c.serverCtx.Done():
		return contextStatus(c.serverCtx.Err())
	}
}

func (e serverEnd[T]) SetHeader(md metadata.MD) error {
	c := e.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.headerSent {
		return errors.New("transport: the stream is done or SetHeader was called after headers were sent")
	}
	c.header = metadata.Join(c.header, md)
	return nil
}

func (e serverEnd[T]) SendHeader(md metadata.MD) error {
	if err := e.SetHeader(md); err != nil {
		return err
	}
	e.c.markHeaderSent()
	return nil
}

func (e serverEnd[T]) SetTrailer(md metadata.MD) {
	e.c.mu.Lock()
	defer e.c.mu.Unlock()
	e.c.trailer = metadata.Join(e.c.trailer, md)
}

func (e serverEnd[T]) Context() context.Context { return e.c.serverCtx }

func (e serverEnd[T]) SendMsg(m any) error {
	t, ok := m.(*T)
	if !ok {
		return status.Errorf(codes.Internal, "SendMsg of %T on a stream of %T", m, new(T))
	}
	return e.Send(t)
}

// RecvMsg reports the end of the client's messages: the request was handed to the handler.
func (e serverEnd[T]) RecvMsg(any) error { return io.EOF }

// toStatus converts a handler's error as grpc-go does on the wire: status errors pass, context
// errors become Canceled or DeadlineExceeded, anything else becomes Unknown with its text.
func toStatus(err error) error {
	if _, ok := status.FromError(err); ok {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return contextStatus(err)
	}
	return status.Error(codes.Unknown, err.Error())
}

// contextStatus is the status grpc-go reports for a context error.
func contextStatus(err error) error {
	return status.FromContextError(err).Err()
}
