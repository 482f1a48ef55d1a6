package validation

import (
	"net/http"
	"reflect"
	"sort"

	"gopkg.in/yaml.v3"
)

// Handler serves the runtime overrides as YAML, like Loki's /runtime_config: every overridden
// tenant's full limits, or with ?mode=diff only the keys that differ from the defaults.
func (o *Overrides) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		diff := r.URL.Query().Get("mode") == "diff"
		out, err := o.runtimeYAML(diff)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/yaml; charset=utf-8")
		_, _ = w.Write(out)
	})
}

func (o *Overrides) runtimeYAML(diff bool) ([]byte, error) {
	tenants := *o.tenants.Load()
	names := make([]string, 0, len(tenants))
	for t := range tenants {
		names = append(names, t)
	}
	sort.Strings(names)
	defaults, err := asMap(o.defaults)
	if err != nil {
		return nil, err
	}
	root := &yaml.Node{Kind: yaml.MappingNode}
	for _, t := range names {
		m, err := asMap(tenants[t])
		if err != nil {
			return nil, err
		}
		if diff {
			for k, v := range m {
				if reflect.DeepEqual(v, defaults[k]) {
					delete(m, k)
				}
			}
		}
		var n yaml.Node
		if err := n.Encode(m); err != nil {
			return nil, err
		}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: t}, &n)
	}
	doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "overrides"}, root}}
	return yaml.Marshal(doc)
}

// asMap renders limits as a generic YAML map, so that values compare as they print.
func asMap(l *Limits) (map[string]any, error) {
	b, err := yaml.Marshal(l)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	return m, yaml.Unmarshal(b, &m)
}
