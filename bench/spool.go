package bench

import (
	"fmt"
	"os"
)

// Spool keeps the encoded push bodies on disk, so every target gets the very same bytes without
// holding gigabytes in memory or spending CPU to regenerate them while a server is measured.
// Safe for concurrent Body calls once writing is done.
type Spool struct {
	f    *os.File
	off  []int64
	size []int
	end  int64
}

// NewSpool creates a spool file at path.
func NewSpool(path string) (*Spool, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create spool: %w", err)
	}
	return &Spool{f: f}, nil
}

// Append stores one body.
func (s *Spool) Append(body []byte) error {
	if _, err := s.f.WriteAt(body, s.end); err != nil {
		return fmt.Errorf("write spool: %w", err)
	}
	s.off = append(s.off, s.end)
	s.size = append(s.size, len(body))
	s.end += int64(len(body))
	return nil
}

// Len is the number of bodies; Size their total bytes.
func (s *Spool) Len() int    { return len(s.off) }
func (s *Spool) Size() int64 { return s.end }

// Body reads body i.
func (s *Spool) Body(i int) ([]byte, error) {
	b := make([]byte, s.size[i])
	if _, err := s.f.ReadAt(b, s.off[i]); err != nil {
		return nil, fmt.Errorf("read spool body %d: %w", i, err)
	}
	return b, nil
}

// Close closes and removes the spool file.
func (s *Spool) Close() error {
	name := s.f.Name()
	err := s.f.Close()
	if rerr := os.Remove(name); err == nil {
		err = rerr
	}
	return err
}
