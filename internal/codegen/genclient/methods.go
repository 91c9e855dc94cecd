package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"text/template"
)

// methodsFile renders operations.gen.go: one method of *Client per operation, which sends the
// request through the checked generated client and returns the declared success answer, and
// the table of the JSON each operation answers with, which the pipeline checks bodies against.
func methodsFile(ops []operation) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header)
	if err := methodsTemplate.Execute(&b, ops); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var methodsTemplate = template.Must(template.New("methods").Funcs(template.FuncMap{
	"sentence":  sentence,
	"signature": signature,
	"rawArgs":   func(o operation) string { return strings.Join(o.RawArgs, ", ") },
	"statuses":  statusList,
	"shapes":    shapeCases,
}).Parse(`//lint:file-ignore SA1019 deprecated operations are wrapped like the others

package blaxel

import (
	"context"

	"github.com/blaxel-go/blaxel/gen"
)
{{range .}}
// {{.GoName}} calls {{.Method}} {{.Path}}, the operation {{.ID}} of openapi.yaml: {{sentence .Summary}}
{{- if .Paginated}}
//
// It returns one page; [Client.{{.GoName}}All] walks them all.
{{- end}}
{{- if .Deprecated}}
//
// Deprecated: {{with .Why}}{{.}}{{else}}openapi.yaml marks the operation {{.ID}} as deprecated.{{end}}
{{- end}}
{{- if .Result.Several}}
func (c *Client) {{.GoName}}({{signature .}}) (*{{.GoName}}Result, error) {
	resp, err := c.raw.{{.GoName}}(withCall(ctx, opts), {{rawArgs .}})
	return answer(c, resp, err, gen.Parse{{.GoName}}Response, func(r *gen.{{.GoName}}Response) *{{.GoName}}Result {
		if {{range $i, $f := .Result.Fields}}{{if $i}} && {{end}}r.{{$f.Name}} == nil{{end}} {
			return nil
		}
		return &{{.GoName}}Result{ {{- range $i, $f := .Result.Fields}}{{if $i}}, {{end}}{{$f.Name}}: r.{{$f.Name}}{{end -}} }
	})
}

// {{.GoName}}Result is the answer of {{.GoName}}: exactly one field is set, the one of the
// status the server answered with.
type {{.GoName}}Result struct {
{{- range .Result.Fields}}
	{{.Name}} *{{.Type}} // {{.Status}}{{if .Description}}: {{.Description}}{{end}}
{{- end}}
}
{{- else if .Result.Value}}
func (c *Client) {{.GoName}}({{signature .}}) ({{.Result.Type}}, error) {
	resp, err := c.raw.{{.GoName}}(withCall(ctx, opts), {{rawArgs .}})
	return answerValue(c, resp, err, gen.Parse{{.GoName}}Response, func(r *gen.{{.GoName}}Response) *{{.Result.Type}} { return r.{{.Result.Field}} })
}
{{- else if .Result.Pointer}}
func (c *Client) {{.GoName}}({{signature .}}) (*{{.Result.Type}}, error) {
	resp, err := c.raw.{{.GoName}}(withCall(ctx, opts), {{rawArgs .}})
	return answer(c, resp, err, gen.Parse{{.GoName}}Response, func(r *gen.{{.GoName}}Response) *{{.Result.Type}} { return r.{{.Result.Field}} })
}
{{- else}}
func (c *Client) {{.GoName}}({{signature .}}) error {
	resp, err := c.raw.{{.GoName}}(withCall(ctx, opts), {{rawArgs .}})
	return noAnswer(c, resp, err, {{statuses .Result.Statuses}})
}
{{- end}}
{{end}}
// answerShape tells what openapi.yaml declares as the body of an operation's success answer:
// JSON that begins with shape ('{' an object, '[' an array, 0 any value), or, when hasBody is
// false, no JSON body at all (and then an empty answer is the expected one).
func answerShape(operation string) (shape byte, hasBody bool) {
	switch operation {
{{- shapes .}}
	}
	return 0, false
}
`))

// sentence ends a summary with a full stop.
func sentence(s string) string {
	if s == "" {
		return "(no summary)."
	}
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// signature is the argument list of a generated method: ctx, the path parameters in the
// template's order, the body, the parameters, then the call options.
func signature(o operation) string {
	parts := []string{"ctx context.Context"}
	for _, p := range o.PathArgs {
		parts = append(parts, p.Name+" "+p.Type)
	}
	if o.Body != "" {
		parts = append(parts, "body "+o.Body)
	}
	if o.Params != "" {
		parts = append(parts, "params *"+o.Params)
	}
	return strings.Join(append(parts, "opts ...CallOption"), ", ")
}

func statusList(statuses []int) string {
	out := make([]string, len(statuses))
	for i, s := range statuses {
		out[i] = strconv.Itoa(s)
	}
	return strings.Join(out, ", ")
}

// shapeCases renders the cases of answerShape, grouping the operations by shape.
func shapeCases(ops []operation) string {
	groups := map[byte][]string{}
	for _, o := range ops {
		if o.Result.Kind == noResult {
			continue
		}
		groups[o.Result.Shape] = append(groups[o.Result.Shape], strconv.Quote(o.ID))
	}
	var b strings.Builder
	for _, shape := range []byte{'{', '[', 0} {
		if ids := groups[shape]; len(ids) > 0 {
			lit := "0"
			if shape != 0 {
				lit = strconv.QuoteRune(rune(shape))
			}
			fmt.Fprintf(&b, "\n\tcase %s:\n\t\treturn %s, true", strings.Join(ids, ", "), lit)
		}
	}
	return b.String()
}
