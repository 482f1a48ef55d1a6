package log

import (
	"text/template"
	"text/template/parse"
)

// templateFields lists the labels a template can read, so that formatting an entry fills the
// template's data map with those labels only instead of all of them. It over-approximates
// (inside range/with a field may name an element's key rather than a label; filling an
// extra label is harmless) and reports all=true when the template may read the whole map
// (a bare `.`, `$`, or a nested template call).
func templateFields(t *template.Template) (fields []string, all bool) {
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			fields = append(fields, n)
		}
	}
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		if all || n == nil {
			return
		}
		switch x := n.(type) {
		case *parse.ListNode:
			if x == nil {
				return
			}
			for _, c := range x.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(x.Pipe)
		case *parse.IfNode:
			walk(x.Pipe)
			walk(x.List)
			walk(x.ElseList)
		case *parse.RangeNode:
			walk(x.Pipe)
			walk(x.List)
			walk(x.ElseList)
		case *parse.WithNode:
			walk(x.Pipe)
			walk(x.List)
			walk(x.ElseList)
		case *parse.PipeNode:
			if x == nil {
				return
			}
			for _, c := range x.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			for _, a := range x.Args {
				walk(a)
			}
		case *parse.FieldNode:
			add(x.Ident[0])
		case *parse.ChainNode:
			walk(x.Node)
		case *parse.VariableNode:
			if x.Ident[0] == "$" {
				if len(x.Ident) == 1 {
					all = true
					return
				}
				add(x.Ident[1])
			}
		case *parse.DotNode, *parse.TemplateNode:
			all = true
		case *parse.TextNode, *parse.StringNode, *parse.NumberNode, *parse.BoolNode, *parse.NilNode,
			*parse.IdentifierNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
		default:
			all = true // a node kind this walk does not know: be safe
		}
	}
	for _, tt := range t.Templates() {
		if tt.Tree != nil {
			walk(tt.Tree.Root)
		}
	}
	return fields, all
}

// simpleTemplate is a template made only of text and `{{.label}}` actions, the common
// line_format shape ("{{.level}} {{.msg}}"). It renders by concatenation, without the
// reflection of text/template, with the same output: a label's value, or "" when absent.
type simpleTemplate []simplePart

type simplePart struct {
	text  string
	field string // when not "", the part is the value of this label
}

func compileSimple(t *template.Template) (simpleTemplate, bool) {
	if len(t.Templates()) != 1 || t.Tree == nil || t.Tree.Root == nil {
		return nil, false
	}
	var out simpleTemplate
	for _, n := range t.Tree.Root.Nodes {
		switch x := n.(type) {
		case *parse.TextNode:
			out = append(out, simplePart{text: string(x.Text)})
		case *parse.ActionNode:
			p := x.Pipe
			if p == nil || len(p.Decl) != 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
				return nil, false
			}
			f, ok := p.Cmds[0].Args[0].(*parse.FieldNode)
			if !ok || len(f.Ident) != 1 {
				return nil, false
			}
			out = append(out, simplePart{field: f.Ident[0]})
		default:
			return nil, false
		}
	}
	return out, true
}

func (s simpleTemplate) render(dst []byte, lbs *LabelsBuilder) []byte {
	for _, p := range s {
		if p.field == "" {
			dst = append(dst, p.text...)
			continue
		}
		v, _ := lbs.Get(p.field)
		dst = append(dst, v...)
	}
	return dst
}
