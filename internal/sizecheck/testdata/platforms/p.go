// Package platforms is a package whose names are declared for two
// platforms, for exportedNames.
package platforms

// T is exported.
type T struct{}

// C is exported, c is not.
const C, c = 1, 2

type hidden struct{}

// M of an unexported type is not counted.
func (hidden) M() {}
