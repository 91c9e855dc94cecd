package option_test

import (
	"errors"
	"testing"

	"github.com/blaxel-go/blaxel/internal/option"
)

type settings struct{ applied []int }

type opt func(*settings) error

func add(n int) opt {
	return func(s *settings) error {
		if n < 0 {
			return errors.New("negative")
		}
		s.applied = append(s.applied, n)
		return nil
	}
}

func TestApplyInOrderPassingOverNilAndStoppingAtTheFirstError(t *testing.T) {
	var s settings
	err := option.Apply(&s, []opt{add(1), nil, add(2), add(-1), add(3)})
	if err == nil || err.Error() != "negative" {
		t.Errorf("err = %v, want the refusal", err)
	}
	if len(s.applied) != 2 || s.applied[0] != 1 || s.applied[1] != 2 {
		t.Errorf("applied %v, want [1 2]", s.applied)
	}
	if err := option.Apply(&s, []opt(nil)); err != nil {
		t.Errorf("no options: %v", err)
	}
}
