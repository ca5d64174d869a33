//go:build !unix

package platforms

// New is declared for the others here and for Unix in p_unix.go.
func New() T { return T{} }

// M is declared twice, as New is.
func (T) M() {}

func helper() {}
