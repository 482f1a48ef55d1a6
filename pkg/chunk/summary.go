package chunk

// BlockSummary is what a block's directory entry says about it: enough for a count or a byte
// sum of a block that lies wholly inside one step of a metric query, without decompressing it.
type BlockSummary struct {
	MinT, MaxT int64 // first and last entry, inclusive
	Entries    int
	// LineBytes is the sum of the block's line lengths when it has no structured metadata
	// (then it equals the raw size the builder counted); -1 otherwise.
	LineBytes   int64
	HasMetadata bool
}

// BlockSummaries returns one summary per block, in time order.
func (c *Chunk) BlockSummaries() []BlockSummary {
	out := make([]BlockSummary, len(c.blocks))
	for i := range c.blocks {
		m := &c.blocks[i]
		s := BlockSummary{MinT: m.minT, MaxT: m.maxT, Entries: m.entries, LineBytes: -1}
		s.HasMetadata = m.rawLen[colMeta] > 0
		if !s.HasMetadata {
			s.LineBytes = int64(m.rawSize)
		}
		out[i] = s
	}
	return out
}
