package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"

	"gopkg.in/yaml.v3"
)

// loadConfig builds the configuration in one pass: defaults (set by RegisterFlags), then the
// YAML file named by -config.file (unknown keys are an error), then only the flags given on the
// command line, then Validate.
func loadConfig(args []string) (*Config, *flag.FlagSet, error) {
	cfg := &Config{}
	fs := flag.NewFlagSet("skald", flag.ContinueOnError)
	fs.Usage = func() { usage(fs) }
	cfg.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, fs, err
	}
	if fs.NArg() > 0 {
		return nil, fs, fmt.Errorf("unexpected argument %q (subcommands: loggen, query)", fs.Arg(0))
	}
	set := map[string]string{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = f.Value.String() })
	if cfg.ConfigFile != "" {
		data, err := os.ReadFile(cfg.ConfigFile)
		if err != nil {
			return nil, fs, fmt.Errorf("read config: %w", err)
		}
		if err := decodeYAML(data, cfg); err != nil {
			return nil, fs, fmt.Errorf("parse config %s: %w", cfg.ConfigFile, err)
		}
		for name, v := range set {
			if err := fs.Set(name, v); err != nil {
				return nil, fs, err
			}
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, fs, err
	}
	return cfg, fs, nil
}

func decodeYAML(data []byte, cfg *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty file
		return err
	}
	return nil
}

func usage(fs *flag.FlagSet) {
	out := fs.Output()
	fmt.Fprintf(out, `Skald: a Loki-compatible, horizontally scalable log aggregation system.

Usage:
  skald [flags]                 run the targets named by -target (default: all, in one process)
  skald loggen [flags]          generate flog-like logs and push them to a Loki-compatible URL
  skald query [flags] '<logql>' query a Loki-compatible URL, like logcli
  skald -print-config           print the effective configuration as YAML and exit

Flags (each may also be set in the YAML file given by -config.file; flags win):
`)
	fs.PrintDefaults()
}

// configHandler serves /config like Loki: the effective configuration as YAML, or with
// ?mode=defaults the defaults, or with ?mode=diffs only what differs from the defaults.
func configHandler(cfg *Config) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v any = cfg
		switch r.URL.Query().Get("mode") {
		case "defaults":
			def := &Config{}
			def.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
			v = def
		case "diffs":
			def := &Config{}
			def.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
			d, err := diffConfig(def, cfg)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			v = d
		}
		out, err := yaml.Marshal(v)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(out)
	})
}

// diffConfig returns the keys of cur whose values differ from def, as a nested map.
func diffConfig(def, cur *Config) (map[string]any, error) {
	toMap := func(c *Config) (map[string]any, error) {
		b, err := yaml.Marshal(c)
		if err != nil {
			return nil, err
		}
		m := map[string]any{}
		return m, yaml.Unmarshal(b, &m)
	}
	dm, err := toMap(def)
	if err != nil {
		return nil, err
	}
	cm, err := toMap(cur)
	if err != nil {
		return nil, err
	}
	return diffMaps(dm, cm), nil
}

func diffMaps(def, cur map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range cur {
		dv, ok := def[k]
		if sub, isMap := v.(map[string]any); isMap {
			dsub, _ := dv.(map[string]any)
			if d := diffMaps(dsub, sub); len(d) > 0 {
				out[k] = d
			}
			continue
		}
		if !ok || fmt.Sprint(dv) != fmt.Sprint(v) {
			out[k] = v
		}
	}
	return out
}
