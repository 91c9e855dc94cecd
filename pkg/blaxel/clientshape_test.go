package blaxel_test

import (
	"reflect"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// A Client is used through its methods alone: it exports no field and embeds nothing, so that
// nothing of its pipeline can be changed or reached around the methods.
func TestClientExportsNoFieldAndEmbedsNothing(t *testing.T) {
	typ := reflect.TypeFor[blaxel.Client]()
	if typ.NumField() == 0 {
		t.Fatal("Client has no field at all")
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.IsExported() || f.Anonymous {
			t.Errorf("Client field %s: exported %v, embedded %v", f.Name, f.IsExported(), f.Anonymous)
		}
	}
}
