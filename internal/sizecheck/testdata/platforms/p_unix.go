//go:build unix

package platforms

// New is declared for Unix here and for the others in p_other.go.
func New() T { return T{} }

// M is declared twice, as New is.
func (T) M() {}
