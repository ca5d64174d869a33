package alias

// Unexported functions, for the external tests of this package.
var (
	CheckUsername = checkUsername
	ParseKind     = parseKind
	Filter        = filter
)
