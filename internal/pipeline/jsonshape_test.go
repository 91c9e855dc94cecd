package pipeline

import (
	"encoding/json"
	"strings"
	"testing"
)

// validJSON holds documents of every kind the check knows, with and without whitespace.
var validJSON = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e+10`, `-12.25E-3`, `true`, `false`, `null`, " {\"a\" : [1, 2.0, \"x\"] }\r\n\t",
	`{"metadata":{"name":"sb","labels":{"a":"b"}},"spec":{"runtime":{"memory":4096,"ports":[{"target":8080}]}}}`,
	`"esc \" \\ \/ \b \f \n \r \t \u00e9"`, `[[[[[]]]],{}]`, `[{"a":"}"},"]"]`,
}

// shape runs the check over doc, cut into pieces of size step (all of it when step is 0).
func shape(doc []byte, step int) error {
	var s jsonShape
	if step <= 0 {
		step = len(doc) + 1
	}
	for len(doc) > 0 {
		n := min(step, len(doc))
		if err := s.write(doc[:n]); err != nil {
			return err
		}
		doc = doc[n:]
	}
	return s.end()
}

func TestJSONShapeAcceptsValidJSON(t *testing.T) {
	for _, doc := range append(validJSON, "") {
		for step := range len(doc) + 1 {
			if err := shape([]byte(doc), step); err != nil {
				t.Errorf("%q in pieces of %d: %v", doc, step, err)
			}
		}
	}
}

func TestJSONShapeRefusesWhatIsNotJSON(t *testing.T) {
	for _, doc := range []string{
		"<html>maintenance</html>", "Service Unavailable", " \n", "{", "[", `"`, `"abc`, `{"a":1`,
		`{"metadata":{"name":"sb"},"spe`, `[1,2`, `tru`, `fals`, `-`, `1.`, `1e`, `{"a":"b"`,
	} {
		for step := range len(doc) + 1 {
			if err := shape([]byte(doc), step); err == nil {
				t.Errorf("%q in pieces of %d: accepted", doc, step)
			}
		}
	}
}

// Every cut of a document is caught, except a cut just after a closing brace or bracket,
// which only the decoder can tell from the end of the document.
func TestJSONShapeCatchesCutsShort(t *testing.T) {
	doc := validJSON[11]
	for n := 1; n < len(doc); n++ {
		cut := strings.TrimRight(doc[:n], " ")
		err := shape([]byte(doc[:n]), 7)
		if last := cut[len(cut)-1]; err == nil && last != '}' && last != ']' {
			t.Errorf("%q: accepted", doc[:n])
		}
	}
}

func FuzzJSONShapeNeverRefusesValidJSON(f *testing.F) {
	for _, doc := range validJSON {
		f.Add([]byte(doc), uint8(3))
	}
	f.Fuzz(func(t *testing.T, doc []byte, step uint8) {
		if err := shape(doc, int(step)); json.Valid(doc) && err != nil {
			t.Fatalf("%q in pieces of %d: %v", doc, step, err)
		}
	})
}
