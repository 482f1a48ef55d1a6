package chunk

import "flag"

// MarshalText renders the codec by name, for YAML and JSON configuration.
func (c Codec) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText parses a codec name.
func (c *Codec) UnmarshalText(b []byte) error {
	v, err := ParseCodec(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Set implements flag.Value.
func (c *Codec) Set(s string) error { return c.UnmarshalText([]byte(s)) }

// RegisterFlags registers the chunk encoding flags with prefix (e.g. "ingester.chunk-") and
// sets the defaults.
func (o *Options) RegisterFlags(prefix string, fs *flag.FlagSet) {
	*o = DefaultOptions()
	fs.Var(&o.Codec, prefix+"encoding", "Compression of chunk blocks: none, snappy, lz4, zstd or gzip.")
	fs.IntVar(&o.BlockSize, prefix+"block-size", DefaultBlockSize, "Target uncompressed bytes per chunk block; 0 means 256 KiB.")
	fs.IntVar(&o.FilterBitsPerGram, prefix+"filter-bits", DefaultFilterBitsPerGram, "Token filter bits per distinct 4-gram of a block; more bits skip more blocks for short needles; 0 means 2.")
	fs.BoolVar(&o.LineHashes, prefix+"line-hashes", false, "Store each line's hash in chunks (8 bytes per entry) so that counts and byte sums read no line bytes.")
}
