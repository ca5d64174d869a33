package resetpw_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maxFuncLines is the longest a function (or function literal) outside the
// tests may be, from its func keyword to its closing brace (issue 19).
const maxFuncLines = 60

// longFuncs lists the functions of dir's non-test files over maxFuncLines.
func longFuncs(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	require.NotEmpty(t, files, dir)
	fset := token.NewFileSet()
	var long []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			var body *ast.BlockStmt
			switch d := n.(type) {
			case *ast.FuncDecl:
				body = d.Body
			case *ast.FuncLit:
				body = d.Body
			}
			if body != nil {
				start := fset.Position(n.Pos())
				if lines := fset.Position(body.Rbrace).Line - start.Line + 1; lines > maxFuncLines {
					long = append(long, start.String())
				}
			}
			return true
		})
	}
	return long
}

func TestNoLongFunctions(t *testing.T) {
	for _, dir := range []string{".", "resetpwtest", "../bulk", "../quota", "../quota/redisquota", "../groundtruth", "../internal/engine"} {
		t.Run(dir, func(t *testing.T) {
			assert.Empty(t, longFuncs(t, dir), "functions over %d lines: split them into named steps", maxFuncLines)
		})
	}
}
